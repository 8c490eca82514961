package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/inputs"
	"github.com/xbake/xbake/spec"
)

// baseTree is the repository's files at a base commit, written into a
// temporary directory, for --diff and --affected to read the spec as it
// was there. Close removes it.
type baseTree struct {
	top  string // the repository's top, as git names it (symlinks evaluated)
	root string // the temporary directory
	tree string // the commit's files: root/tree
	// dir is the working directory's counterpart in the tree.
	dir    string
	commit string
}

// checkoutBase writes commit's files into a new temporary directory.
func checkoutBase(ctx context.Context, cwd, commit string) (*baseTree, error) {
	top, err := gitOutput(ctx, cwd, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(top, cwd)
	if err != nil || strings.HasPrefix(rel, "..") {
		return nil, fmt.Errorf("the working directory %s is not in the repository %s", cwd, top)
	}
	root, err := os.MkdirTemp("", "xbake-diff-")
	if err != nil {
		return nil, err
	}
	b := &baseTree{top: top, root: root, tree: filepath.Join(root, "tree"), commit: commit}
	b.dir = filepath.Join(b.tree, rel)
	if err := os.Mkdir(b.tree, 0o755); err != nil {
		b.Close()
		return nil, err
	}
	if err := inputs.Checkout(ctx, top, commit, b.tree); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func (b *baseTree) Close() { os.RemoveAll(b.root) }

// path maps a path of the working tree to the same path in the base
// tree; a path outside the repository stays as it is.
func (b *baseTree) path(p string) string {
	if !filepath.IsAbs(p) {
		return p
	}
	rel, err := filepath.Rel(b.top, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return p
	}
	return filepath.Join(b.tree, rel)
}

// loadAt loads the spec as it is in the base tree, with the same files
// (an absolute -f mapped into the tree), variables and --set. The plan
// reads the working directory for its paths, so this changes into the
// tree's counterpart of it; restore changes back. A spec that does not
// load there is returned with its diagnostics, not as an error.
func (f *specFlags) loadAt(b *baseTree, stderr io.Writer) (s *spec.Spec, diags hcl.Diagnostics, restore func(), err error) {
	vars, overrides, err := f.parse(stderr)
	if err != nil {
		return nil, nil, nil, err
	}
	if _, err := os.Stat(b.dir); err != nil {
		rel, _ := filepath.Rel(b.tree, b.dir)
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No such directory",
			Detail: fmt.Sprintf("%s did not exist at %s.", rel, b.commit)}}, func() {}, nil
	}
	cwd, err := os.Getwd()
	if err != nil {
		return nil, nil, nil, err
	}
	if err := os.Chdir(b.dir); err != nil {
		return nil, nil, nil, err
	}
	restore = func() { os.Chdir(cwd) }
	files := make([]string, len(f.files))
	for i, name := range resolveFiles(f.files) {
		files[i] = b.path(name)
	}
	s, diags = spec.Load(spec.Options{Files: files, Dir: b.dir, Vars: vars, Overrides: overrides, AllowRead: f.allowRead})
	if diags.HasErrors() {
		return nil, diags, restore, nil
	}
	return s, diags, restore, nil
}

// resolveFiles evaluates the symbolic links in the directories of the
// absolute -f paths, so that a spec reached through a linked workspace
// has the paths git gives its changes. The file's own name is kept: it
// is the name the user wrote, and messages show it.
func resolveFiles(files []string) []string {
	out := make([]string, len(files))
	for i, name := range files {
		out[i] = name
		if !filepath.IsAbs(name) {
			continue
		}
		if dir, err := filepath.EvalSymlinks(filepath.Dir(name)); err == nil {
			out[i] = filepath.Join(dir, filepath.Base(name))
		}
	}
	return out
}

// resolveWorkingDir changes into the working directory's real path
// (symbolic links evaluated): git names changed files by their real
// paths, and a runner's workspace is often a link. Every path xbake
// derives from the working directory is then in the same terms.
func resolveWorkingDir() error {
	cwd, err := os.Getwd()
	if err != nil {
		return nil // the command says so when it needs it
	}
	real, err := filepath.EvalSymlinks(cwd)
	if err != nil || real == cwd {
		return nil
	}
	if err := os.Chdir(real); err != nil {
		return err
	}
	// os.Getwd answers $PWD while it names the same directory: it must
	// name the real one now.
	return os.Setenv("PWD", real)
}
