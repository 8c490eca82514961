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
