package builder

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xbake/xbake/internal/builder/desc"
)

// needBuildkitd points XBAKE_BUILDKITD at the daemon scripts/setup builds
// into bin/, and gives the test its own state directory. In CI a missing
// daemon is a failure, elsewhere the test is skipped.
func needBuildkitd(t *testing.T) {
	t.Helper()
	bin, _ := filepath.Abs("../../bin/buildkitd")
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("bin/buildkitd missing in CI: %v", err)
		}
		t.Skip("bin/buildkitd not built; run bash scripts/setup")
	}
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("the local builder needs root, and CI runs as root")
		}
		t.Skip("the local builder needs root")
	}
	t.Setenv("XBAKE_BUILDKITD", bin)
	// A short state path: unix socket paths are limited to 108 bytes.
	dir, err := os.MkdirTemp("/tmp", "xbk")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("XBAKE_STATE_DIR", dir)
	t.Cleanup(func() { os.RemoveAll(dir) })
}

func TestLocalStartsOnceAndIsReused(t *testing.T) {
	needBuildkitd(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	l := NewLocal("t", desc.Local{MaxParallelism: 2})
	t.Cleanup(func() { l.Stop() })
	// Two clients at once must share one daemon.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := l.Client(ctx)
			if err == nil {
				defer c.Close()
				_, err = c.ListWorkers(ctx)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	pid := l.pid()
	c, err := NewLocal("t", desc.Local{}).Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if l.pid() != pid {
		t.Errorf("a second client started another daemon (pid %d, then %d)", pid, l.pid())
	}
	toml, _ := os.ReadFile(filepath.Join(l.Dir(), "buildkitd.toml"))
	if !strings.Contains(string(toml), "max-parallelism = 2") {
		t.Errorf("config not written:\n%s", toml)
	}
	if err := l.Stop(); err != nil || l.Running() {
		t.Errorf("stop: %v, running %v", err, l.Running())
	}
}

func TestMissingBuildkitdSaysWhatToDo(t *testing.T) {
	t.Setenv("XBAKE_BUILDKITD", "")
	t.Setenv("PATH", t.TempDir())
	t.Setenv("XBAKE_STATE_DIR", t.TempDir())
	_, err := NewLocal("x", desc.Local{}).Client(context.Background())
	if err == nil || !strings.Contains(err.Error(), "go build -o bin/ github.com/moby/buildkit/cmd/buildkitd") {
		t.Errorf("got %v", err)
	}
}

func TestRemoteUnreachableNamesEverything(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := NewRemote("farm", "unix:///nonexistent/buildkitd.sock", nil).Client(ctx)
	if err == nil || !strings.Contains(err.Error(), `builder "farm"`) || !strings.Contains(err.Error(), "unix:///nonexistent/buildkitd.sock") {
		t.Errorf("got %v", err)
	}
}

// A pid file left by a daemon that is gone may name any process by now:
// stop must not signal it, and removes the stale pid file and socket.
func TestStopNeverSignalsAStranger(t *testing.T) {
	t.Setenv("XBAKE_STATE_DIR", t.TempDir())
	l := NewLocal("local", desc.Local{})
	os.MkdirAll(l.Dir(), 0o700)
	stranger := exec.Command("sleep", "30")
	if err := stranger.Start(); err != nil {
		t.Fatal(err)
	}
	defer stranger.Process.Kill()
	exited := make(chan error, 1)
	go func() { exited <- stranger.Wait() }()
	os.WriteFile(filepath.Join(l.Dir(), "buildkitd.pid"), []byte(strconv.Itoa(stranger.Process.Pid)), 0o600)
	os.WriteFile(l.socket(), nil, 0o600)

	if l.Running() {
		t.Error("Running() is true for a pid that is not a buildkitd")
	}
	if err := l.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		t.Fatalf("stop signalled the unrelated process (it exited: %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	for _, f := range []string{"buildkitd.pid", "buildkitd.sock"} {
		if _, err := os.Stat(filepath.Join(l.Dir(), f)); err == nil {
			t.Errorf("stale %s left after stop", f)
		}
	}
}

func TestIsDaemonOf(t *testing.T) {
	addr := "unix:///s/buildkitd.sock"
	for _, c := range []struct {
		cmdline string
		want    bool
	}{
		{"/x/bin/buildkitd\x00--root\x00/r\x00--addr\x00unix:///s/buildkitd.sock\x00", true},
		{"buildkitd\x00--addr=unix:///s/buildkitd.sock\x00", true},
		{"/x/bin/buildkitd\x00--addr\x00unix:///other.sock\x00", false},
		{"sleep\x0030\x00", false},
		{"/usr/bin/vim\x00--addr\x00unix:///s/buildkitd.sock\x00", false},
		{"", false},
	} {
		if got := isDaemonOf([]byte(c.cmdline), addr); got != c.want {
			t.Errorf("isDaemonOf(%q) = %v, want %v", c.cmdline, got, c.want)
		}
	}
}

// A builder that is slow to connect (here, a node that accepts the
// connection and never answers) holds up only its own targets: another
// builder's connection does not wait for it.
func TestSlowBuilderDoesNotBlockOthers(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close() // never answers
		}
	}()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close() // nothing listens here: refused at once
	c := NewClients(desc.Builders{
		"slow": {Name: "slow", Driver: "remote", Nodes: []desc.Node{{Name: "slow", Endpoint: "tcp://" + silent.Addr().String()}}},
		"gone": {Name: "gone", Driver: "remote", Nodes: []desc.Node{{Name: "gone", Endpoint: "tcp://" + closedAddr}}},
	})
	defer c.Close()
	go c.Nodes(context.Background(), "slow") // takes its 10 s ping timeout
	time.Sleep(100 * time.Millisecond)       // let it take the builder's entry first
	start := time.Now()
	if _, err := c.Nodes(context.Background(), "gone"); err == nil {
		t.Fatal("an unreachable builder connected")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("builder gone waited %s for builder slow", took)
	}
}

// scriptedBuildkitd writes a shell script named buildkitd that runs body,
// and points XBAKE_BUILDKITD at it.
func scriptedBuildkitd(t *testing.T, body string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "buildkitd")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XBAKE_BUILDKITD", path)
}

// A daemon that takes a while to exec (a cold page cache: its /proc
// cmdline is not yet buildkitd's) is waited for, not reported dead.
func TestSlowStartingDaemonIsWaitedFor(t *testing.T) {
	needBuildkitd(t)
	real := os.Getenv("XBAKE_BUILDKITD")
	scriptedBuildkitd(t, "sleep 2\nexec "+real+` "$@"`)
	l := NewLocal("slow", desc.Local{})
	t.Cleanup(func() { l.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := l.Client(ctx)
	if err != nil {
		t.Fatalf("a daemon slow to exec was taken for dead: %v", err)
	}
	c.Close()
}

// A daemon that exits at once is reported with the end of its log.
func TestDaemonExitingAtStartShowsItsLog(t *testing.T) {
	needBuildkitd(t)
	scriptedBuildkitd(t, "echo 'flag provided but not defined: -bogus' >&2\nexit 1")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := NewLocal("dead", desc.Local{}).Client(ctx)
	if err == nil || !strings.Contains(err.Error(), "exited at start") || !strings.Contains(err.Error(), "-bogus") {
		t.Fatalf("got %v, want the exit and the log's last lines", err)
	}
}
