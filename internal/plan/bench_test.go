package plan

import (
	"fmt"
	"testing"

	"github.com/xbake/xbake/internal/specgen"
	"github.com/xbake/xbake/spec"
)

// BenchmarkLoadAndPlan loads and plans generated specs; the goal is
// 10,000 targets loaded and planned in under a second (bench/plan.sh
// measures peak memory of the real command).
func BenchmarkLoadAndPlan(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		for _, shape := range []specgen.Shape{specgen.Wide, specgen.Deep} {
			src := specgen.HCL(n, shape)
			b.Run(fmt.Sprintf("%d-%s", n, shape), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					s, diags := spec.Load(spec.Options{Files: []string{"xbuild.hcl"}, Dir: b.TempDir(),
						LookupEnv: func(string) (string, bool) { return "", false },
						ReadFile:  func(string) ([]byte, error) { return src, nil }})
					if diags.HasErrors() {
						b.Fatal(diags.Error())
					}
					sel, _ := s.Select(nil)
					p, _ := New(s, sel, Options{})
					if len(p.Nodes) != n+1 {
						b.Fatalf("%d nodes", len(p.Nodes))
					}
				}
			})
		}
	}
}
