package spec

import (
	"os"
	"path/filepath"
	"testing"
)

// loadBytes loads one in-memory file under name and exercises what a
// command does next (selection and --print); it must never panic.
func loadBytes(t *testing.T, name string, src []byte) {
	s, _ := Load(Options{
		Files:     []string{name},
		Dir:       t.TempDir(),
		LookupEnv: mapEnv(nil),
		ReadFile:  func(string) ([]byte, error) { return src, nil },
	})
	if s == nil {
		t.Fatal("Load returned no spec")
	}
	sel, _ := s.Select(nil)
	if sel != nil {
		if _, err := s.Print(sel, "/"); err != nil {
			t.Fatalf("print: %v", err)
		}
	}
}

func addSeeds(f *testing.F, patterns ...string) {
	for _, p := range patterns {
		files, _ := filepath.Glob(p)
		for _, file := range files {
			if filepath.Base(file) == "limits.hcl" {
				continue // builds 16 MiB strings on purpose: too slow to mutate
			}
			if src, err := os.ReadFile(file); err == nil {
				f.Add(src)
			}
		}
	}
}

func FuzzLoadHCL(f *testing.F) {
	addSeeds(f, "testdata/*/*.hcl")
	f.Fuzz(func(t *testing.T, src []byte) { loadBytes(t, "xbuild.hcl", src) })
}

func FuzzLoadYAML(f *testing.F) {
	addSeeds(f, "testdata/*/*.yaml")
	f.Fuzz(func(t *testing.T, src []byte) { loadBytes(t, "xbuild.yaml", src) })
}

func FuzzLoadJSON(f *testing.F) {
	addSeeds(f, "testdata/*/*.json")
	f.Add([]byte(`{"targets": {"a": {"tags": ["x"]}}}`))
	f.Fuzz(func(t *testing.T, src []byte) { loadBytes(t, "xbuild.json", src) })
}

func FuzzLoadCompose(f *testing.F) {
	addSeeds(f, "testdata/compat/files/*/compose.yaml")
	f.Add([]byte("services:\n  a:\n    build: .\n    image: x/a:${TAG:-1}\n"))
	f.Fuzz(func(t *testing.T, src []byte) { loadBytes(t, "compose.yaml", src) })
}
