package main

import (
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDaemonKilledMidBuild kills the local builder's buildkitd (kill -9)
// while a target builds: the run fails with exit 1 and says which
// builder went away and what to do, leaves no output and no temporary,
// and the next run starts a new daemon and succeeds.
func TestDaemonKilledMidBuild(t *testing.T) {
	realBuilder(t)
	// The step outlives its daemon (runc's process is orphaned by the
	// kill): keep it short so that it does not linger into other tests.
	r := startSlowRun(t, 8, `"type=oci,dest=out/t.tar", "type=local,dest=out/dir"`)
	cmd, dir := r.cmd, r.dir
	stdout, stderr := r.stdout, r.stderr
	pidFile := filepath.Join(os.Getenv("XBAKE_STATE_DIR"), "builders", "local", "buildkitd.pid")
	pb, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(pb)))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("xbake did not end within 60 s of its daemon's death")
	}
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	all := stdout.String() + stderr.String()
	for _, want := range []string{`builder "local" lost its node "local"`, "Run again: xbake starts a new one"} {
		if !strings.Contains(all, want) {
			t.Errorf("the output does not say %q:\n%s", want, all)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "out")); len(entries) != 0 {
		t.Errorf("the failed run left %v in out/", entries)
	}

	writeFile(t, dir, "Dockerfile", "FROM scratch\nCOPY busybox /bin/busybox\n")
	if code, out, errOut := xbake(t, dir, "", "run", "--progress", "quiet"); code != 0 {
		t.Fatalf("the next run: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "out/t.tar")); err != nil {
		t.Errorf("the next run's output: %v", err)
	}
}

