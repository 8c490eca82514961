package outputs

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The lock is the destination's: runs with different state directories
// (two users, two CI jobs) exclude each other, and the lock file is gone
// once released.
func TestDestinationLockIsSharedAcrossStateDirs(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "out", "site")
	t.Setenv("XBAKE_STATE_DIR", t.TempDir())
	release, err := LockDestinations([]string{dest}, func(string) { t.Error("the first run waited") })
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("XBAKE_STATE_DIR", t.TempDir())
	var holder atomic.Value
	got := make(chan func())
	go func() {
		r, err := LockDestinations([]string{dest}, func(h string) { holder.Store(h) })
		if err != nil {
			t.Error(err)
		}
		got <- r
	}()
	select {
	case <-got:
		t.Fatal("a run with another state directory took the lock the first run holds")
	case <-time.After(300 * time.Millisecond):
	}
	release()
	second := <-got
	if h, _ := holder.Load().(string); !strings.Contains(h, "writing "+dest) {
		t.Errorf("the waiting run was told %q, want the holder and the destination", h)
	}
	second()
	entries, _ := os.ReadDir(filepath.Dir(filepath.Dir(dest)))
	if len(entries) != 0 {
		t.Errorf("left after both released: %v (the lock file and the directory made for it must go)", entries)
	}
}

// Holders remove the lock file when they let go; a waiter that locked
// the removed file must not think it holds the lock. Many lockers at
// once: never two inside.
func TestDestinationLockExcludesWhileFilesComeAndGo(t *testing.T) {
	// In a directory that exists, and in one each holder makes and
	// removes again (the lock file is its only content).
	for _, dest := range []string{filepath.Join(t.TempDir(), "out.tar"), filepath.Join(t.TempDir(), "made", "out.tar")} {
		lockersTakeTurns(t, dest)
	}
}

func lockersTakeTurns(t *testing.T, dest string) {
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				release, err := LockDestinations([]string{dest}, func(string) {})
				if err != nil {
					t.Error(err)
					return
				}
				n := inside.Add(1)
				if n > most.Load() {
					most.Store(n)
				}
				time.Sleep(50 * time.Microsecond)
				inside.Add(-1)
				release()
			}
		})
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Fatalf("%d lockers held the destination at once", most.Load())
	}
	if _, err := os.Stat(LockPath(dest)); !os.IsNotExist(err) {
		t.Errorf("the lock file is left: %v", err)
	}
}

// A lock reached through a linked directory is the same lock.
func TestDestinationLockThroughALink(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "real"), 0o755)
	os.Symlink("real", filepath.Join(dir, "link"))
	if LockPath(filepath.Join(dir, "real", "o")) != LockPath(filepath.Join(dir, "link", "o")) {
		t.Errorf("two paths to one destination have two locks: %s, %s", LockPath(filepath.Join(dir, "real", "o")), LockPath(filepath.Join(dir, "link", "o")))
	}
}
