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

// typedVariables declares a variable of every kind of type and uses each
// where its shape matters (a matrix, a for expression, an index), so
// that an environment value of another shape reaches every use.
const typedVariables = `
variable "LIST" {
  type    = list(string)
  default = ["a", "b"]
}
variable "SET" {
  type    = set(number)
  default = [1, 2]
}
variable "TUPLE" {
  type    = tuple([string, number])
  default = ["x", 1]
}
variable "MAP" {
  type    = map(string)
  default = { k = "v" }
}
variable "OBJ" {
  type    = object({ name = string, tags = list(string) })
  default = { name = "n", tags = ["t"] }
}
variable "UNTYPED" {
  default = ["u1", "u2"]
}
target "m" {
  matrix = { l = LIST, s = SET, u = UNTYPED, t = OBJ.tags }
  name   = "m-${l}-${s}-${u}-${t}"
  args   = { T0 = TUPLE[0], K = lookup(MAP, "k", "none"), N = OBJ.name }
  tags   = [for v in LIST : "r/${v}:1"]
  output = ["type=cacheonly"]
}
`

// FuzzTypedVariableEnv sets each typed variable from the environment
// (as text and as _JSON) to whatever the fuzzer makes: the loader must
// report a value of another shape, never panic.
func FuzzTypedVariableEnv(f *testing.F) {
	for _, seed := range []string{"a,b,c", "", "x", "1,2", `["a"]`, `[1`, `{"name":"y"}`, `{"name":"y","tags":[]}`, `{"k":1}`, "null", `[["a"]]`} {
		for which := range uint8(6) {
			f.Add(seed, which)
			f.Add(seed, which|0x80)
		}
	}
	names := []string{"LIST", "SET", "TUPLE", "MAP", "OBJ", "UNTYPED"}
	f.Fuzz(func(t *testing.T, value string, which uint8) {
		name := names[int(which)%len(names)]
		if which&0x80 != 0 {
			name += "_JSON"
		}
		s, _ := Load(Options{
			Files:     []string{"xbuild.hcl"},
			Dir:       t.TempDir(),
			LookupEnv: mapEnv(map[string]string{name: value}),
			ReadFile:  func(string) ([]byte, error) { return []byte(typedVariables), nil },
		})
		if sel, _ := s.Select(nil); sel != nil {
			if _, err := s.Print(sel, "/"); err != nil {
				t.Fatalf("print: %v", err)
			}
		}
	})
}
