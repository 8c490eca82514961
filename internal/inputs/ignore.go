package inputs

import (
	"io/fs"
	"os"
	"path/filepath"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// ignoreFor returns the .dockerignore rules that apply to a context, as
// BuildKit finds them: DOCKERFILE.dockerignore beside the Dockerfile
// first, else .dockerignore at the top of the context. It returns nil
// when there is none. top, if given, is the context's listing, which
// spares opening files that are not there.
func ignoreFor(contextDir, dockerfile string, top []fs.DirEntry) (*patternmatcher.PatternMatcher, string, error) {
	listed := func(path string) bool {
		if top == nil || filepath.Dir(path) != contextDir {
			return true // unknown: try to open it
		}
		for _, e := range top {
			if e.Name() == filepath.Base(path) {
				return true
			}
		}
		return false
	}
	for _, c := range ignoreCandidates(contextDir, dockerfile) {
		if !listed(c) {
			continue
		}
		f, err := os.Open(c)
		if err != nil {
			continue
		}
		patterns, err := ignorefile.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, c, err
		}
		pm, err := patternmatcher.New(patterns)
		return pm, c, err
	}
	return nil, "", nil
}

// ignoreCandidates are the files that may hold a build's ignore rules,
// in the order BuildKit looks for them.
func ignoreCandidates(contextDir, dockerfile string) []string {
	candidates := []string{}
	if dockerfile != "" {
		candidates = append(candidates, dockerfile+".dockerignore")
	}
	return append(candidates, filepath.Join(contextDir, ".dockerignore"))
}

// IgnoreFile returns the file holding the ignore rules of a build of
// contextDir with the Dockerfile at dockerfile ("" when it is written
// inline), as BuildKit finds it; "" when there is none.
func IgnoreFile(contextDir, dockerfile string) string {
	for _, c := range ignoreCandidates(contextDir, dockerfile) {
		if info, err := os.Stat(c); err == nil && info.Mode().IsRegular() {
			return c
		}
	}
	return ""
}

// excluded reports whether a path relative to the context is left out.
func excluded(pm *patternmatcher.PatternMatcher, rel string) bool {
	if pm == nil {
		return false
	}
	ok, err := pm.MatchesOrParentMatches(filepath.ToSlash(rel))
	return err == nil && ok
}
