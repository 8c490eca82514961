package plan

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/xbake/xbake/spec"
)

// Allow holds what --allow grants.
type Allow struct {
	Entitlements map[string]bool // network.host, security.insecure
	WritePaths   []string        // absolute; "*" allows writing anywhere
	ReadPaths    []string        // absolute; "*" allows reading anywhere
}

// entitlements a target may ask for, granted only with --allow.
var knownEntitlements = []string{"network.host", "security.insecure"}

// ParseAllow reads --allow values: an entitlement, fs.write=PATH,
// fs.read=PATH or fs=PATH (both), with PATH relative to cwd. Errors are
// command-line mistakes.
func ParseAllow(values []string, cwd string) (Allow, error) {
	a := Allow{Entitlements: map[string]bool{}}
	for _, v := range values {
		key, path, hasPath := strings.Cut(v, "=")
		switch {
		case !hasPath && contains(knownEntitlements, key):
			a.Entitlements[key] = true
		case hasPath && (key == "fs.write" || key == "fs.read" || key == "fs"):
			if path != "*" {
				if !filepath.IsAbs(path) {
					path = filepath.Join(cwd, path)
				}
				path = filepath.Clean(path)
			}
			if key != "fs.read" {
				a.WritePaths = append(a.WritePaths, path)
			}
			if key != "fs.write" {
				a.ReadPaths = append(a.ReadPaths, path)
			}
		default:
			return a, fmt.Errorf("--allow %q: use network.host, security.insecure, fs.read=PATH, fs.write=PATH or fs=PATH%s", v, didYouMean(key, append(knownEntitlements, "fs.write", "fs.read", "fs")))
		}
	}
	return a, nil
}

// canWrite reports whether path, its symbolic links resolved, lies
// under a granted fs.write path.
func (a Allow) canWrite(path string) bool {
	return spec.Boundary{Granted: a.WritePaths}.Allows(path)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
