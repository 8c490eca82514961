package main

// Tests of xbake on a shared machine (issue 30): a daemon that is slow
// rather than dead, two xbake processes starting one builder while busy
// loops eat the CPU, processes and mounts that are not xbake's.

import (
	"context"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xbake/xbake/internal/exec/outputs"
	"github.com/xbake/xbake/internal/testenv"
)

// daemonsOn lists the pids of the buildkitd processes running on root.
func daemonsOn(root string) []int {
	var pids []int
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		b, _ := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if len(args) < 3 || filepath.Base(args[0]) != "buildkitd" {
			continue
		}
		for i := range args[:len(args)-1] {
			if args[i] == "--root" && args[i+1] == root {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// xbakeBin is bin/xbake, found before any test changes directory.
var xbakeBin, _ = filepath.Abs("../../bin/xbake")

// bootstrapProcess starts `xbake builders inspect local --bootstrap` as a
// process of its own.
func bootstrapProcess(t *testing.T, dir string) (*osexec.Cmd, *lockedBuffer) {
	t.Helper()
	if _, err := os.Stat(xbakeBin); err != nil {
		t.Fatalf("bin/xbake missing (bash scripts/setup builds it): %v", err)
	}
	cmd := osexec.Command(xbakeBin, "builders", "inspect", "local", "--bootstrap")
	cmd.Dir = dir
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

// TestStoppedDaemonIsWaitedForNotReplaced: the local builder's buildkitd
// is stopped (kill -STOP: what a daemon swapping or starved of CPU looks
// like from outside). A run waits for it, saying so, instead of removing
// its socket and starting a second daemon on its root; once it
// continues, the run goes on with it. builders stop ends a stopped
// daemon.
func TestStoppedDaemonIsWaitedForNotReplaced(t *testing.T) {
	realBuilder(t)
	dir := t.TempDir()
	state := filepath.Join(os.Getenv("XBAKE_STATE_DIR"), "builders", "local")
	root := filepath.Join(state, "root")
	if code, out, errOut := xbake(t, dir, "", "builders", "inspect", "local", "--bootstrap"); code != 0 {
		t.Fatalf("bootstrap: exit %d\n%s%s", code, out, errOut)
	}
	daemons := daemonsOn(root)
	if len(daemons) != 1 {
		t.Fatalf("daemons on the root after the bootstrap: %v", daemons)
	}
	pid := daemons[0]
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGCONT) })

	cmd, out := bootstrapProcess(t, dir)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "waiting for it") && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if got := daemonsOn(root); len(got) != 1 || got[0] != pid {
		t.Errorf("daemons on the root while the first is stopped: %v, want only %d", got, pid)
	}
	if _, err := os.Stat(filepath.Join(state, "buildkitd.sock")); err != nil {
		t.Errorf("the stopped daemon's socket was removed: %v", err)
	}
	if !strings.Contains(out.String(), "(stopped) holds its state but does not answer; waiting for it") {
		t.Errorf("the run does not say it waits for the stopped daemon:\n%s", out)
	}
	syscall.Kill(pid, syscall.SIGCONT)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the run waiting for the stopped daemon: %v\n%s", err, out)
	}
	if !strings.Contains(out.String(), "answers again after") {
		t.Errorf("the run does not say the daemon answers again:\n%s", out)
	}
	pidFile, _ := os.ReadFile(filepath.Join(state, "buildkitd.pid"))
	if strings.TrimSpace(string(pidFile)) != strconv.Itoa(pid) {
		t.Errorf("pid file says %q, the daemon is %d", pidFile, pid)
	}

	// builders stop ends a stopped daemon.
	syscall.Kill(pid, syscall.SIGSTOP)
	if code, out, errOut := xbake(t, dir, "", "builders", "stop", "local"); code != 0 {
		t.Fatalf("builders stop: exit %d\n%s%s", code, out, errOut)
	}
	if got := daemonsOn(root); len(got) != 0 {
		t.Errorf("builders stop left the stopped daemon running: %v", got)
	}
}

// TestConcurrentStartsUnderLoad: two xbake processes start one stopped
// builder at once while busy loops keep every core busy, several times
// over: both succeed each time, on one daemon.
func TestConcurrentStartsUnderLoad(t *testing.T) {
	realBuilder(t)
	dir := t.TempDir()
	root := filepath.Join(os.Getenv("XBAKE_STATE_DIR"), "builders", "local", "root")
	ctx, cancel := context.WithCancel(context.Background())
	var loops sync.WaitGroup
	for range 2 * runtime.NumCPU() {
		loop := osexec.CommandContext(ctx, "sh", "-c", "while :; do :; done")
		if err := loop.Start(); err != nil {
			t.Fatal(err)
		}
		loops.Go(func() { loop.Wait() })
	}
	t.Cleanup(func() { cancel(); loops.Wait() })
	for round := range 4 {
		var cmds []*osexec.Cmd
		var outs []*lockedBuffer
		for range 2 {
			cmd, out := bootstrapProcess(t, dir)
			cmds, outs = append(cmds, cmd), append(outs, out)
		}
		for i, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				t.Errorf("round %d, process %d: %v\n%s", round, i, err, outs[i])
			}
		}
		if got := daemonsOn(root); len(got) != 1 {
			t.Errorf("round %d: daemons on the root: %v, want one", round, got)
		}
		if code, out, errOut := xbake(t, dir, "", "builders", "stop", "local"); code != 0 {
			t.Fatalf("builders stop: exit %d\n%s%s", code, out, errOut)
		}
	}
}

// TestDestinationLockAcrossStateDirs: a run writes a local destination
// that another xbake (another user, another state directory) is
// writing: it says whose lock it waits for, writes nothing until it is
// released, then writes its output whole; the lock file goes with it.
func TestDestinationLockAcrossStateDirs(t *testing.T) {
	realBuilder(t)
	builderState := os.Getenv("XBAKE_STATE_DIR")
	dir := t.TempDir()
	testenv.CopyFile(t, "../../bin/busybox-amd64", filepath.Join(dir, "busybox"))
	writeFile(t, dir, "Dockerfile", "FROM scratch\nCOPY busybox /bin/busybox\n")
	writeFile(t, dir, "xbuild.hcl", "target \"e\" {\n  platforms = [\"linux/amd64\"]\n  output = [\"type=local,dest=out/e\"]\n}\n")
	dest := filepath.Join(dir, "out", "e")

	t.Setenv("XBAKE_STATE_DIR", t.TempDir()) // the other run's
	release, err := outputs.LockDestinations([]string{dest}, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if release != nil {
			release()
		}
	}()
	cmd := osexec.Command(xbakeBin, "run", "--progress", "plain")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "XBAKE_STATE_DIR="+builderState)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	want := fmt.Sprintf("e: waiting for another run to finish writing its output (xbake run (pid %d", os.Getpid())
	deadline := time.Now().Add(90 * time.Second)
	for !strings.Contains(out.String(), want) && time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("the run did not wait for the other state directory's lock (exit %v):\n%s", err, out)
		case <-time.After(200 * time.Millisecond):
		}
	}
	if !strings.Contains(out.String(), want) {
		t.Fatalf("the run does not say whose lock it waits for:\n%s", out)
	}
	time.Sleep(time.Second)
	if _, err := os.Stat(filepath.Join(dest, "bin", "busybox")); err == nil {
		t.Fatal("the run wrote the destination while another run held it")
	}
	release()
	release = nil
	if err := <-done; err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dest, "bin", "busybox")); err != nil {
		t.Errorf("the output is not there after the wait: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "out"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".xbake-") {
			t.Errorf("left beside the destination: %s", e.Name())
		}
	}
}
