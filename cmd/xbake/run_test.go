package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xbake/xbake/internal/builder"
	"github.com/xbake/xbake/internal/builder/desc"
)

// realBuilder points the local builder at bin/buildkitd with a state
// directory of the test's own, and stops the daemon afterwards.
func realBuilder(t *testing.T) {
	t.Helper()
	bin, _ := filepath.Abs("../../bin/buildkitd")
	if _, err := os.Stat(bin); err != nil || os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("needs root and bin/buildkitd in CI: %v", err)
		}
		t.Skip("needs root and bin/buildkitd (bash scripts/setup)")
	}
	dir, err := os.MkdirTemp("/tmp", "xbc")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("XBAKE_BUILDKITD", bin)
	t.Setenv("XBAKE_STATE_DIR", dir)
	t.Cleanup(func() {
		builder.NewLocal(builder.BuiltinName, desc.Local{}).Stop()
		os.RemoveAll(dir)
	})
}

func copyExample(t *testing.T, name string) string {
	t.Helper()
	dst := t.TempDir()
	src := filepath.Join("../../examples", name)
	err := filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if info.IsDir() {
			if rel == "out" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, info.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		b, err := os.ReadFile("../../bin/busybox-" + arch)
		if err != nil {
			t.Fatalf("%v (bash scripts/setup)", err)
		}
		os.WriteFile(filepath.Join(dst, "busybox-"+arch), b, 0o755)
	}
	return dst
}

// TestRunExample is the README's first command: the hello example built
// for two platforms into an OCI archive, with metadata.
func TestRunExample(t *testing.T) {
	realBuilder(t)
	dir := copyExample(t, "hello")
	code, out, errOut := xbake(t, dir, "", "run", "--progress", "plain", "--metadata-file", "meta.json")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "hello   built") && !strings.Contains(out, "hello   cached") {
		t.Errorf("summary:\n%s", out)
	}
	if !strings.Contains(errOut, "[hello] [linux/arm64") {
		t.Errorf("progress lines should carry the target and platform:\n%.2000s", errOut)
	}
	if info, err := os.Stat(filepath.Join(dir, "out/hello.tar")); err != nil || info.Size() == 0 {
		t.Errorf("out/hello.tar: %v", err)
	}
	var meta map[string]map[string]any
	b, _ := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err := json.Unmarshal(b, &meta); err != nil || meta["hello"]["containerimage.digest"] == nil {
		t.Errorf("metadata file: %v\n%s", err, b)
	}
	if _, isObject := meta["hello"]["containerimage.descriptor"].(map[string]any); !isObject {
		t.Errorf("containerimage.descriptor should be decoded JSON: %v", meta["hello"]["containerimage.descriptor"])
	}
	if ref, _ := meta["hello"]["buildx.build.ref"].(string); !strings.HasPrefix(ref, "local/local/") || len(ref) < len("local/local/")+20 {
		t.Errorf("buildx.build.ref = %q, want local/local/REF", ref)
	}
}

func TestRunFailureAndUsage(t *testing.T) {
	realBuilder(t)
	dir := t.TempDir()
	writeFile(t, dir, "Dockerfile", "FROM scratch\nCOPY missing-file /\n")
	writeFile(t, dir, "xbuild.hcl", "target \"broken\" {\n  output = [\"type=cacheonly\"]\n}\n")
	code, out, _ := xbake(t, dir, "", "run", "--progress", "quiet")
	if code != 1 || !strings.Contains(out, "broken  failed") || !strings.Contains(out, "broken failed at") {
		t.Errorf("a failed build: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"run", "--push-mode", "later"}, {"run", "--jobs", "0"}, {"run", "--progress", "fancy"}} {
		if code, _, errOut := xbake(t, dir, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errOut)
		}
	}
}

// TestInterruptExits130 sends SIGINT to a real xbake process in the middle
// of a build: it must exit 130 and leave no output behind.
func TestInterruptExits130(t *testing.T) {
	realBuilder(t)
	r := startSlowRun(t, 60, `"type=oci,dest=out/slow.tar"`)
	cmd, stderr, dir := r.cmd, r.stderr, r.dir
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d (%v), want 130\n%s", code, err, stderr.String())
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "out")); len(entries) != 0 {
		t.Errorf("interrupted run left %v", entries)
	}
}

