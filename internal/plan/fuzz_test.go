package plan

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/xbake/xbake/spec"
)

// fuzzPlan loads a spec from memory and plans and renders it: whatever
// the input, nothing may panic.
func fuzzPlan(t *testing.T, name string, src []byte) {
	s, _ := spec.Load(spec.Options{
		Files: []string{name}, Dir: t.TempDir(), LookupEnv: func(string) (string, bool) { return "", false },
		ReadFile: func(string) ([]byte, error) { return src, nil },
	})
	sel, _ := s.Select(nil)
	// Digests are skipped: a fuzzed context may be "/" or $HOME, and hashing
	// a whole machine is not what this target tests.
	for _, opts := range []Options{{SkipDigests: true}, {Push: true, Load: true, Strict: true, SkipDigests: true}} {
		p, diags := New(s, sel, opts)
		if err := WriteText(io.Discard, p, diags, TextOptions{Sources: s.Sources}); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(io.Discard, p, diags, "/"); err != nil {
			t.Fatal(err)
		}
		WriteDOT(io.Discard, p)
		WriteMermaid(io.Discard, p)
	}
}

func seeds(f *testing.F, patterns ...string) {
	for _, pattern := range patterns {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if src, err := os.ReadFile(file); err == nil {
				f.Add(src)
			}
		}
	}
}

func FuzzPlanHCL(f *testing.F) {
	seeds(f, "testdata/*/*.hcl", "../../spec/testdata/*/*.hcl")
	f.Fuzz(func(t *testing.T, src []byte) { fuzzPlan(t, "xbuild.hcl", src) })
}

func FuzzPlanYAML(f *testing.F) {
	seeds(f, "../../spec/testdata/*/*.yaml", "../../examples/*/xbuild.yaml")
	f.Fuzz(func(t *testing.T, src []byte) { fuzzPlan(t, "xbuild.yaml", src) })
}
