package outputs

// The oci, docker and tar exporters: an archive file, renamed into place after the build.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/moby/buildkit/client"
)

// fileOutput is one archive on its way to dest.
type fileOutput struct {
	kind    string
	dest    string
	shown   string
	tmp     *temp
	w       *recordingWriter
	created []string // directories made for dest, removed again on failure
	backup  *temp    // the file dest held before, until finish
	placed  bool
}

// prepareFile writes a tarball (oci, docker, tar) to a temporary file
// beside dest, or to stdout for "-".
func (o *Set) prepareFile(req *Request, typ string, attrs map[string]string, dest string) error {
	stdout := req.Stdout
	if dest == "-" {
		if stdout == nil {
			stdout = os.Stdout
		}
		o.Exports = append(o.Exports, client.ExportEntry{Type: typ, Attrs: attrs,
			Output: func(map[string]string) (io.WriteCloser, error) { return nopCloser{stdout}, nil }})
		o.Described = append(o.Described, typ+" to stdout")
		return nil
	}
	shown := req.show(dest)
	dir := filepath.Dir(dest)
	created, err := mkdirAll(dir)
	if err != nil {
		return outputErr(typ, shown, err)
	}
	sweepStale(dir)
	tmp, err := newTempFile(dir, filepath.Base(dest))
	if err != nil {
		removeCreated(created)
		return outputErr(typ, shown, err)
	}
	f := &fileOutput{kind: typ, dest: dest, shown: shown, tmp: tmp, created: created}
	f.w = &recordingWriter{path: tmp.path}
	o.Exports = append(o.Exports, client.ExportEntry{Type: typ, Attrs: attrs,
		Output: func(map[string]string) (io.WriteCloser, error) {
			w, err := os.OpenFile(tmp.path, os.O_WRONLY|os.O_TRUNC, 0)
			if err != nil {
				return nil, err
			}
			f.w.setFile(w)
			return f.w, nil
		}})
	o.staged = append(o.staged, f)
	o.Described = append(o.Described, typ+" "+shown)
	return nil
}

// check refuses a dest that is a directory: renaming over it would fail
// after the other outputs moved.
func (f *fileOutput) check() error {
	if err := f.w.Close(); err != nil {
		return outputErr(f.kind, f.shown, err)
	}
	if fi, err := os.Lstat(f.dest); err == nil && fi.IsDir() {
		return fmt.Errorf("output %s %s: the destination is a directory; name a file, for example %s",
			f.kind, f.shown, filepath.Join(f.shown, "image.tar"))
	}
	return nil
}

// apply renames the archive over dest, keeping what dest held until
// finish so that undo can put it back.
func (f *fileOutput) apply() error {
	if err := os.Chmod(f.tmp.path, 0o644); err != nil { // CreateTemp made it 0600
		return outputErr(f.kind, f.shown, err)
	}
	if _, err := os.Lstat(f.dest); err == nil {
		b, err := newTempFile(filepath.Dir(f.dest), "old")
		if err != nil {
			return outputErr(f.kind, f.shown, err)
		}
		if err := os.Rename(f.dest, b.path); err != nil {
			b.release()
			return outputErr(f.kind, f.shown, err)
		}
		f.backup = b
	}
	if err := os.Rename(f.tmp.path, f.dest); err != nil {
		f.undo()
		return outputErr(f.kind, f.shown, err)
	}
	f.placed = true
	return nil
}

func (f *fileOutput) undo() {
	if f.placed {
		os.Rename(f.dest, f.tmp.path)
		f.placed = false
	}
	if f.backup != nil {
		os.Rename(f.backup.path, f.dest)
		f.backup.lock.Close()
		f.backup = nil
	}
}

func (f *fileOutput) finish() {
	if f.backup != nil {
		f.backup.release()
	}
	f.tmp.lock.Close()
}

func (f *fileOutput) discard() {
	f.w.Close()
	if f.backup != nil {
		f.backup.release()
	}
	f.tmp.release()
	removeCreated(f.created)
}

// recordingWriter is the file BuildKit streams an archive into. It keeps
// the first write error, so that a failed build can say which output
// failed and why (a full disk, above all).
type recordingWriter struct {
	path string
	mu   sync.Mutex // guards f and err
	f    *os.File
	err  error
}

func (w *recordingWriter) setFile(f *os.File) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.f = f
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	f := w.f
	w.mu.Unlock()
	n, err := f.Write(p)
	if err != nil {
		w.mu.Lock()
		if w.err == nil {
			w.err = err
		}
		w.mu.Unlock()
	}
	return n, err
}

// Close closes the file; it is safe to call more than once.
func (w *recordingWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	if errors.Is(err, fs.ErrClosed) {
		err = nil
	}
	if w.err == nil {
		w.err = err
	}
	return err
}

// writeErr is the first error met writing the archive.
func (w *recordingWriter) writeErr() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
