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
	candidates := []string{}
	if dockerfile != "" {
		candidates = append(candidates, dockerfile+".dockerignore")
	}
	candidates = append(candidates, filepath.Join(contextDir, ".dockerignore"))
	for _, c := range candidates {
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

// excluded reports whether a path relative to the context is left out.
func excluded(pm *patternmatcher.PatternMatcher, rel string) bool {
	if pm == nil {
		return false
	}
	ok, err := pm.MatchesOrParentMatches(filepath.ToSlash(rel))
	return err == nil && ok
}
