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
func Affected(s *spec.Spec, changed []string, dockerfileOf func(*spec.Target) string) map[string]bool {
	direct := map[string]bool{}
	rules := ignoreRules{}
	for name, t := range s.Targets {
		if touches(t, dockerfileOf(t), changed, rules) {
			direct[name] = true
		}
	}
	return withDependents(s, direct)
}

// touches reports whether a changed path is one of the target's inputs.
func touches(t *spec.Target, dockerfile string, changed []string, rules ignoreRules) bool {
	for _, p := range changed {
		if touchesOne(t, dockerfile, p, rules) {
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
	rules := ignoreRules{}
	for _, p := range changed {
		if touchesOne(t, dockerfile, p, rules) {
			out = append(out, p)
		}
	}
	return out
}

func touchesOne(t *spec.Target, dockerfile, p string, rules ignoreRules) bool {
	if dockerfile != "" && (p == dockerfile || p == dockerfile+".dockerignore") {
		return true
	}
	for _, f := range t.Files {
		if p == f {
			return true
		}
	}
	if isLocal(t.Context.Value) && rules.keeps(p, t.Context.Value, dockerfile) {
		return true
	}
	for _, c := range t.Contexts {
		if isLocal(c.Value) && rules.keeps(p, c.Value, "") {
			return true
		}
		if dir, ok := spec.OCILayoutDir(c.Value); ok && inside(p, dir) {
			return true // the layout's index or a blob
		}
	}
	return false
}

// inside reports whether p is dir or lies under it.
func inside(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// ignoreRules caches each context's .dockerignore rules.
type ignoreRules map[string]*patternmatcher.PatternMatcher

// keeps reports whether p is a file of dir that its .dockerignore keeps
// (a change to the .dockerignore itself counts too).
func (r ignoreRules) keeps(p, dir, dockerfile string) bool {
	rel, err := filepath.Rel(dir, p)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return false
	}
	if rel == ".dockerignore" {
		return true
	}
	key := dir + "\x00" + dockerfile
	pm, ok := r[key]
	if !ok {
		if pm, _, err = ignoreFor(dir, dockerfile, nil); err != nil {
			return true // unreadable rules: be safe, count it
		}
		r[key] = pm
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
