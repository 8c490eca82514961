package outputs

// The local exporter: a directory, merged into the destination after the
// build.
//
// The build writes into a temporary directory inside dest. Once every
// output of the target is ready, each of its entries is renamed into
// dest: a new name is added, a file of the same name is replaced, a
// directory present on both sides is merged. Nothing in dest that the
// build did not produce is ever removed, so dest may be ".", the spec's
// own directory, or any directory holding other files, as with bake.
// Every conflict (a file where dest has a directory, or the other way
// round) is found before anything moves, and the renames can be undone
// until the whole target is committed.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/moby/buildkit/client"
)

// dirOutput is one directory output on its way into dest.
type dirOutput struct {
	kind    string   // "local" or an exporter writing a directory
	dest    string   // absolute
	shown   string   // dest as the user should read it
	stage   *temp    // the build's result, inside dest
	created []string // directories made for dest, removed again on failure
	moves   []move   // planned by check
	done    int      // moves applied so far
	backup  *temp    // files of dest that the result replaced, until finish
}

// move is one entry of the result to rename into dest.
type move struct {
	rel     string // path below stage and dest
	replace bool   // dest has a file of this name, kept in backup until finish
}

// prepareDir points a directory exporter (local, or an OCI layout with
// tar=false) at a fresh temporary directory inside dest.
func (o *Set) prepareDir(req *Request, typ string, attrs map[string]string, dest string) error {
	created, err := mkdirAll(dest)
	if err != nil {
		return outputErr(typ, req.show(dest), err)
	}
	sweepStale(dest)
	stage, err := newTempDir(dest, "out")
	if err != nil {
		removeCreated(created)
		return outputErr(typ, req.show(dest), err)
	}
	d := &dirOutput{kind: typ, dest: dest, shown: req.show(dest), stage: stage, created: created}
	o.Exports = append(o.Exports, client.ExportEntry{Type: typ, Attrs: attrs, OutputDir: stage.path})
	o.staged = append(o.staged, d)
	o.Described = append(o.Described, typ+" "+d.shown)
	return nil
}

// check plans the moves and finds every conflict before anything moves.
func (d *dirOutput) check() error {
	d.moves = nil
	return d.plan("")
}

func (d *dirOutput) plan(rel string) error {
	entries, err := os.ReadDir(filepath.Join(d.stage.path, rel))
	if err != nil {
		return outputErr(d.kind, d.shown, err)
	}
	for _, e := range entries {
		r := filepath.Join(rel, e.Name())
		have, err := os.Lstat(filepath.Join(d.dest, r))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			d.moves = append(d.moves, move{rel: r})
		case err != nil:
			return outputErr(d.kind, d.shown, err)
		case e.IsDir() && have.IsDir():
			if err := d.plan(r); err != nil {
				return err
			}
		case e.IsDir():
			return fmt.Errorf("output %s %s: the build made a directory %s, but the destination holds a %s there; move it away or choose another dest",
				d.kind, d.shown, r, kindOf(have))
		case have.IsDir():
			return fmt.Errorf("output %s %s: the build made a file %s, but the destination holds a directory there; move it away or choose another dest",
				d.kind, d.shown, r)
		default:
			d.moves = append(d.moves, move{rel: r, replace: true})
		}
	}
	return nil
}

func kindOf(fi fs.FileInfo) string {
	if fi.Mode()&fs.ModeSymlink != 0 {
		return "symbolic link"
	}
	return "file"
}

// apply renames the planned entries into dest. On error, what it moved
// is moved back before it returns.
func (d *dirOutput) apply() error {
	for i, m := range d.moves {
		if err := d.applyOne(i, m); err != nil {
			d.undo()
			return outputErr(d.kind, d.shown, err)
		}
		d.done = i + 1
	}
	return nil
}

func (d *dirOutput) applyOne(i int, m move) error {
	to := filepath.Join(d.dest, m.rel)
	if m.replace {
		if d.backup == nil {
			b, err := newTempDir(d.dest, "old")
			if err != nil {
				return err
			}
			d.backup = b
		}
		if err := os.Rename(to, d.backupPath(i)); err != nil {
			return err
		}
	}
	if err := os.Rename(filepath.Join(d.stage.path, m.rel), to); err != nil {
		if m.replace {
			os.Rename(d.backupPath(i), to)
		}
		return err
	}
	return nil
}

func (d *dirOutput) backupPath(i int) string {
	return filepath.Join(d.backup.path, strconv.Itoa(i))
}

// undo moves every applied entry back into stage and restores what it
// replaced.
func (d *dirOutput) undo() {
	for i := d.done - 1; i >= 0; i-- {
		m := d.moves[i]
		to := filepath.Join(d.dest, m.rel)
		os.Rename(to, filepath.Join(d.stage.path, m.rel))
		if m.replace {
			os.Rename(d.backupPath(i), to)
		}
	}
	d.done = 0
}

// finish drops the replaced files and the emptied temporary.
func (d *dirOutput) finish() {
	if d.backup != nil {
		d.backup.release()
	}
	d.stage.release()
}

// discard removes the temporary and the directories made for dest.
func (d *dirOutput) discard() {
	if d.backup != nil {
		d.backup.release()
	}
	d.stage.release()
	removeCreated(d.created)
}