// slowRun starts the real binary on a target whose step sleeps for
// seconds, with outputs, and returns once the step runs: the moment the
// fault tests interrupt, kill xbake or kill its daemon.
type slowRun struct {
	cmd            *osexec.Cmd
	dir            string
	stdout, stderr *lockedBuffer // written by the process's copiers, read here
}

func startSlowRun(t *testing.T, seconds int, outputs string) *slowRun {
	t.Helper()
	bin, _ := filepath.Abs("../../bin/xbake")
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("bin/xbake missing in CI (bash scripts/setup builds it)")
		}
		t.Skip("bin/xbake not built")
	}
	dir := t.TempDir()
	b, _ := os.ReadFile("../../bin/busybox-amd64")
	os.WriteFile(filepath.Join(dir, "busybox"), b, 0o755)
	writeFile(t, dir, "Dockerfile", fmt.Sprintf("FROM scratch\nCOPY busybox /bin/busybox\nENV NONCE=%d\nRUN [\"/bin/busybox\", \"sleep\", \"%d\"]\n", time.Now().UnixNano(), seconds))
	writeFile(t, dir, "xbuild.hcl", "target \"t\" {\n  platforms = [\"linux/amd64\"]\n  output = ["+outputs+"]\n}\n")
	r := &slowRun{cmd: osexec.Command(bin, "run", "--progress", "plain"), dir: dir, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}}
	r.cmd.Dir = dir
	r.cmd.Stdout, r.cmd.Stderr = r.stdout, r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(r.stderr.String(), "sleep") && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(r.stderr.String(), "sleep") {
		r.cmd.Process.Kill()
		r.cmd.Wait()
		t.Fatalf("the build never reached its sleeping step:\n%s%s", r.stdout, r.stderr)
	}
	return r
}

// lockedBuffer is a bytes.Buffer safe for one writer and one reader.
type lockedBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestKilledRunIsSweptByTheNext kills a real xbake process (SIGKILL, no
// chance to clean up) in the middle of a build that writes an archive and
// a directory: the next run removes the temporaries the dead one left and
// writes its outputs.
func TestKilledRunIsSweptByTheNext(t *testing.T) {
	realBuilder(t)
	r := startSlowRun(t, 60, `"type=oci,dest=out/t.tar", "type=local,dest=out/dir"`)
	cmd, dir := r.cmd, r.dir
	cmd.Process.Kill()
	cmd.Wait()
	left := temporaries(t, filepath.Join(dir, "out"))
	if len(left) != 2 {
		t.Fatalf("the killed run left %v; the test expects its two temporaries", left)
	}

	writeFile(t, dir, "Dockerfile", "FROM scratch\nCOPY busybox /bin/busybox\n")
	if code, out, errOut := xbake(t, dir, "", "run", "--progress", "quiet"); code != 0 {
		t.Fatalf("the next run: exit %d\n%s%s", code, out, errOut)
	}
	if left := temporaries(t, filepath.Join(dir, "out")); len(left) != 0 {
		t.Errorf("temporaries left after the next run: %v", left)
	}
	if _, err := os.Stat(filepath.Join(dir, "out/dir/bin/busybox")); err != nil {
		t.Errorf("the next run's local output: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "out/t.tar")); err != nil {
		t.Errorf("the next run's archive: %v", err)
	}
}

// temporaries lists the names below dir that look like xbake's temporaries.
func temporaries(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".xbake-tmp-") {
			out = append(out, path)
		}
		return nil
	})
	return out
}

// --debug shows the plan before the run.
func TestRunDebugShowsThePlan(t *testing.T) {
	realBuilder(t)
	dir := t.TempDir()
	writeFile(t, dir, "xbuild.hcl", "target \"t\" {\n  dockerfile-inline = \"FROM scratch\"\n  output = [\"type=cacheonly\"]\n}\n")
	code, out, errOut := xbake(t, dir, "", "run", "--debug", "--progress", "quiet")
	if code != 0 || !strings.Contains(errOut, "level 0\n  t\n") {
		t.Errorf("run --debug: exit %d\n%s%s", code, out, errOut)
	}
}
