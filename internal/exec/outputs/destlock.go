package outputs

// Two xbake runs at once may write the same destination (two CI jobs on
// one runner, a developer's run beside a watcher's, two users, two state
// directories, two containers sharing a workspace). Each run moves its
// outputs into place file by file; interleaved, they would trip over
// each other's renames and leave a mix. So a target holds a lock on each
// of its destinations while its outputs move into place: a run that
// finds one held says whose it is, waits, then writes.
//
// The lock belongs to the destination, not to a run's state: it is a
// file beside the destination (DIR/.xbake-tmp-lock-NAME, which build
// contexts leave out), so every run that can write the destination
// finds it, whatever its user or state directory. The holder removes it
// when done; a run that waited on a lock file removed meanwhile sees
// that its file is no longer the one at the path and locks again.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"

	"github.com/xbake/xbake/internal/builder"
	"github.com/xbake/xbake/internal/flock"
	"github.com/xbake/xbake/internal/plan"
)

// lockPrefix starts the name of a destination's lock file.
const lockPrefix = TempPrefix + "lock-"

// destLock is one held destination lock.
type destLock struct {
	path    string
	f       *os.File
	created []string // directories made to hold the lock file
}

// LockDestinations takes the lock of each destination, in sorted order
// (so two runs with several in common never wait for each other in a
// circle), calling waiting with the holder's description before it
// waits for one. The returned function releases them all.
func LockDestinations(dests []string, waiting func(holder string)) (func(), error) {
	dests = slices.Compact(slices.Sorted(slices.Values(dests)))
	var held []*destLock
	release := func() {
		for i := len(held) - 1; i >= 0; i-- {
			held[i].release()
		}
	}
	for _, dest := range dests {
		l, err := lockDestination(dest, waiting)
		if err != nil {
			release()
			return nil, fmt.Errorf("output lock of %s: %w", dest, err)
		}
		held = append(held, l)
	}
	return release, nil
}

// LockPath is the lock file of a destination: beside it, in its real
// directory (so that two paths to it through links share one lock).
func LockPath(dest string) string {
	dir, name := filepath.Split(filepath.Clean(dest))
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	return filepath.Join(dir, lockPrefix+name)
}

func lockDestination(dest string, waiting func(holder string)) (*destLock, error) {
	path := LockPath(dest)
	var created []string
	for {
		// Again each time: the holder we waited for may have removed the
		// directory it made for the lock.
		made, err := mkdirAll(filepath.Dir(path))
		if err != nil {
			removeCreated(created)
			return nil, err
		}
		// Ancestors of one directory: by length is outermost first.
		created = slices.Compact(slices.SortedFunc(slices.Values(append(created, made...)), func(a, b string) int { return len(a) - len(b) }))
		f, err := openLockFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // the holder removed the directory it made, between our mkdir and open
		}
		if err != nil {
			removeCreated(created)
			return nil, err
		}
		if flock.TryLock(f) != nil {
			holder, _ := os.ReadFile(path)
			waiting(strings.TrimSpace(string(holder)))
			if err := flock.Lock(f); err != nil {
				f.Close()
				removeCreated(created)
				return nil, err
			}
		}
		if !samePath(f, path) {
			f.Close() // its holder removed it when done: lock the new one
			continue
		}
		f.Truncate(0)
		f.WriteAt([]byte(holderText(dest)), 0)
		return &destLock{path: path, f: f, created: created}, nil
	}
}

// openLockFile opens (creating) a lock file; one that another user made
// and this one cannot write is still locked through a read-only handle.
func openLockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil && os.IsPermission(err) {
		return os.Open(path)
	}
	return f, err
}

// samePath reports whether the open file is still the one at path.
func samePath(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}

// holderText says who holds a lock, for the run that waits.
func holderText(dest string) string {
	who := ""
	if u, err := user.Current(); err == nil {
		who = ", user " + u.Username
	}
	return fmt.Sprintf("xbake run (pid %d%s, state %s) writing %s\n", os.Getpid(), who, builder.StateDir(), dest)
}

// release removes the lock file while still holding it, then lets go:
// a run waiting on it finds the path gone or new and locks again.
func (l *destLock) release() {
	os.Remove(l.path)
	l.f.Close()
	removeCreated(l.created)
}

// FileDestinations are the destinations on this machine a node writes.
func FileDestinations(n *plan.Node) []string {
	var out []string
	for _, o := range n.Outputs {
		if o.WritesFile() {
			out = append(out, o.Dest)
		}
	}
	return out
}
