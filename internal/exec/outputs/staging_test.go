package outputs

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/xbake/xbake/internal/atomicfile"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}

// stagedDir makes a dirOutput into dest whose build result holds files.
func stagedDir(t *testing.T, dest string, files map[string]string) *dirOutput {
	t.Helper()
	created, err := mkdirAll(dest)
	if err != nil {
		t.Fatal(err)
	}
	stage, err := newTempDir(dest, "out")
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		write(t, filepath.Join(stage.path, name), content)
	}
	return &dirOutput{kind: "local", dest: dest, shown: dest, stage: stage, created: created}
}

func TestDirOutputMergesAndKeepsOtherFiles(t *testing.T) {
	dest := t.TempDir()
	write(t, filepath.Join(dest, "mine.txt"), "mine")
	write(t, filepath.Join(dest, "app"), "old app")
	write(t, filepath.Join(dest, "lib/other.so"), "mine too")
	o := &Set{staged: []stagedOutput{stagedDir(t, dest, map[string]string{"app": "new app", "lib/x.so": "x", "doc/a.md": "a"})}}
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"mine.txt": "mine", "app": "new app", "lib/other.so": "mine too", "lib/x.so": "x", "doc/a.md": "a"}
	for name, content := range want {
		if got := read(filepath.Join(dest, name)); got != content {
			t.Errorf("%s = %q, want %q", name, got, content)
		}
	}
	entries, _ := os.ReadDir(dest)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), TempPrefix) {
			t.Errorf("temporary left: %s", e.Name())
		}
	}
}

// failing is an output whose apply fails, as a full disk or a vanished
// directory would make it.
type failing struct{ discarded bool }

func (f *failing) check() error { return nil }
func (f *failing) apply() error { return errors.New("apply failed") }
func (f *failing) undo()        {}
func (f *failing) finish()      {}
func (f *failing) discard()     { f.discarded = true }

// When one output of a target fails to move, the outputs already moved
// are taken back: the user's files are as before, nothing new appears.
func TestCommitIsAllOrNothing(t *testing.T) {
	dest := t.TempDir()
	write(t, filepath.Join(dest, "app"), "old app")
	write(t, filepath.Join(dest, "x.tar"), "old tar")
	dir := stagedDir(t, dest, map[string]string{"app": "new app", "new.txt": "new"})
	tmp, err := newTempFile(dest, "x.tar")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(tmp.path, []byte("new tar"), 0o600)
	file := &fileOutput{kind: "oci", dest: filepath.Join(dest, "x.tar"), shown: "x.tar", tmp: tmp, w: &recordingWriter{path: tmp.path}}
	o := &Set{staged: []stagedOutput{dir, file, &failing{}}}
	if err := o.Commit(); err == nil || err.Error() != "apply failed" {
		t.Fatalf("commit: %v, want the failing output's error", err)
	}
	if got := read(filepath.Join(dest, "app")); got != "old app" {
		t.Errorf("app = %q after the failed commit, want the old one back", got)
	}
	if got := read(filepath.Join(dest, "x.tar")); got != "old tar" {
		t.Errorf("x.tar = %q after the failed commit, want the old one back", got)
	}
	if _, err := os.Stat(filepath.Join(dest, "new.txt")); err == nil {
		t.Error("new.txt appeared although the target failed")
	}
	o.Cleanup()
	entries, _ := os.ReadDir(dest)
	if len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("dest holds %v after cleanup, want only app and x.tar", names)
	}
}

// A conflict is found before anything moves.
func TestDirOutputConflict(t *testing.T) {
	dest := t.TempDir()
	write(t, filepath.Join(dest, "bin"), "a file")
	d := stagedDir(t, dest, map[string]string{"a.txt": "a", "bin/app": "app"})
	o := &Set{staged: []stagedOutput{d}}
	err := o.Commit()
	if err == nil || !strings.Contains(err.Error(), "the build made a directory bin, but the destination holds a file there") {
		t.Fatalf("commit: %v, want a conflict on bin", err)
	}
	if _, err := os.Stat(filepath.Join(dest, "a.txt")); err == nil {
		t.Error("a.txt was moved although the output had a conflict")
	}
}

// A failed build removes the directories it created for dest, and only
// those.
func TestDiscardRemovesOnlyWhatItCreated(t *testing.T) {
	root := t.TempDir()
	d := stagedDir(t, filepath.Join(root, "a/b/c"), map[string]string{"x": "x"})
	write(t, filepath.Join(root, "a/keep"), "someone else's")
	d.discard()
	if _, err := os.Stat(filepath.Join(root, "a/b")); err == nil {
		t.Error("a/b was created for the output and is still there")
	}
	if got := read(filepath.Join(root, "a/keep")); got != "someone else's" {
		t.Errorf("a/keep = %q", got)
	}
}

// Temporaries of a run that died are swept by the next; those of a live
// run and everything else stay.
func TestSweepStale(t *testing.T) {
	dir := t.TempDir()
	dead := filepath.Join(dir, TempPrefix+"out-123")
	write(t, filepath.Join(dead, "half"), "half written")
	write(t, filepath.Join(dir, TempPrefix+"app.tar-456"), "half written")
	write(t, filepath.Join(dir, "user.txt"), "mine")
	live, err := newTempDir(dir, "out")
	if err != nil {
		t.Fatal(err)
	}
	defer live.release()

	sweepStale(dir)

	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 || names[1] != "user.txt" || names[0] != filepath.Base(live.path) {
		t.Errorf("after the sweep: %v, want the live temporary and user.txt", names)
	}
}

func TestOutputErrSaysTheDiskIsFull(t *testing.T) {
	err := outputErr("oci", "out/x.tar", &os.PathError{Op: "write", Path: "out/.xbake-tmp-x", Err: syscall.ENOSPC})
	if !strings.Contains(err.Error(), "output oci out/x.tar: the disk is full") {
		t.Errorf("got %q", err)
	}
}

// TestSweepNeverTakesATemporaryBeingMade: targets and runs that write
// into one directory sweep it while others make their temporaries
// there; a temporary must never vanish under the run that made it
// (bench/soak.sh found that: a file made, then swept before its lock).
func TestSweepNeverTakesATemporaryBeingMade(t *testing.T) {
	dir := t.TempDir()
	stop := make(chan struct{})
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		for {
			select {
			case <-stop:
				return
			default:
				sweepStale(dir)
			}
		}
	}()
	var wg sync.WaitGroup
	var lost atomic.Int32
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				newTemp := newTempFile
				if i%2 == 1 {
					newTemp = newTempDir
				}
				tmp, err := newTemp(dir, "x")
				if err != nil {
					lost.Add(1)
					continue
				}
				if _, err := os.Stat(tmp.path); err != nil {
					lost.Add(1)
				}
				tmp.release()
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-swept
	if n := lost.Load(); n > 0 {
		t.Errorf("%d of 800 temporaries vanished or failed to be made under a concurrent sweep", n)
	}
}

// A metadata file, report or fmt result being written by another run
// into a directory an output sweeps is that run's, not a dead run's.
func TestSweepNeverTakesAnAtomicWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "metadata.json")
	err := atomicfile.Write(path, func(w io.Writer) error {
		sweepStale(dir)
		_, err := io.WriteString(w, "{}")
		return err
	})
	if err != nil {
		t.Fatalf("the write lost its temporary to a sweep: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "{}" {
		t.Errorf("metadata.json holds %q", b)
	}
}
