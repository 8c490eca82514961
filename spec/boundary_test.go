package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// file() follows the read boundary: a link inside the tree that points
// outside is outside, and --allow fs.read opens exactly what it names.
func TestFileReadBoundary(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("s3cret"), 0o644)
	os.Symlink(outside, filepath.Join(dir, "link"))
	os.WriteFile(filepath.Join(dir, "xbuild.hcl"), []byte(`target "t" {
  args = { v = file("link/secret") }
}
`), 0o644)

	_, diags := Load(Options{Dir: dir, Files: []string{"xbuild.hcl"}})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "lies outside") {
		t.Fatalf("a read through a link out of the tree was allowed: %v", diags)
	}
	if strings.Contains(diags.Error(), "s3cret") {
		t.Error("the error shows the file's content")
	}

	s, diags := Load(Options{Dir: dir, Files: []string{"xbuild.hcl"}, AllowRead: []string{outside}})
	if diags.HasErrors() {
		t.Fatalf("--allow fs.read=%s did not grant the read: %v", outside, diags)
	}
	if got := s.Targets["t"].Args["v"].Value; got != "s3cret" {
		t.Errorf("args.v = %q", got)
	}
}

func TestResolvePath(t *testing.T) {
	dir := t.TempDir()
	os.Symlink("/tmp", filepath.Join(dir, "tmp"))
	os.Symlink("/nonexistent-xbake/x", filepath.Join(dir, "dangling"))
	for _, c := range []struct{ in, want string }{
		{filepath.Join(dir, "tmp/a/b"), "/tmp/a/b"},
		{filepath.Join(dir, "dangling/y"), "/nonexistent-xbake/x/y"},
		{filepath.Join(dir, "plain/z"), filepath.Join(dir, "plain/z")},
	} {
		if got := ResolvePath(c.in); got != c.want {
			t.Errorf("ResolvePath(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}

// A memoized boundary answers as the plain one does, for paths inside,
// outside, through a link out of the tree and below a grant.
func TestMemoizedBoundaryAgrees(t *testing.T) {
	dir, outside, granted := t.TempDir(), t.TempDir(), t.TempDir()
	os.Symlink(outside, filepath.Join(dir, "out"))
	os.Symlink(granted, filepath.Join(dir, "in"))
	plain := Boundary{Trees: []string{dir}, Granted: []string{granted}}
	memo := plain.Memoized()
	paths := []string{
		filepath.Join(dir, "ctx"), filepath.Join(dir, "out/x"), filepath.Join(dir, "in/y"),
		outside, filepath.Join(granted, "z"), "/etc",
	}
	want := []bool{true, false, true, false, true, false}
	for round := 0; round < 2; round++ { // the second round answers from the memo
		for i, p := range paths {
			if got := memo.Allows(p); got != want[i] || got != plain.Allows(p) {
				t.Errorf("round %d: memoized Allows(%s) = %v, want %v", round, p, got, want[i])
			}
		}
	}
}

// The memo resolves a path from its parent's answer; it must agree with
// the full walk whatever the path holds: links in the middle, relative
// and chained links, dangling links, files as parents, missing tails.
func TestMemoizedResolveAgrees(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	os.MkdirAll(filepath.Join(dir, "a/b/c"), 0o755)
	os.MkdirAll(filepath.Join(other, "d"), 0o755)
	os.WriteFile(filepath.Join(dir, "a/file"), nil, 0o644)
	os.Symlink(other, filepath.Join(dir, "a/abs"))
	os.Symlink("b/c", filepath.Join(dir, "a/rel"))
	os.Symlink("rel", filepath.Join(dir, "a/chain"))
	os.Symlink("../nowhere/x", filepath.Join(dir, "a/dangling"))
	os.Symlink(filepath.Join(dir, "a/abs/d"), filepath.Join(other, "d/back"))
	var paths []string
	for _, p := range []string{"a", "a/b/c", "a/abs", "a/abs/d", "a/abs/d/new", "a/rel", "a/rel/x/y", "a/chain/z",
		"a/dangling", "a/dangling/q", "a/file", "a/file/under", "a/missing/deeper", "a/b/../abs/d", "a/abs/d/back/back"} {
		paths = append(paths, filepath.Join(dir, p))
	}
	paths = append(paths, "/", "/etc", "/proc/self")
	memo := Boundary{}.Memoized()
	for round := 0; round < 2; round++ {
		for _, p := range paths {
			if got, want := memo.resolve(p), ResolvePath(p); got != want {
				t.Errorf("round %d: memoized %s -> %s, the full walk -> %s", round, p, got, want)
			}
		}
	}
}
