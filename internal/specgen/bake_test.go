package specgen_test

import (
	"testing"

	"github.com/xbake/xbake/internal/specgen"
	"github.com/xbake/xbake/spec"
)

// The bake-shaped file loads as the benchmarks assume: every service
// inherits _common's interpolated args, shared context and conditional
// output; a fifth link to their team's first target; the matrix
// expands to four.
func TestBakeHCLLoads(t *testing.T) {
	src := specgen.BakeHCL(100)
	s, diags := spec.Load(spec.Options{
		Files: []string{"docker-bake.hcl"}, Dir: "/", LookupEnv: func(string) (string, bool) { return "", false },
		ReadFile: func(string) ([]byte, error) { return src, nil },
	})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if len(s.Targets) != 105 {
		t.Fatalf("%d targets, want 100 services, _common and 4 from the matrix", len(s.Targets))
	}
	linked := s.Targets["svc-00054"]
	if got := linked.Args["TAG"].Value; got != "dev" {
		t.Errorf("args.TAG = %q, want dev from _common", got)
	}
	if linked.Contexts["tools"].Written != "./tools" || linked.Contexts["base"].Value != "target:svc-00050" {
		t.Errorf("contexts = %v, want tools and base = target:svc-00050", linked.Contexts)
	}
	if got := spec.Values(linked.Tags); len(got) != 1 || got[0] != "registry.example.com/team-001/svc-00054:dev" {
		t.Errorf("tags = %v, want the one interpolated tag (the latest tag is empty for dev)", got)
	}
	if _, ok := s.Targets["matrix-debian-full"]; !ok {
		t.Error("the matrix did not make matrix-debian-full")
	}
}
