package plan

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/xbake/xbake/spec"
)

// With a git context and a Dockerfile named by an absolute path, the
// Dockerfile is a file on this machine (as in bake): its content is in
// the target's digest, so --skip-unchanged and --affected see it change.
func TestRemoteContextWithALocalDockerfileIsDigested(t *testing.T) {
	dir := t.TempDir()
	dockerfile := filepath.Join(dir, "build", "Dockerfile")
	os.MkdirAll(filepath.Dir(dockerfile), 0o755)
	os.WriteFile(filepath.Join(dir, "xbuild.hcl"), []byte(`target "app" {
  context    = "https://github.com/moby/buildkit.git"
  dockerfile = "`+dockerfile+`"
  output     = ["type=cacheonly"]
}`), 0o644)
	digest := func(content string) string {
		t.Helper()
		if err := os.WriteFile(dockerfile, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		s, diags := spec.Load(spec.Options{Dir: dir, Files: []string{"xbuild.hcl"}, LookupEnv: func(string) (string, bool) { return "", false }})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		sel, _ := s.Select(nil)
		p, diags := New(s, sel, Options{})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		return p.Node("app").InputDigest
	}
	one, two := digest("FROM scratch\n"), digest("FROM busybox\n")
	if one == "" || one == two {
		t.Fatalf("the local Dockerfile is not in the digest: %q, then %q", one, two)
	}
}
