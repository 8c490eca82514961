package spec

import (
	"strings"
	"testing"
)

// A docker-container builder's options, in HCL and YAML alike; on
// another driver they are an error at their position.
func TestContainerBuilderOptions(t *testing.T) {
	hclSrc := `builder "box" {
  driver           = "docker-container"
  image            = "moby/buildkit:v0.34.2"
  buildkitd-flags  = "--debug --oci-worker-gc=false"
  buildkitd-config = "conf/buildkitd.toml"
  network          = "host"
  env              = { HTTPS_PROXY = "http://proxy:3128" }
}
`
	yamlSrc := `builders:
  box:
    driver: docker-container
    image: moby/buildkit:v0.34.2
    buildkitd-flags: --debug --oci-worker-gc=false
    buildkitd-config: conf/buildkitd.toml
    network: host
    env:
      HTTPS_PROXY: http://proxy:3128
`
	for name, src := range map[string]string{"xbuild.hcl": hclSrc, "xbuild.yaml": yamlSrc} {
		dir := writeTree(t, map[string]string{name: src})
		s, diags := loadFiles(t, Options{Dir: dir}, name)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", name, diags.Error())
		}
		o := s.Builders["box"].Container
		if o.Image.Value != "moby/buildkit:v0.34.2" || o.BuildkitdFlags.Value != "--debug --oci-worker-gc=false" || o.Network.Value != "host" ||
			o.Env["HTTPS_PROXY"].Value != "http://proxy:3128" || o.Config != dir+"/conf/buildkitd.toml" {
			t.Errorf("%s: options %+v", name, o)
		}
	}
	dir := writeTree(t, map[string]string{"xbuild.hcl": "builder \"r\" {\n  driver = \"remote\"\n  endpoint = \"tcp://h:1234\"\n  image = \"x\"\n}\n"})
	_, diags := loadFiles(t, Options{Dir: dir}, "xbuild.hcl")
	if !diags.HasErrors() || !strings.Contains(diags.Error(), `xbuild.hcl:4,3-8: Attribute of another driver`) {
		t.Errorf("image on a remote builder: %v", diags)
	}
}

// TestBuildkitdConfigIsChecked: a buildkitd.toml buildkitd would refuse
// is an error at the attribute naming its line in the file; a key it
// does not know is a warning; flags that do not split are an error; the
// docker-container endpoint takes tcp and ssh engines; isolation-fallback
// is read.
func TestBuildkitdConfigIsChecked(t *testing.T) {
	spec := "builder \"box\" {\n  driver = \"docker-container\"\n  endpoint = \"ssh://me@build-host\"\n  buildkitd-config = \"b.toml\"\n  isolation-fallback = false\n}\n"
	for _, tc := range []struct{ toml, want string }{
		{"[worker.oci]\n  max-parallelism = \"four\"\n", "xbuild.hcl:4,22-30: Invalid buildkitd-config; b.toml:2:21"},
		{"[worker.oci]\n  max-paralelism = 4\n", "xbuild.hcl:4,22-30: Unknown buildkitd setting; buildkitd does not know worker.oci.max-paralelism (b.toml:2:"},
		{"[worker.oci]\n  max-parallelism = 4\n", ""},
	} {
		dir := writeTree(t, map[string]string{"xbuild.hcl": spec, "b.toml": tc.toml})
		s, diags := loadFiles(t, Options{Dir: dir}, "xbuild.hcl")
		if tc.want == "" && len(diags) > 0 || tc.want != "" && !strings.Contains(diags.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.toml, diags, tc.want)
		}
		if s != nil && (s.Builders["box"].Container.IsolationFallback == nil || s.Builders["box"].Container.IsolationFallback.Value) {
			t.Errorf("isolation-fallback = false not read: %+v", s.Builders["box"].Container)
		}
	}
	dir := writeTree(t, map[string]string{"xbuild.hcl": "builder \"box\" {\n  driver = \"docker-container\"\n  buildkitd-flags = \"--debug \\\"x\"\n}\n"})
	if _, diags := loadFiles(t, Options{Dir: dir}, "xbuild.hcl"); !strings.Contains(diags.Error(), "xbuild.hcl:3,21-34: Invalid buildkitd-flags") {
		t.Errorf("unbalanced quotes in buildkitd-flags: %v", diags)
	}
}
