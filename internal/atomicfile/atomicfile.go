// Package atomicfile writes a file so that a reader sees the old file or
// the whole new one, never a part: the content goes to a temporary file
// beside it, is synced, and a rename puts it in place only once it was
// written completely.
//
// The file is the user's: a path that is a symbolic link is written
// through (the link's target is replaced, the link stays), and a file
// that exists keeps its mode and owner. The temporary is named
// .xbake-tmp-new-w-* (build contexts leave .xbake-tmp-* out) and holds an
// flock while it lives, so that no other run's sweep of the directory
// takes it for a dead run's leftover (see internal/exec/outputs/staging.go).
package atomicfile

import (
	"bufio"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// tempPrefix starts a temporary's name. It begins with the outputs'
// "being made" prefix, which a sweep leaves alone while it is young and
// afterwards only takes when nobody holds its flock.
const tempPrefix = ".xbake-tmp-new-w-"

// Write creates or replaces path with what write writes; its directory
// must exist. On any error path is left as it was. A new file gets mode
// 0644; an existing one keeps its mode and owner, and a symbolic link
// keeps pointing where it did while its target gets the new content.
func Write(path string, write func(io.Writer) error) error {
	target, err := resolve(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), tempPrefix+filepath.Base(target)+"-*")
	if err != nil {
		return err
	}
	defer tmp.Close()
	defer os.Remove(tmp.Name()) // after a successful rename: nothing
	lockFile(tmp)
	w := bufio.NewWriter(tmp)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = keepAttributes(tmp, target)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return err
	}
	syncDir(filepath.Dir(target))
	return nil
}

// resolve follows path's symbolic links to the file to replace. A link
// whose target does not exist yet resolves to that target, so that the
// new file is made where the link points.
func resolve(path string) (string, error) {
	for range 40 { // as many links as the kernel follows
		info, err := os.Lstat(path)
		if err != nil || info.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		path = dest
	}
	return "", &fs.PathError{Op: "write", Path: path, Err: errTooManyLinks}
}

// keepAttributes gives the temporary the mode and owner of the file it
// replaces, or mode 0644 when there is none.
func keepAttributes(tmp *os.File, target string) error {
	info, err := os.Stat(target)
	if err != nil {
		return tmp.Chmod(0o644)
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		return err
	}
	return chownLike(tmp, info)
}

// WriteJSON writes v as indented JSON with a final newline, creating the
// directory first (a state directory, a metadata file's new folder).
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}
