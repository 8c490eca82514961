// Package atomicfile writes a file so that a reader sees the old file or
// the whole new one, never a part: the content goes to a temporary file
// beside it (named .xbake-tmp-*, which build contexts leave out), and a
// rename puts it in place only once it was written completely.
package atomicfile

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
)

// Write creates or replaces path with what write writes; its directory
// must exist. On any error path is left as it was.
func Write(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".xbake-tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename: nothing
	w := bufio.NewWriter(tmp)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
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
