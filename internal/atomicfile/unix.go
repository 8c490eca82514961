//go:build unix

package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

var errTooManyLinks = syscall.ELOOP

// lockFile takes the temporary's flock; without it the write still
// works, only a sweep could take the temporary.
func lockFile(f *os.File) {
	syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

// chownLike gives f the owner and group of the file described by info.
// Only root may give a file away; anyone else writes a file they own,
// and a group they cannot give it is no reason to fail.
func chownLike(f *os.File, info fs.FileInfo) error {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	err := f.Chown(int(st.Uid), int(st.Gid))
	if err != nil && errors.Is(err, fs.ErrPermission) {
		return nil
	}
	return err
}

// syncDir makes the rename durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
