//go:build unix

package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestFailedWriteLeavesTheOldFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "meta.json")
	if err := WriteJSON(path, map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "{half")
		return errors.New("disk full")
	})
	if err == nil {
		t.Fatal("the writer's error was lost")
	}
	got, _ := os.ReadFile(path)
	if string(got) != "{\n  \"a\": 1\n}\n" {
		t.Fatalf("file after a failed write = %q, want the old content", got)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporaries left behind: %v", entries)
	}
}

func writeString(path, s string) error {
	return Write(path, func(w io.Writer) error { _, err := io.WriteString(w, s); return err })
}

// A spec reached through a symbolic link (xbuild.hcl -> real.hcl) is
// formatted in place: the link stays a link, its target gets the content
// and keeps its mode (a 0600 file with secrets stays 0600).
func TestWriteThroughASymlinkKeepsLinkAndMode(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.hcl")
	if err := os.WriteFile(real, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "xbuild.hcl")
	if err := os.Symlink("real.hcl", link); err != nil {
		t.Fatal(err)
	}
	if err := writeString(link, "new"); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", info.Mode(), err)
	}
	if got, _ := os.ReadFile(real); string(got) != "new" {
		t.Fatalf("the link's target holds %q, want the new content", got)
	}
	info, _ := os.Stat(real)
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("mode after the write = %v, want 0600", info.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("files in the directory: %v, want the link and its target", entries)
	}
}

// A link to a file that does not exist yet makes the file where it points.
func TestWriteThroughADanglingLink(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "meta.json")
	if err := os.Symlink(filepath.Join(dir, "out.json"), link); err != nil {
		t.Fatal(err)
	}
	if err := writeString(link, "{}"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "out.json")); string(got) != "{}" {
		t.Fatalf("target holds %q", got)
	}
	if info, _ := os.Stat(filepath.Join(dir, "out.json")); info.Mode().Perm() != 0o644 {
		t.Fatalf("a new file's mode = %v, want 0644", info.Mode().Perm())
	}
}

// Root rewriting another user's file leaves it theirs.
func TestWriteKeepsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("this test needs root (chown) and CI=true")
		}
		t.Skip("needs root")
	}
	path := filepath.Join(t.TempDir(), "spec.hcl")
	if err := os.WriteFile(path, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 4242, 4243); err != nil {
		t.Fatal(err)
	}
	if err := writeString(path, "new"); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	st := info.Sys().(*syscall.Stat_t)
	if st.Uid != 4242 || st.Gid != 4243 || info.Mode().Perm() != 0o640 {
		t.Fatalf("after the write: uid %d gid %d mode %v, want 4242 4243 0640", st.Uid, st.Gid, info.Mode().Perm())
	}
}

// The temporary is held by an flock while the write goes on, so that a
// sweep of stale temporaries by another run cannot take it.
func TestTemporaryIsLockedWhileWriting(t *testing.T) {
	dir := t.TempDir()
	err := Write(filepath.Join(dir, "report.html"), func(w io.Writer) error {
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			return fmt.Errorf("entries while writing: %v", entries)
		}
		f, err := os.Open(filepath.Join(dir, entries[0].Name()))
		if err != nil {
			return err
		}
		defer f.Close()
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			return fmt.Errorf("the temporary %s is not locked", entries[0].Name())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
