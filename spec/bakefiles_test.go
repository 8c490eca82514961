package spec

// How a file is read depends on whose it is: a bake file as bake reads
// it, an xbuild.* file as xbake's own. The bake side is checked against
// bake's recorded output in testdata/compat (cmd/xbake's TestBakeCompat);
// these tests hold the difference between the two.

import (
	"path/filepath"
	"strings"
	"testing"
)

const groupWithUnknownMember = `group "default" { targets = ["a"] }
group "other" { targets = ["a", "nope"] }
target "a" {}
`

func TestUnknownGroupMember(t *testing.T) {
	t.Run("bake file: only when selected", func(t *testing.T) {
		dir := writeTree(t, map[string]string{"docker-bake.hcl": groupWithUnknownMember})
		s, diags := loadFiles(t, Options{Dir: dir}, "docker-bake.hcl")
		if diags.HasErrors() {
			t.Fatalf("loading reported %s; bake says nothing until the group is selected", diags.Error())
		}
		if _, diags := s.Select(nil); diags.HasErrors() {
			t.Fatalf("selecting default: %s", diags.Error())
		}
		_, diags = s.Select([]string{"other"})
		if !diags.HasErrors() || !strings.Contains(diags.Error(), `docker-bake.hcl:2,33-39: Unknown target; Group "other" lists "nope"`) {
			t.Fatalf("selecting other: %v", diags)
		}
	})
	t.Run("xbuild file: when loaded", func(t *testing.T) {
		dir := writeTree(t, map[string]string{"xbuild.hcl": groupWithUnknownMember})
		_, diags := loadFiles(t, Options{Dir: dir}, "xbuild.hcl")
		if !diags.HasErrors() || !strings.Contains(diags.Error(), `xbuild.hcl:2,33-39: Unknown target;`) {
			t.Fatalf("loading: %v", diags)
		}
	})
}

// A bake file's paths start at the working directory (its contexts at
// its own directory with BUILDX_BAKE_FILE_RELATIVE_PATHS); an xbuild
// file's at its own directory.
func TestPathsStartWhereTheFileSays(t *testing.T) {
	src := `target "a" {
  context = "."
  output = ["type=local,dest=out"]
}
`
	cases := []struct {
		file, env       string
		context, output string
	}{
		{"docker/docker-bake.hcl", "", "", "out"},
		{"docker/docker-bake.hcl", "1", "docker", "out"},
		{"docker/docker-bake.hcl", "false", "", "out"},
		{"docker/xbuild.hcl", "", "docker", "docker/out"},
		{"docker/xbuild.hcl", "1", "docker", "docker/out"},
	}
	for _, c := range cases {
		t.Run(c.file+" "+c.env, func(t *testing.T) {
			dir := writeTree(t, map[string]string{c.file: src})
			lookup := func(name string) (string, bool) {
				if name == "BUILDX_BAKE_FILE_RELATIVE_PATHS" && c.env != "" {
					return c.env, true
				}
				return "", false
			}
			s, diags := loadFiles(t, Options{Dir: dir, LookupEnv: lookup}, c.file)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			a := s.Targets["a"]
			if got, want := a.Context.Value, filepath.Join(dir, c.context); got != want {
				t.Errorf("context = %s, want %s", got, want)
			}
			if got, want := a.Outputs[0].Dest, filepath.Join(dir, c.output); got != want {
				t.Errorf("dest = %s, want %s", got, want)
			}
		})
	}
	t.Run("invalid variable", func(t *testing.T) {
		dir := writeTree(t, map[string]string{"docker-bake.hcl": src})
		lookup := func(name string) (string, bool) { return "maybe", name == "BUILDX_BAKE_FILE_RELATIVE_PATHS" }
		_, diags := loadFiles(t, Options{Dir: dir, LookupEnv: lookup}, "docker-bake.hcl")
		if !diags.HasErrors() || !strings.Contains(diags.Error(), "BUILDX_BAKE_FILE_RELATIVE_PATHS") {
			t.Fatalf("diags = %v", diags)
		}
	})
}
