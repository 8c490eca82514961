package builder

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
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
