package spec

// What a context string names, decided once, here, for every stage: the
// loader (which paths to resolve), the plan's rules (which directories
// must exist), the input digests (what to hash) and the executor (what to
// send). Git refs are recognised by BuildKit's own parser, so xbake sees
// a git URL exactly where the Dockerfile frontend and bake do.

import (
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/dfgitutil"
)

// ContextKind is what a context names.
type ContextKind int

const (
	// LocalContext is a directory on this machine.
	LocalContext ContextKind = iota
	// GitContext is a git repository: https://host/repo.git, git@host:repo,
	// ssh://, git://, github.com/owner/repo, each with an optional #ref:dir.
	GitContext
	// URLContext is an http(s) URL of a tarball or a Dockerfile.
	URLContext
	// ImageContext is docker-image://REF.
	ImageContext
	// TargetContext is target:NAME, another target's result.
	TargetContext
	// OCILayoutContext is oci-layout://DIR[:TAG], a local OCI layout.
	OCILayoutContext
	// InputContext is input:NAME, a frontend input (from a gateway client).
	InputContext
	// UnknownURLContext is a URL of a scheme no builder reads.
	UnknownURLContext
)

var contextKindNames = map[ContextKind]string{
	LocalContext: "local directory", GitContext: "git repository", URLContext: "URL",
	ImageContext: "image", TargetContext: "target", OCILayoutContext: "OCI layout",
	InputContext: "frontend input", UnknownURLContext: "URL of an unknown scheme",
}

func (k ContextKind) String() string { return contextKindNames[k] }

// KindOf classifies a context value as written (or resolved: a local
// path made absolute stays local).
func KindOf(v string) ContextKind {
	switch {
	case strings.HasPrefix(v, "target:"):
		return TargetContext
	case strings.HasPrefix(v, "docker-image://"):
		return ImageContext
	case strings.HasPrefix(v, "oci-layout://"):
		return OCILayoutContext
	case strings.HasPrefix(v, "input:"):
		return InputContext
	case strings.HasPrefix(v, "cwd://"):
		return LocalContext
	}
	// BuildKit's parser reads a git ref only in these forms; asking it
	// about anything else costs an error with a stack trace, which shows
	// over thousands of local paths.
	maybeGit := strings.HasPrefix(v, "github.com/") || strings.Contains(v, "://") ||
		(strings.Contains(v, "@") && strings.Contains(v, ":"))
	if maybeGit {
		if _, isGit, _ := dfgitutil.ParseGitRef(v); isGit {
			return GitContext
		}
	}
	if strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://") {
		return URLContext
	}
	if strings.Contains(v, "://") {
		return UnknownURLContext
	}
	return LocalContext
}

// IsLocal reports whether v names a directory on this machine.
func IsLocal(v string) bool { return v != "" && KindOf(v) == LocalContext }

// OCILayout is an oci-layout:// context: oci-layout://DIR[:TAG][@DIGEST].
type OCILayout struct {
	Dir string
	// Tag is the image's name in the layout's index.json (default
	// "latest"); Digest, when given, names the manifest directly.
	Tag, Digest string
}

// ParseOCILayout reads an oci-layout:// context: the digest after "@"
// first (it holds a colon of its own), then a tag after the last colon
// of the path's last element.
func ParseOCILayout(v string) (OCILayout, bool) {
	p, ok := strings.CutPrefix(v, "oci-layout://")
	if !ok {
		return OCILayout{}, false
	}
	l := OCILayout{Tag: "latest"}
	p, l.Digest, _ = strings.Cut(p, "@")
	if i := strings.LastIndex(p, ":"); i > strings.LastIndex(p, "/") {
		p, l.Tag = p[:i], p[i+1:]
	}
	l.Dir = p
	return l, true
}

// OCILayoutDir returns the directory of an oci-layout:// context.
func OCILayoutDir(v string) (string, bool) {
	l, ok := ParseOCILayout(v)
	return l.Dir, ok
}
