package flock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestLockExcludes: a second open file of the same path cannot take the
// lock while the first holds it, and can once it is closed.
func TestLockExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	a, _ := os.Create(path)
	b, _ := os.Open(path)
	defer b.Close()
	if err := Lock(a); err != nil {
		t.Fatal(err)
	}
	if err := TryLock(b); !errors.Is(err, ErrLocked) {
		t.Fatalf("TryLock while held: %v, want ErrLocked", err)
	}
	a.Close()
	if err := TryLock(b); err != nil {
		t.Fatalf("TryLock after the holder closed: %v", err)
	}
	if err := Unlock(b); err != nil {
		t.Fatal(err)
	}
}
