// Command gen writes a synthetic spec for benchmarks:
//
//	go run ./bench/gen -n 10000 -shape wide > /tmp/xbuild.hcl
package main

import (
	"flag"
	"os"

	"github.com/xbake/xbake/internal/specgen"
)

func main() {
	n := flag.Int("n", 1000, "number of targets")
	shape := flag.String("shape", "wide", "link shape: wide or deep")
	flag.Parse()
	os.Stdout.Write(specgen.HCL(*n, specgen.Shape(*shape)))
}
