package spec

import (
	"fmt"
	"testing"

	"github.com/xbake/xbake/internal/specgen"
)

// BenchmarkLoad loads generated specs; the goal is 10,000 targets in
// under a second. Peak memory is measured by bench/spec-load.sh.
func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		for _, shape := range []specgen.Shape{specgen.Wide, specgen.Deep} {
			src := specgen.HCL(n, shape)
			b.Run(fmt.Sprintf("%d-%s", n, shape), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					s, diags := Load(Options{
						Files: []string{"xbuild.hcl"}, Dir: "/", LookupEnv: mapEnv(nil),
						ReadFile: func(string) ([]byte, error) { return src, nil },
					})
					if diags.HasErrors() || len(s.Targets) != n+1 {
						b.Fatalf("%d targets, %v", len(s.Targets), diags)
					}
				}
			})
		}
	}
}
