package inputs

import (
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher"

	"github.com/xbake/xbake/spec"
)

// Affected returns the targets whose inputs include one of the changed
// paths, plus every target that depends on one of them (through target:
// contexts, depends_on or inherits of a spec file). dockerfileOf gives a
// target's local Dockerfile ("" for none).
//
// redefined, when not nil, are the targets whose resolved definition
// differs from the base's (new ones included): the spec's own files then
// count through it only, so that an edit of one target in a shared file
// affects that target. With nil, a changed spec file affects every
// target it declares.
func Affected(s *spec.Spec, changed []string, redefined map[string]bool, dockerfileOf func(*spec.Target) string) map[string]bool {
	direct := map[string]bool{}
	rules := newIgnoreRules()
	for name, t := range s.Targets {
		if redefined[name] || touches(t, dockerfileOf(t), changed, redefined != nil, rules) {
			direct[name] = true
		}
	}
	return withDependents(s, direct)
}

// SpecChanged reports whether one of the changed paths is a file the
// spec was read from.
func SpecChanged(s *spec.Spec, changed []string) bool {
	files := map[string]bool{}
	for _, p := range s.FilePaths {
		files[realPath(p)] = true
	}
	for _, t := range s.Targets {
		for _, p := range t.Files {
			files[realPath(p)] = true
		}
	}
	for _, p := range changed {
		if files[p] {
			return true
		}
	}
	return false
}

// touches reports whether a changed path is one of the target's inputs;
// with compared, the spec files are not (their targets' definitions
// were compared instead).
func touches(t *spec.Target, dockerfile string, changed []string, compared bool, rules *ignoreRules) bool {
	for _, p := range changed {
		if touchesOne(t, dockerfile, p, compared, rules) {
			return true
		}
	}
	return false
}

// ChangedInputs are the changed paths that are inputs of the target: its
// Dockerfile and ignore files, the files of its local contexts that their
// .dockerignore keeps, the files its spec read.
func ChangedInputs(t *spec.Target, dockerfile string, changed []string) []string {
	var out []string
	rules := newIgnoreRules()
	for _, p := range changed {
		if touchesOne(t, dockerfile, p, false, rules) {
			out = append(out, p)
		}
	}
	return out
}

// touchesOne reports whether the changed path p (a real path, as git
// names it) is an input of the target. The target's own paths are
// compared by their real paths too: a context or -f reached through a
// symbolic link names the same files.
func touchesOne(t *spec.Target, dockerfile, p string, skipSpecFiles bool, rules *ignoreRules) bool {
	if dockerfile != "" {
		if d := rules.realPath(dockerfile); p == d || p == d+".dockerignore" {
			return true
		}
	}
	if !skipSpecFiles {
		for _, f := range t.Files {
			if p == rules.realPath(f) {
				return true
			}
		}
	}
	if isLocal(t.Context.Value) && rules.keeps(p, t.Context.Value, dockerfile) {
		return true
	}
	for _, c := range t.Contexts {
		if isLocal(c.Value) && rules.keeps(p, c.Value, "") {
			return true
		}
		if dir, ok := spec.OCILayoutDir(c.Value); ok && inside(p, rules.realPath(dir)) {
			return true // the layout's index or a blob
		}
	}
	return false
}

// realPath is p with the symbolic links of its longest existing leading
// directory evaluated (a deleted file's path still resolves through its
// directory).
func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	dir, base := filepath.Split(filepath.Clean(p))
	dir = filepath.Clean(dir)
	if dir == p || dir == "." || dir == string(filepath.Separator) {
		return p
	}
	return filepath.Join(realPath(dir), base)
}

// inside reports whether p is dir or lies under it.
func inside(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// ignoreRules caches each context's .dockerignore rules, and the real
// paths of the targets' files and directories.
type ignoreRules struct {
	matchers map[string]*patternmatcher.PatternMatcher
	real     map[string]string
}

func newIgnoreRules() *ignoreRules {
	return &ignoreRules{matchers: map[string]*patternmatcher.PatternMatcher{}, real: map[string]string{}}
}

// realPath is realPath(p), once per path.
func (r *ignoreRules) realPath(p string) string {
	if rp, ok := r.real[p]; ok {
		return rp
	}
	rp := realPath(p)
	r.real[p] = rp
	return rp
}

// keeps reports whether p is a file of dir that its .dockerignore keeps
// (a change to the .dockerignore itself counts too).
func (r *ignoreRules) keeps(p, dir, dockerfile string) bool {
	rel, err := filepath.Rel(r.realPath(dir), p)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return false
	}
	if rel == ".dockerignore" {
		return true
	}
	key := dir + "\x00" + dockerfile
	pm, ok := r.matchers[key]
	if !ok {
		if pm, _, err = ignoreFor(dir, dockerfile, nil); err != nil {
			return true // unreadable rules: be safe, count it
		}
		r.matchers[key] = pm
	}
	return !excluded(pm, rel)
}

// withDependents adds every target that waits for an affected one.
func withDependents(s *spec.Spec, affected map[string]bool) map[string]bool {
	users := map[string][]string{} // parent -> targets that need it
	for name, t := range s.Targets {
		for _, c := range t.Contexts {
			if parent, ok := strings.CutPrefix(c.Value, "target:"); ok {
				users[parent] = append(users[parent], name)
			}
		}
		for _, d := range t.DependsOn {
			for _, m := range s.Members(d.Value) {
				users[m] = append(users[m], name)
			}
		}
	}
	queue := make([]string, 0, len(affected))
	for n := range affected {
		queue = append(queue, n)
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, u := range users[n] {
			if !affected[u] {
				affected[u] = true
				queue = append(queue, u)
			}
		}
	}
	return affected
}
