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

// BenchmarkLoadBake loads docker-bake.hcl files shaped like real ones
// (inherits with interpolation, a conditional output, a shared named
// context, target: links, groups, a matrix): issue 12's goal is 2,000
// targets 20 times faster than buildx bake --print and 10,000 in under
// a second; bench/spec-load.sh prints the ratio against buildx.
func BenchmarkLoadBake(b *testing.B) {
	for _, n := range []int{2000, 10000} {
		src := specgen.BakeHCL(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s, diags := Load(Options{
					Files: []string{"docker-bake.hcl"}, Dir: "/", LookupEnv: mapEnv(nil),
					ReadFile: func(string) ([]byte, error) { return src, nil },
				})
				// n services, _common and the matrix's four.
				if diags.HasErrors() || len(s.Targets) != n+5 {
					b.Fatalf("%d targets, %v", len(s.Targets), diags)
				}
			}
		})
	}
}
