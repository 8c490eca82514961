package spec

// The tree's boundary for reads, as bake's fs.read entitlement: a spec
// may read files below its trees (the working directory and the
// directories of the spec files named on the command line), and
// elsewhere only where --allow fs.read=PATH grants it. Symbolic links are
// followed first, so a link inside the tree that points outside does not
// open a way out.

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Boundary holds the directories a spec may read or write below.
type Boundary struct {
	// Trees are the spec's own directories: the working directory and
	// the directories of the spec files named on the command line.
	Trees []string
	// Granted are the paths --allow grants beyond the trees; "*" grants
	// everything.
	Granted []string

	// resolved remembers ResolvePath's answers when Memoized made the
	// boundary: a plan asks about the same few directories (a shared
	// named context, the trees) for every target, and resolving walks
	// every component of the path with lstat.
	resolved *resolveMemo
}

type resolveMemo struct {
	mu    sync.Mutex
	paths map[string]string
}

// Memoized returns a copy of b that resolves each path once. Use it for
// one pass over a plan, not across passes: a link changed in between
// would not be seen.
func (b Boundary) Memoized() Boundary {
	b.resolved = &resolveMemo{paths: map[string]string{}}
	return b
}

// Allows reports whether path lies below a tree or a granted path, once
// symbolic links are resolved on both sides.
func (b Boundary) Allows(path string) bool {
	real := b.resolve(path)
	for _, dir := range append(append([]string{}, b.Trees...), b.Granted...) {
		if dir == "*" || Within(real, b.resolve(dir)) {
			return true
		}
	}
	return false
}

func (b Boundary) resolve(path string) string {
	if b.resolved == nil {
		return ResolvePath(path)
	}
	return b.resolved.resolve(filepath.Clean(path))
}

// resolve answers from the answer for the path's parent, so a path
// below directories already seen costs one lstat, not one per
// component. Only a symbolic link takes the full walk.
func (m *resolveMemo) resolve(path string) string {
	m.mu.Lock()
	real, ok := m.paths[path]
	m.mu.Unlock()
	if ok {
		return real
	}
	parent := filepath.Dir(path)
	info, err := os.Lstat(path)
	switch {
	case parent == path:
		real = ResolvePath(path)
	case err == nil && info.Mode()&os.ModeSymlink != 0:
		real = ResolvePath(path)
	default: // a directory, a file, or nothing there yet
		real = filepath.Join(m.resolve(parent), filepath.Base(path))
	}
	m.mu.Lock()
	m.paths[path] = real
	m.mu.Unlock()
	return real
}

// Within reports whether path is dir or below it (both clean and
// absolute).
func Within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// ResolvePath resolves the symbolic links of the longest part of path
// that exists and appends the rest: where a write to path, or a read of
// it, would really go. A dangling link is followed to where it points.
func ResolvePath(path string) string { return resolvePath(path, 0) }

func resolvePath(path string, depth int) string {
	path = filepath.Clean(path)
	var rest []string
	for p := path; ; p = filepath.Dir(p) {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(append([]string{real}, rest...)...)
		}
		if target, err := os.Readlink(p); err == nil && depth < 32 {
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(p), target)
			}
			return resolvePath(filepath.Join(append([]string{target}, rest...)...), depth+1)
		}
		if filepath.Dir(p) == p {
			return path
		}
		rest = append([]string{filepath.Base(p)}, rest...)
	}
}
