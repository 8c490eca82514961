// Package flock takes advisory whole-file locks the same way on every
// system xbake builds for: flock(2) on Unix, LockFileEx on Windows. A
// lock is held by the open file and released when it is closed (or the
// process ends), which is what xbake's locks rely on: a crashed holder
// never leaves a lock behind.
package flock

import (
	"errors"
	"os"
)

// ErrLocked is TryLock's error when another open file holds the lock.
var ErrLocked = errors.New("locked by another process")

// Lock waits for the exclusive lock on f.
func Lock(f *os.File) error { return lock(f, true) }

// TryLock takes the exclusive lock on f if it is free, else returns
// ErrLocked.
func TryLock(f *os.File) error { return lock(f, false) }

// Unlock releases the lock on f.
func Unlock(f *os.File) error { return unlock(f) }