// TestEntitlementsOnTheLocalBuilder: what the user allows with --allow
// works on the local builder (its daemon is started to permit it).
func TestEntitlementsOnTheLocalBuilder(t *testing.T) {
	realBuilder(t)
	dir := t.TempDir()
	b, _ := os.ReadFile("../../bin/busybox-amd64")
	os.WriteFile(filepath.Join(dir, "busybox"), b, 0o755)
	writeFile(t, dir, "Dockerfile", "FROM scratch\nCOPY busybox /bin/busybox\n"+
		"RUN --network=host [\"/bin/busybox\", \"true\"]\n"+
		"RUN --security=insecure [\"/bin/busybox\", \"true\"]\n")
	writeFile(t, dir, "xbuild.hcl", "target \"t\" {\n  platforms = [\"linux/amd64\"]\n"+
		"  entitlements = [\"network.host\", \"security.insecure\"]\n  output = [\"type=cacheonly\"]\n}\n")
	code, out, errOut := xbake(t, dir, "", "run", "--progress", "quiet", "--allow", "network.host", "--allow", "security.insecure")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

// Reading outside the tree needs --allow fs.read, for file() while the
// spec loads and for a context when it plans.
func TestAllowFSRead(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "xbuild.hcl", "target \"t\" {\n  args = { h = file(\"/etc/hostname\") }\n  output = [\"type=cacheonly\"]\n}\n"+
		"target \"c\" {\n  context = \"/etc/apt\"\n  dockerfile-inline = \"FROM scratch\"\n  output = [\"type=cacheonly\"]\n}\n")
	code, out, errOut := xbake(t, dir, "", "plan", "--print", "t")
	if code != 1 || !strings.Contains(errOut, "xbuild.hcl:2:") || !strings.Contains(errOut, "--allow fs.read=/etc") || strings.Contains(out, "\"h\"") {
		t.Errorf("file(\"/etc/hostname\") without --allow: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := xbake(t, dir, "", "plan", "--print", "--allow", "fs.read=/etc", "t"); code != 0 || !strings.Contains(out, "\"h\"") {
		t.Errorf("with --allow fs.read=/etc: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = xbake(t, dir, "", "plan", "--allow", "fs.read=/etc/hostname", "c")
	if all := out + errOut; code != 1 || !strings.Contains(all, "xbuild.hcl:6:13: Read outside the tree") {
		t.Errorf("context /etc/apt without its grant: exit %d\n%s", code, all)
	}
	if code, out, errOut := xbake(t, dir, "", "plan", "--allow", "fs.read=/etc", "c"); code != 0 {
		t.Errorf("context /etc/apt with --allow fs.read=/etc: exit %d\n%s%s", code, out, errOut)
	}
}

// TestKilledDaemonLeavesNothing: a daemon killed with kill -9 during a
// step leaves its step's mounts under the builder's root and the step's
// processes; the next daemon's start ends them, and so does builders rm,
// which must then delete the state directory whole.
func TestKilledDaemonLeavesNothing(t *testing.T) {
	realBuilder(t)
	r := startSlowRun(t, 120, `"type=cacheonly"`)
	state := filepath.Join(os.Getenv("XBAKE_STATE_DIR"), "builders", "local")
	pb, err := os.ReadFile(filepath.Join(state, "buildkitd.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(pb)))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	r.cmd.Wait()
	time.Sleep(500 * time.Millisecond)
	if len(mountsUnder(t, state)) == 0 && len(processesUnder(t, state)) == 0 {
		t.Fatal("the killed daemon left nothing to clean: the test no longer tests anything")
	}
	// The next run starts a daemon, which first ends what the dead one left.
	if code, out, errOut := xbake(t, r.dir, "", "builders", "inspect", "local", "--bootstrap"); code != 0 {
		t.Fatalf("a new daemon: exit %d\n%s%s", code, out, errOut)
	}
	if m, p := mountsUnder(t, state), processesUnder(t, state); len(m) != 0 || len(p) != 0 {
		t.Errorf("after a new daemon started, left over: mounts %v, processes %v", m, p)
	}
	if code, out, errOut := xbake(t, r.dir, "", "builders", "rm", "local"); code != 0 {
		t.Fatalf("builders rm: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Errorf("builders rm left the state directory: %v", err)
	}
}

// mountsUnder lists the mount points under dir.
func mountsUnder(t *testing.T, dir string) []string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], dir+"/") {
			out = append(out, f[4])
		}
	}
	return out
}

// processesUnder lists the processes (but buildkitd) whose command line
// names a path under dir, or whose root directory lies under it.
func processesUnder(t *testing.T, dir string) []string {
	var out []string
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		if _, err := strconv.Atoi(p.Name()); err != nil {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
		root, _ := os.Readlink(filepath.Join("/proc", p.Name(), "root"))
		args := strings.ReplaceAll(string(cmdline), "\x00", " ")
		if strings.Contains(args, "buildkitd") {
			continue
		}
		if strings.Contains(args, dir+"/") || strings.HasPrefix(root, dir+"/") {
			out = append(out, p.Name()+": "+args)
		}
	}
	return out
}

// TestRacingRunsOnOneOutput: two xbake runs at once write the same local
// output (hundreds of files, each run merging into the directory): both
// succeed, one waiting for the other, and the directory holds one run's
// output whole, with no temporary left.
func TestRacingRunsOnOneOutput(t *testing.T) {
	realBuilder(t)
	bin, _ := filepath.Abs("../../bin/xbake")
	dir := t.TempDir()
	b, err := os.ReadFile("../../bin/busybox-amd64")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "busybox"), b, 0o755)
	writeFile(t, dir, "Dockerfile", "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n")
	writeFile(t, dir, "xbuild.hcl", "target \"e\" {\n  platforms = [\"linux/amd64\"]\n  output = [\"type=local,dest=out/e\"]\n}\n")
	if code, out, errOut := xbake(t, dir, "", "run", "--progress", "quiet"); code != 0 { // warm the cache: the races are in the writing
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	want, _ := os.ReadDir(filepath.Join(dir, "out/e/bin"))
	// The races are in replacing what a previous run wrote: out/e stays.
	for round := 0; round < 10; round++ {
		var cmds []*osexec.Cmd
		var outs []*lockedBuffer
		for i := 0; i < 2; i++ {
			cmd := osexec.Command(bin, "run", "--progress", "plain")
			cmd.Dir = dir
			out := &lockedBuffer{}
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			cmds, outs = append(cmds, cmd), append(outs, out)
		}
		for i, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				t.Errorf("round %d, run %d: %v\n%s", round, i, err, outs[i])
			}
		}
		got, _ := os.ReadDir(filepath.Join(dir, "out/e/bin"))
		if len(got) != len(want) {
			t.Errorf("round %d: out/e/bin holds %d entries, want %d", round, len(got), len(want))
		}
		filepath.Walk(filepath.Join(dir, "out"), func(path string, info os.FileInfo, err error) error {
			if err == nil && strings.HasPrefix(info.Name(), ".xbake-tmp-") {
				t.Errorf("round %d: a temporary is left: %s", round, path)
			}
			return nil
		})
	}
}
