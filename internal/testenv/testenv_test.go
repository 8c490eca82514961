//go:build linux

package testenv

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEngineLeavesNoMount: a test's Docker engine, once its test ends,
// is gone with everything it mounted (its exec/netns/default too).
func TestEngineLeavesNoMount(t *testing.T) {
	var dir string
	var pid int
	t.Run("engine", func(t *testing.T) {
		sock := Dockerd(t)
		dir = filepath.Dir(sock)
		b, _ := os.ReadFile(filepath.Join(dir, "pid"))
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	})
	if dir == "" {
		t.Fatal("no engine started")
	}
	b, _ := os.ReadFile("/proc/self/mountinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], dir+"/") {
			t.Errorf("still mounted after the engine's test: %s", f[4])
		}
	}
	if pid > 0 && syscall.Kill(pid, 0) == nil {
		t.Errorf("the engine (pid %d) runs on after its test", pid)
	}
}

// TestDaemonDiesWithItsTest: a daemon started by a test binary that is
// killed (a go test timeout, kill -9) does not run on.
func TestDaemonDiesWithItsTest(t *testing.T) {
	if os.Getenv("TESTENV_CHILD") == "1" {
		dir, _ := os.MkdirTemp("", "testenv-child")
		cmd := exec.Command("sleep", "300")
		StartInBackground(t, cmd, dir, nil)
		fmt.Printf("daemon %d\n", cmd.Process.Pid)
		time.Sleep(5 * time.Minute) // killed before
		return
	}
	child := exec.Command(os.Args[0], "-test.run", "^TestDaemonDiesWithItsTest$", "-test.v")
	child.Env = append(os.Environ(), "TESTENV_CHILD=1")
	out, _ := child.StdoutPipe()
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	pid := 0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if n, err := fmt.Sscanf(sc.Text(), "daemon %d", &pid); n == 1 && err == nil {
			break
		}
	}
	if pid == 0 {
		child.Process.Kill()
		child.Wait()
		t.Fatal("the child test started no daemon")
	}
	child.Process.Kill()
	child.Wait()
	for i := 0; i < 50 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if syscall.Kill(pid, 0) == nil {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("the daemon (pid %d) of a killed test binary runs on", pid)
	}
}
