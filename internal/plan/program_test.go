package plan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xbake/xbake/spec"
)

func planSource(t *testing.T, src string, env map[string]string) *Plan {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "xbuild.hcl"), []byte(src), 0o644)
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	s, diags := spec.Load(spec.Options{Files: []string{"xbuild.hcl"}, Dir: dir, LookupEnv: lookup})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	sel, _ := s.Select(nil)
	p, _ := New(s, sel, Options{LookupEnv: lookup, SkipDigests: true})
	return p
}

// TestDefaultProvenance: as buildx does, a build that exports something
// and says nothing of provenance gets a minimal one, inline only.
func TestDefaultProvenance(t *testing.T) {
	src := `
builder "engine" {
  driver = "docker"
}
target "pushed" {
  tags   = ["example.com/a:1"]
  output = ["type=image,push=true"]
}
target "files" { output = ["type=local,dest=out"] }
target "off" {
  attest = ["type=provenance,disabled=true"]
  output = ["type=oci,dest=off.tar"]
}
target "max" {
  attest = ["type=provenance,mode=max"]
  output = ["type=oci,dest=max.tar"]
}
target "cache" { output = ["type=cacheonly"] }
target "lint" {
  call   = "check"
  output = ["type=oci,dest=lint.tar"]
}
target "loaded" {
  builder = "engine"
  output  = ["type=docker"]
}
`
	want := map[string]string{"pushed": defaultProvenance, "files": defaultProvenance, "off": "", "max": "mode=max", "cache": "", "lint": "", "loaded": ""}
	p := planSource(t, src, nil)
	for name, w := range want {
		if got := p.Node(name).Program.FrontendAttrs["attest:provenance"]; got != w {
			t.Errorf("%s: attest:provenance = %q, want %q", name, got, w)
		}
	}
	if !p.Node("pushed").Program.Attested || p.Node("pushed").Program.Provenance {
		t.Error("a default provenance makes an index, and is not read back into the metadata")
	}
	p = planSource(t, src, map[string]string{"BUILDX_NO_DEFAULT_ATTESTATIONS": "1"})
	if got := p.Node("pushed").Program.FrontendAttrs["attest:provenance"]; got != "" {
		t.Errorf("BUILDX_NO_DEFAULT_ATTESTATIONS=1: %q", got)
	}
}

// TestDefaultProvenanceIsAnInput: an image built with the default
// provenance is not the one built without (BUILDX_NO_DEFAULT_ATTESTATIONS),
// so their input digests differ, and --skip-unchanged does not take one
// for the other; a cache-only target, which gets none, keeps its digest.
func TestDefaultProvenanceIsAnInput(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "xbuild.hcl"), []byte("target \"img\" {\n  output = [\"type=oci,dest=img.tar\"]\n}\ntarget \"cache\" {\n  output = [\"type=cacheonly\"]\n}\n"), 0o644)
	digests := func(env map[string]string) (string, string) {
		lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
		s, diags := spec.Load(spec.Options{Files: []string{"xbuild.hcl"}, Dir: dir, LookupEnv: lookup})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		sel, _ := s.Select(nil)
		p, _ := New(s, sel, Options{LookupEnv: lookup})
		return p.Node("img").InputDigest, p.Node("cache").InputDigest
	}
	img, cache := digests(nil)
	imgOff, cacheOff := digests(map[string]string{"BUILDX_NO_DEFAULT_ATTESTATIONS": "1"})
	if img == "" || img == imgOff {
		t.Errorf("the image's digest is %q with the default provenance and %q without", img, imgOff)
	}
	if cache != cacheOff {
		t.Errorf("a cache-only target's digest changed: %q, %q", cache, cacheOff)
	}
}

// TestBooleanOptionsNormalised: the plan reads every boolean exporter
// option as BuildKit does, once: tar=0 is a layout directory for the run
// too, push=False pushes nothing, and a non-boolean is refused.
func TestBooleanOptionsNormalised(t *testing.T) {
	p := planSource(t, `
target "layout" {
  output = ["type=oci,dest=layout,tar=0"]
}
target "img" {
  tags   = ["example.com/a:1"]
  output = ["type=image,push=False,oci-mediatypes=1"]
}
`, nil)
	layout := p.Node("layout").Outputs[0]
	if layout.Attrs["tar"] != "false" || layout.Tar() {
		t.Errorf("tar=0: attrs %v, Tar() %v", layout.Attrs, layout.Tar())
	}
	img := p.Node("img").Outputs[0]
	if img.Push || img.Attrs["push"] != "false" || img.Attrs["oci-mediatypes"] != "true" {
		t.Errorf("push=False, oci-mediatypes=1: push %v, attrs %v", img.Push, img.Attrs)
	}
	if o := newOutput("t", spec.Entry{Type: "oci", Dest: "x", Attrs: map[string]string{"tar": "maybe"}}, nil); !strings.Contains(o.problem, "tar=maybe") {
		t.Errorf("tar=maybe: problem %q", o.problem)
	}
}
