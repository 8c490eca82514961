package spec

import "testing"

func TestKindOf(t *testing.T) {
	for v, want := range map[string]ContextKind{
		".":                                      LocalContext,
		"/abs/dir":                               LocalContext,
		"services/api":                           LocalContext,
		"../shared":                              LocalContext,
		"gitlab.com/group/repo":                  LocalContext, // BuildKit and bake read this as a directory too
		"github.com/moby/buildkit":               GitContext,
		"github.com/moby/buildkit#v0.34.2:cmd":   GitContext,
		"https://github.com/moby/buildkit.git":   GitContext,
		"https://gitlab.com/group/repo.git#main": GitContext,
		"git@gitlab.com:group/repo.git":          GitContext,
		"ssh://git@example.com/repo.git":         GitContext,
		"git://example.com/repo.git":             GitContext,
		"https://example.com/context.tar.gz":     URLContext,
		"http://example.com/Dockerfile":          URLContext,
		"docker-image://alpine:3.20":             ImageContext,
		"target:base":                            TargetContext,
		"oci-layout:///tmp/layout:v1":            OCILayoutContext,
		"input:base":                             InputContext,
		"ftp://example.com/x":                    UnknownURLContext,
	} {
		if got := KindOf(v); got != want {
			t.Errorf("KindOf(%q) = %s, want %s", v, got, want)
		}
	}
	if dir, _ := OCILayoutDir("oci-layout:///tmp/layout:v1"); dir != "/tmp/layout" {
		t.Errorf("OCILayoutDir = %q", dir)
	}
	if dir, _ := OCILayoutDir("oci-layout:///tmp/lay:out/x@sha256:abc"); dir != "/tmp/lay:out/x" {
		t.Errorf("OCILayoutDir with digest = %q", dir)
	}
}

// TestParseOCILayout: the digest is cut first (it holds a colon), then a
// tag from the path's last element.
func TestParseOCILayout(t *testing.T) {
	for v, want := range map[string]OCILayout{
		"oci-layout://dir/x:v1@sha256:abc": {Dir: "dir/x", Tag: "v1", Digest: "sha256:abc"},
		"oci-layout://dir@sha256:abc":      {Dir: "dir", Tag: "latest", Digest: "sha256:abc"},
		"oci-layout:///abs/dir:tag":        {Dir: "/abs/dir", Tag: "tag"},
		"oci-layout://host:5000/dir":       {Dir: "host:5000/dir", Tag: "latest"},
	} {
		if got, ok := ParseOCILayout(v); !ok || got != want {
			t.Errorf("ParseOCILayout(%q) = %+v, want %+v", v, got, want)
		}
	}
	if _, ok := ParseOCILayout("docker-image://alpine"); ok {
		t.Error("a docker-image context read as a layout")
	}
}
