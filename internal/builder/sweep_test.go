//go:build linux

package builder

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xbake/xbake/internal/testenv"
)

// TestSweepUnmountsWhatADeadDaemonMounted: a killed daemon leaves mounts
// under its root (a step's root file system) and elsewhere of something
// under its root (BuildKit's /tmp/buildkit-mountNNN of a snapshot); the
// sweep unmounts both and nothing else.
func TestSweepUnmountsWhatADeadDaemonMounted(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("mounting needs root, and CI runs as root")
		}
		t.Skip("mounting needs root")
	}
	state := t.TempDir()
	l := &Local{dir: state}
	snap := filepath.Join(state, "root", "snapshots", "1", "fs")
	inside := filepath.Join(state, "root", "executor", "x", "rootfs")
	other := t.TempDir() // a mount that is none of the builder's
	for _, d := range []string{snap, inside} {
		os.MkdirAll(d, 0o755)
	}
	outside, err := os.MkdirTemp("", "buildkit-mount")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(outside)
	mount := func(src, dst string) {
		t.Helper()
		if err := syscall.Mount(src, dst, "", syscall.MS_BIND, ""); err != nil {
			t.Fatalf("mount %s: %v", dst, err)
		}
	}
	mount(snap, inside)
	mount(snap, outside)
	keep := filepath.Join(other, "m")
	os.Mkdir(keep, 0o755)
	mount(other, keep)
	defer syscall.Unmount(keep, syscall.MNT_DETACH)

	l.sweep()
	mounted := func(p string) bool {
		b, _ := os.ReadFile("/proc/self/mountinfo")
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) > 4 && f[4] == p {
				return true
			}
		}
		return false
	}
	if mounted(inside) || mounted(outside) {
		t.Errorf("still mounted: under the root %v, elsewhere %v", mounted(inside), mounted(outside))
	}
	if _, err := os.Stat(outside); !os.IsNotExist(err) {
		t.Errorf("BuildKit's empty temporary mount point is left: %v", err)
	}
	if !mounted(keep) {
		t.Error("the sweep unmounted a mount that is not the builder's")
	}
}

// TestSweepTouchesOnlyTheBuildersOwn: what merely names the builder's
// root is not its own. A process with a path under the root on its
// command line (tail -f, an editor, du) lives on, and a bind mount from
// another file system whose inner path equals the root's absolute path
// stays; a process chrooted under the root (a dead daemon's step) is
// killed.
func TestSweepTouchesOnlyTheBuildersOwn(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("mounting needs root, and CI runs as root")
		}
		t.Skip("mounting needs root")
	}
	busybox, _ := filepath.Abs("../../bin/busybox-amd64")
	if _, err := os.Stat(busybox); err != nil {
		t.Fatalf("bin/busybox-amd64 (bash scripts/setup): %v", err)
	}
	state := t.TempDir()
	l := &Local{dir: state}
	root := filepath.Join(state, "root")
	notes := filepath.Join(root, "notes.txt")
	os.MkdirAll(root, 0o755)
	os.WriteFile(notes, []byte("x\n"), 0o644)

	// A bystander whose command line names a file under the root.
	tail := exec.Command("tail", "-f", notes)
	if err := tail.Start(); err != nil {
		t.Fatal(err)
	}
	tailDone := make(chan struct{})
	go func() { tail.Wait(); close(tailDone) }()
	t.Cleanup(func() { tail.Process.Kill(); <-tailDone })

	// A step of a dead daemon: a process whose root is under the root.
	rootfs := filepath.Join(root, "runc-overlayfs", "executor", "x", "rootfs")
	os.MkdirAll(rootfs, 0o755)
	testenv.CopyFile(t, busybox, filepath.Join(rootfs, "busybox"))
	step := exec.Command("chroot", rootfs, "/busybox", "sleep", "300")
	if err := step.Start(); err != nil {
		t.Fatal(err)
	}
	stepDone := make(chan error, 1)
	go func() { stepDone <- step.Wait() }()
	t.Cleanup(func() { step.Process.Kill() })

	// A tmpfs holding a directory at an absolute path under the root,
	// bind mounted elsewhere: mountinfo's inner path names a directory
	// under the root, but of another file system.
	tmpfs := t.TempDir()
	if err := syscall.Mount("tmpfs", tmpfs, "tmpfs", 0, "size=1m"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Unmount(tmpfs, syscall.MNT_DETACH) })
	inner := filepath.Join(tmpfs, root, "snapshots")
	os.MkdirAll(inner, 0o755)
	keep := t.TempDir()
	if err := syscall.Mount(inner, keep, "", syscall.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Unmount(keep, syscall.MNT_DETACH) })
	time.Sleep(100 * time.Millisecond) // chroot has exec'd busybox

	l.sweep()

	select {
	case <-tailDone:
		t.Error("the sweep killed a process whose command line names a file under the root")
	default:
	}
	if !mountedAt(keep) {
		t.Error("the sweep unmounted a bind mount of another file system whose inner path lies under the root")
	}
	if !mountedAt(tmpfs) {
		t.Error("the sweep unmounted the tmpfs")
	}
	select {
	case <-stepDone:
	case <-time.After(5 * time.Second):
		t.Error("a process chrooted under the root (a dead daemon's step) was not killed")
	}
}

func mountedAt(p string) bool {
	b, _ := os.ReadFile("/proc/self/mountinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == p {
			return true
		}
	}
	return false
}
