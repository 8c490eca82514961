package plan

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Allow holds what --allow grants.
type Allow struct {
	Entitlements map[string]bool // network.host, security.insecure
	WritePaths   []string        // absolute; "*" allows writing anywhere
}

// entitlements a target may ask for, granted only with --allow.
var knownEntitlements = []string{"network.host", "security.insecure"}

// ParseAllow reads --allow values: an entitlement, or fs.write=PATH
// (fs=PATH grants it too), with PATH relative to cwd. Errors are
// command-line mistakes.
func ParseAllow(values []string, cwd string) (Allow, error) {
	a := Allow{Entitlements: map[string]bool{}}
	for _, v := range values {
		key, path, hasPath := strings.Cut(v, "=")
		switch {
		case !hasPath && contains(knownEntitlements, key):
			a.Entitlements[key] = true
		case hasPath && (key == "fs.write" || key == "fs"):
			if path != "*" && !filepath.IsAbs(path) {
				path = filepath.Join(cwd, path)
			}
			a.WritePaths = append(a.WritePaths, filepath.Clean(path))
		case hasPath && key == "fs.read":
			// Reading outside the tree is not checked yet; accepted for bake compatibility.
		default:
			return a, fmt.Errorf("--allow %q: use network.host, security.insecure or fs.write=PATH%s", v, didYouMean(key, append(knownEntitlements, "fs.write", "fs")))
		}
	}
	return a, nil
}

// canWrite reports whether path lies under a granted fs.write path.
func (a Allow) canWrite(path string) bool {
	for _, p := range a.WritePaths {
		if p == "*" || within(path, p) {
			return true
		}
	}
	return false
}

// within reports whether path is dir or below it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
