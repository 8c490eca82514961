// Command gen writes a synthetic spec for benchmarks into a directory,
// with a context directory and Dockerfile per target:
//
//	go run ./bench/gen -n 10000 -shape wide -dir /tmp/mono
//
// -shape bake writes a docker-bake.hcl shaped like real bake files
// instead (see specgen.BakeHCL), with the shared tools/ directory.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/xbake/xbake/internal/specgen"
)

func main() {
	n := flag.Int("n", 1000, "number of targets")
	shape := flag.String("shape", "wide", "link shape: wide or deep, or bake for a docker-bake.hcl like real projects write")
	dir := flag.String("dir", ".", "directory to write xbuild.hcl and services/ into")
	flag.Parse()
	if err := write(*dir, *n, specgen.Shape(*shape)); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func write(dir string, n int, shape specgen.Shape) error {
	for i := 0; i < n; i++ {
		svc := filepath.Join(dir, "services", fmt.Sprintf("svc-%05d", i))
		if err := os.MkdirAll(svc, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(svc, "Dockerfile"), []byte("FROM scratch\nCOPY . /\n"), 0o644); err != nil {
			return err
		}
	}
	// _common is a target too (bake has no abstract targets): give its
	// context, the spec's directory, a Dockerfile.
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		return err
	}
	if shape == "bake" {
		return writeBake(dir, n)
	}
	return os.WriteFile(filepath.Join(dir, "xbuild.hcl"), specgen.HCL(n, shape), 0o644)
}

// writeBake writes the bake-shaped file and the directory its targets
// share as the named context "tools".
func writeBake(dir string, n int) error {
	tools := filepath.Join(dir, specgen.BakeDir)
	if err := os.MkdirAll(tools, 0o755); err != nil {
		return err
	}
	for _, f := range []string{"Dockerfile", "lint.sh", "VERSION"} {
		if err := os.WriteFile(filepath.Join(tools, f), []byte("FROM scratch\n"), 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "docker-bake.hcl"), specgen.BakeHCL(n), 0o644)
}
