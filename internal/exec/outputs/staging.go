package outputs

// Temporaries of file and directory outputs. Every output is written
// first under a name that starts with TempPrefix, in the directory it
// will end up in (so that moving it into place is a rename on one file
// system). The run holds an flock on each temporary while it lives; a
// temporary that nobody holds was left by a run that died (kill -9, a
// power cut) and is removed by the next run that writes there.

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xbake/xbake/internal/flock"
)

// TempPrefix starts the name of every temporary an output makes. Local
// contexts never send such names to BuildKit (see contextFS), so a
// temporary inside a context cannot leak into a build.
const TempPrefix = ".xbake-tmp-"

// temp is one temporary file or directory, locked by this process.
type temp struct {
	path string
	lock *os.File // holds the flock; for a file output, the file itself
}

// A temporary is made under a "being made" name (newPrefix), locked,
// and only then renamed to its temporary name: made under its final
// name, it would be unlocked for a moment, and a sweep by another target
// or run writing to the same directory could take it for a dead run's
// and remove it. The flock follows the inode through the rename.

// newPrefix starts the name of a temporary not yet locked; sweeps leave
// such names alone unless they are older than a run could take to lock
// one (staleNew), which only a run killed at that very moment leaves.
const newPrefix = TempPrefix + "new-"

const staleNew = 10 * time.Minute

// newTempDir makes a locked temporary directory in dir.
func newTempDir(dir, name string) (*temp, error) {
	made, err := os.MkdirTemp(dir, newPrefix+name+"-")
	if err != nil {
		return nil, err
	}
	f, err := lockPath(made)
	if err != nil {
		os.RemoveAll(made)
		return nil, err
	}
	return publishTemp(made, f, os.RemoveAll)
}

// newTempFile makes a locked temporary file in dir.
func newTempFile(dir, name string) (*temp, error) {
	f, err := createLocked(dir, newPrefix+name+"-")
	if err != nil {
		return nil, err
	}
	return publishTemp(f.Name(), f, os.Remove)
}

// createLocked creates a file as os.CreateTemp does and takes its flock;
// on failure nothing is left behind.
func createLocked(dir, pattern string) (*os.File, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	if err := flock.TryLock(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return f, nil
}

// publishTemp renames a locked temporary from its "being made" name to
// its temporary name.
func publishTemp(made string, lock *os.File, remove func(string) error) (*temp, error) {
	path := filepath.Join(filepath.Dir(made), TempPrefix+strings.TrimPrefix(filepath.Base(made), newPrefix))
	if err := os.Rename(made, path); err != nil {
		lock.Close()
		remove(made)
		return nil, err
	}
	return &temp{path: path, lock: lock}, nil
}

// release removes the temporary (whatever is still in it) and drops the lock.
func (t *temp) release() {
	os.RemoveAll(t.path)
	t.lock.Close()
}

// lockPath opens path (a file or a directory) and takes an exclusive
// flock on it without waiting.
func lockPath(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if err := flock.TryLock(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// sweepStale removes the temporaries in dir that no live run holds.
// Only names with TempPrefix are looked at; nothing else is touched.
func sweepStale(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), TempPrefix) {
			continue
		}
		if strings.HasPrefix(e.Name(), newPrefix) {
			if info, err := e.Info(); err != nil || time.Since(info.ModTime()) < staleNew {
				continue // being made and locked by a live run, most likely
			}
		}
		path := filepath.Join(dir, e.Name())
		f, err := lockPath(path)
		if err != nil {
			continue // held by a live run, or gone
		}
		os.RemoveAll(path)
		f.Close()
	}
}

// mkdirAll is os.MkdirAll that returns the directories it created,
// outermost first, so that a failed run can remove exactly those.
func mkdirAll(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || !errors.Is(err, os.ErrNotExist) {
			break
		}
		missing = append([]string{d}, missing...)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return missing, nil
}

// removeCreated removes directories mkdirAll created, innermost first,
// as long as they are empty: what someone else put there stays.
func removeCreated(dirs []string) {
	for i := len(dirs) - 1; i >= 0; i-- {
		if os.Remove(dirs[i]) != nil {
			return
		}
	}
}
