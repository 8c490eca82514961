package exec_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tmux runs the real xbake binary with args in dir inside a detached tmux
// session of 120x30, the size people's terminals have, and returns a
// function that captures the screen (and scrollback) so far. env are
// extra variables. The session ends with the test.
func tmux(t *testing.T, dir string, env []string, args string) func(joinWrapped bool) string {
	t.Helper()
	bin, _ := filepath.Abs("../../bin/xbake")
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is not installed in CI (scripts/test installs it)")
		}
		t.Skip("needs tmux")
	}
	session := fmt.Sprintf("xbake-tty-%d", time.Now().UnixNano())
	env = append(env, "XBAKE_STATE_DIR="+os.Getenv("XBAKE_STATE_DIR"), "XBAKE_BUILDKITD="+os.Getenv("XBAKE_BUILDKITD"))
	script := fmt.Sprintf("cd %s && %s %s %s; echo XBAKE-DONE; sleep 120", dir, strings.Join(env, " "), bin, args)
	if out, err := exec.Command("tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "30", script).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", session).Run() })
	return func(joinWrapped bool) string {
		args := []string{"capture-pane", "-p", "-t", session, "-S", "-2000"}
		if joinWrapped {
			args = append(args, "-J")
		}
		out, _ := exec.Command("tmux", args...).Output()
		return string(out)
	}
}

// waitScreen captures until the screen holds want or a minute passes.
func waitScreen(capture func(bool) string, want string) string {
	var screen string
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if screen = capture(false); strings.Contains(screen, want) {
			break
		}
	}
	return screen
}
