package spec

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/xbake/xbake/internal/rule"
)

// stripRanges zeroes every hcl.Range in a value, so two models written in
// different syntaxes compare equal when their content is.
func stripRanges(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			stripRanges(v.Elem())
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(hcl.Range{}) {
			v.Set(reflect.Zero(v.Type()))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).CanSet() {
				stripRanges(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			stripRanges(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			if v.Type().Key() == reflect.TypeOf("") && v.Type().Elem() == reflect.TypeOf(hcl.Range{}) {
				v.SetMapIndex(k, reflect.Zero(v.Type().Elem()))
				continue
			}
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			stripRanges(e)
			v.SetMapIndex(k, e)
		}
	}
}

// xbake's own formats (xbuild.*): a bake file's --print leaves xbake's
// depends_on out, as bake prints it.
func TestHCLAndYAMLLoadTheSameModel(t *testing.T) {
	dir, _ := filepath.Abs("testdata/equiv")
	h, diags := loadFiles(t, Options{Dir: dir}, "xbuild.hcl")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	y, diags := loadFiles(t, Options{Dir: dir}, "xbuild.yaml")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if hp, yp := printAll(t, h, dir), printAll(t, y, dir); string(hp) != string(yp) {
		t.Errorf("--print differs:\nHCL:\n%s\nYAML:\n%s", hp, yp)
	}
	for _, s := range []*Spec{h, y} {
		s.Files, s.Sources = nil, nil
		stripRanges(reflect.ValueOf(s))
		for _, v := range s.Variables {
			v.Value = cty.StringVal(v.Value.GoString()) // cty values compare by content
		}
		for _, t := range s.Targets {
			t.Files = nil // the two files' paths differ by design
		}
	}
	if !reflect.DeepEqual(h.Targets, y.Targets) {
		hj, _ := json.MarshalIndent(h.Targets, "", " ")
		yj, _ := json.MarshalIndent(y.Targets, "", " ")
		t.Errorf("targets differ:\nHCL: %s\nYAML: %s", hj, yj)
	}
	for name, part := range map[string][2]any{
		"groups":    {h.Groups, y.Groups},
		"builders":  {h.Builders, y.Builders},
		"variables": {h.Variables, y.Variables},
		"names":     {h.TargetNames, y.TargetNames},
	} {
		if !reflect.DeepEqual(part[0], part[1]) {
			t.Errorf("%s differ:\nHCL: %#v\nYAML: %#v", name, part[0], part[1])
		}
	}
	if h.Targets["app"] == nil || len(h.Targets["app"].Platforms) != 2 {
		t.Fatalf("app not resolved as expected: %#v", h.Targets["app"])
	}
}

func TestVariablePrecedence(t *testing.T) {
	src := `
variable "TAG" { default = "default" }
variable "ON" { default = false }
variable "N" { default = 1 }
variable "LIST" { type = list(string) }
target "app" {
  tags = ["${TAG}", "${ON}", "${N + 1}"]
  platforms = LIST
}`
	env := map[string]string{"TAG": "env", "ON": "true", "N": "41", "LIST": "linux/arm64,linux/riscv64"}
	cases := []struct {
		name string
		vars map[string]string
		env  map[string]string
		want []string
	}{
		{"defaults", nil, nil, []string{"default", "false", "2"}},
		{"environment beats default", nil, env, []string{"env", "true", "42"}},
		{"--var beats environment", map[string]string{"TAG": "var", "N": "9"}, env, []string{"var", "true", "10"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, diags := loadSource(t, src, Options{Vars: tc.vars, LookupEnv: mapEnv(tc.env)})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if got := Values(s.Targets["app"].Tags); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("tags = %q, want %q", got, tc.want)
			}
		})
	}
	s, diags := loadSource(t, src, Options{LookupEnv: mapEnv(env)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got := Values(s.Targets["app"].Platforms); !reflect.DeepEqual(got, []string{"linux/arm64", "linux/riscv64"}) {
		t.Errorf("typed list from the environment, as CSV: platforms = %q", got)
	}
	env["LIST_JSON"] = `["linux/s390x"]` // a typed variable's NAME_JSON wins, as in bake
	s, diags = loadSource(t, src, Options{LookupEnv: mapEnv(env)})
	if got := Values(s.Targets["app"].Platforms); diags.HasErrors() || !reflect.DeepEqual(got, []string{"linux/s390x"}) {
		t.Errorf("typed list from LIST_JSON: platforms = %q %v", got, diags)
	}
	_, diags = loadSource(t, src, Options{Vars: map[string]string{"ON": "maybe"}})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), `"maybe" is not a boolean`) {
		t.Errorf("want an error for a non-boolean --var, got %v", diags)
	}
}

func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// loadSource loads one HCL spec held in memory.
func loadSource(t testing.TB, src string, opts Options) (*Spec, hcl.Diagnostics) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "xbuild.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	opts.Dir = dir
	return loadFiles(t, opts, "xbuild.hcl")
}

func TestOverrides(t *testing.T) {
	src := `
target "app" {
  tags = ["a"]
  platforms = ["linux/amd64"]
  args = { KEEP = "1" }
  output = ["type=docker"]
}
target "web" {
  tags = ["w"]
}
group "all" { targets = ["app", "web"] }`
	cases := []struct {
		sets   []string
		target string
		check  func(*Target) any
		want   any
	}{
		{[]string{"app.tags=b"}, "app", func(t *Target) any { return Values(t.Tags) }, []string{"b"}},
		{[]string{"app.tags+=b"}, "app", func(t *Target) any { return Values(t.Tags) }, []string{"a", "b"}},
		{[]string{"*.platform=linux/arm64", "*.platform=linux/riscv64"}, "web", func(t *Target) any { return Values(t.Platforms) }, []string{"linux/arm64", "linux/riscv64"}},
		{[]string{"all.args.V=2"}, "app", func(t *Target) any { return t.Args["V"].Value + t.Args["KEEP"].Value }, "21"},
		{[]string{"app.push=true"}, "app", func(t *Target) any { return typesOf(t) }, []string{"docker", "image"}},
		{[]string{"web.load=true"}, "web", func(t *Target) any { return typesOf(t) }, []string{"docker"}},
		{[]string{"app.output=type=local,dest=out"}, "app", func(t *Target) any { return typesOf(t) }, []string{"local"}},
		{[]string{"app.no-cache=true"}, "app", func(t *Target) any { return t.NoCache.Value }, true},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.sets, " "), func(t *testing.T) {
			overrides, diags := ParseOverrides(tc.sets, mapEnv(nil))
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			s, diags := loadSource(t, src, Options{Overrides: overrides})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if got := tc.check(s.Targets[tc.target]); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func typesOf(t *Target) []string {
	var out []string
	for _, e := range t.Outputs {
		out = append(out, e.Type)
	}
	return out
}

func TestOverrideMistakes(t *testing.T) {
	for arg, want := range map[string]string{
		"app.tagz=x":       `Did you mean "tags"?`,
		"app":              "must look like TARGET.KEY=VALUE",
		"app.args=x":       "args needs a name",
		"app.context+=dir": "+= adds to lists",
	} {
		_, diags := ParseOverrides([]string{arg}, mapEnv(nil))
		if !diags.HasErrors() || !strings.Contains(diags.Error(), want) {
			t.Errorf("--set %s: got %v, want %q", arg, diags, want)
		}
	}
	overrides, _ := ParseOverrides([]string{"nope.tags=x"}, mapEnv(nil))
	_, diags := loadSource(t, `target "app" {}`, Options{Overrides: overrides})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), `no target or group matches "nope"`) {
		t.Errorf("unmatched pattern: %v", diags)
	}
}

func TestMergeAndOverrideFiles(t *testing.T) {
	dir, _ := filepath.Abs("testdata/multi")
	s, diags := Load(Options{Dir: dir, LookupEnv: mapEnv(nil)}) // default files
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got, want := s.Files, []string{"xbuild.hcl", "xbuild.override.hcl"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("files = %q, want %q", got, want)
	}
	app := s.Targets["app"]
	if got := Values(app.Tags); got[0] != "example.com/app:from-override" {
		t.Errorf("the override file's variable default should win: %q", got)
	}
	if app.Args["A"].Value != "main" || app.Args["B"].Value != "override" {
		t.Errorf("args should merge key by key: %v", app.Args)
	}
	if r := app.Args["B"].Range; r.Filename != "xbuild.override.hcl" || r.Start.Line != 5 {
		t.Errorf("the merged arg should point into the override file, got %s", r)
	}
}

func TestStdinAndBakeDefaults(t *testing.T) {
	s, diags := Load(Options{Files: []string{"-"}, Stdin: strings.NewReader(`{"target": {"x": {"tags": ["a"]}}}`), LookupEnv: mapEnv(nil)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got := Values(s.Targets["x"].Tags); !reflect.DeepEqual(got, []string{"a"}) {
		t.Errorf("bake JSON from stdin: tags = %q", got)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "docker-bake.hcl"), []byte(`target "bake" {}`), 0o644)
	s, diags = Load(Options{Dir: dir, LookupEnv: mapEnv(nil)})
	if diags.HasErrors() || s.Targets["bake"] == nil {
		t.Fatalf("docker-bake.hcl should be read when no xbuild file exists: %v", diags)
	}
	// Beside docker-bake.hcl, an xbuild file is read on top of it (a
	// team migrating keeps both); a compose file alone beside an xbuild
	// file is not read.
	os.WriteFile(filepath.Join(dir, "xbuild.yaml"), []byte("targets:\n  mine: {}\n"), 0o644)
	s, diags = Load(Options{Dir: dir, LookupEnv: mapEnv(nil)})
	if diags.HasErrors() || s.Targets["mine"] == nil || s.Targets["bake"] == nil || !reflect.DeepEqual(s.Files, []string{"docker-bake.hcl", "xbuild.yaml"}) {
		t.Fatalf("docker-bake.hcl then xbuild.yaml should be read: %v %v %v", diags, s.Files, s.TargetNames)
	}
	os.Remove(filepath.Join(dir, "docker-bake.hcl"))
	os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services:\n  svc:\n    build: .\n"), 0o644)
	s, diags = Load(Options{Dir: dir, LookupEnv: mapEnv(nil)})
	if diags.HasErrors() || !reflect.DeepEqual(s.Files, []string{"xbuild.yaml"}) {
		t.Fatalf("a compose file alone beside xbuild.yaml is not read: %v %v", diags, s.Files)
	}
	_, diags = Load(Options{Dir: t.TempDir()})
	if !diags.HasErrors() || diags[0].Summary != "No spec file" {
		t.Errorf("empty directory: %v", diags)
	}
}

func TestRelativePathsFollowTheirFile(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "svc")
	os.MkdirAll(sub, 0o755)
	os.WriteFile(filepath.Join(sub, "xbuild.hcl"), []byte(`
target "svc" {
  context  = "."
  contexts = { lib = "../lib", img = "docker-image://alpine" }
  output   = ["type=local,dest=out"]
  secret   = ["id=s,src=secret.txt"]
  args     = { V = file("VERSION") }
}`), 0o644)
	os.WriteFile(filepath.Join(sub, "VERSION"), []byte("7"), 0o644)
	s, diags := Load(Options{Dir: root, Files: []string{"svc/xbuild.hcl"}, LookupEnv: mapEnv(nil)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	tg := s.Targets["svc"]
	checks := map[string][2]string{
		"context":     {tg.Context.Value, sub},
		"contexts":    {tg.Contexts["lib"].Value, filepath.Join(root, "lib")},
		"image":       {tg.Contexts["img"].Value, "docker-image://alpine"},
		"output dest": {tg.Outputs[0].Dest, filepath.Join(sub, "out")},
		"secret src":  {tg.Secrets[0].Src, filepath.Join(sub, "secret.txt")},
		"file()":      {tg.Args["V"].Value, "7"},
	}
	for what, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", what, c[0], c[1])
		}
	}
	out, _ := s.Print(&Selection{Targets: []string{"svc"}}, root)
	if !strings.Contains(string(out), `"context": "svc"`) {
		t.Errorf("--print should show the context relative to the working directory:\n%s", out)
	}
}

func TestSelection(t *testing.T) {
	s, diags := loadSource(t, `
group "default" { targets = ["a", "nested"] }
group "nested" { targets = ["b"] }
target "a" { contexts = { x = "target:hidden" } }
target "b" {}
target "c" {}
target "hidden" {}`, Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	cases := []struct {
		names []string
		want  []string
	}{
		{nil, []string{"a", "b"}},
		{[]string{"c"}, []string{"c"}},
		{[]string{"nested", "a"}, []string{"b", "a"}},
		{[]string{"[bc]"}, []string{"b", "c"}},
	}
	for _, tc := range cases {
		sel, diags := s.Select(tc.names)
		if diags.HasErrors() || !reflect.DeepEqual(sel.Targets, tc.want) {
			t.Errorf("Select(%q) = %q %v, want %q", tc.names, sel.Targets, diags, tc.want)
		}
	}
	if got := s.LinkedTargets([]string{"a"}); !reflect.DeepEqual(got, []string{"hidden"}) {
		t.Errorf("linked targets = %q", got)
	}
	_, diags = s.Select([]string{"d"})
	if !diags.HasErrors() || !strings.Contains(diags[0].Detail, `Did you mean "a"?`) && !strings.Contains(diags[0].Detail, "Did you mean") {
		t.Errorf("unknown target: %v", diags)
	}
	noDefault, _ := loadSource(t, `
target "x" {}
target "y" {}`, Options{})
	sel, _ := noDefault.Select(nil)
	if !sel.All || !reflect.DeepEqual(sel.Targets, []string{"x", "y"}) {
		t.Errorf("no default group: every target, got %q", sel.Targets)
	}
}

// TestBuilderEndpointsUseVariables: one spec for laptops and CI.
func TestBuilderEndpointsUseVariables(t *testing.T) {
	src := `
variable "ARM_HOST" {
  default = "tcp://arm.example.internal:1234"
}
builder "farm" {
  driver = "remote"
  node "arm" {
    endpoint  = ARM_HOST
    platforms = ["linux/arm64"]
    tls {
      ca = "certs/ca.pem"
    }
  }
}`
	s, diags := loadSource(t, src, Options{LookupEnv: mapEnv(map[string]string{"ARM_HOST": "unix:///run/buildkit/arm.sock"})})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	n := s.Builders["farm"].Nodes[0]
	if n.Endpoint.Value != "unix:///run/buildkit/arm.sock" || !strings.HasSuffix(n.TLS.CA, "/certs/ca.pem") || !filepath.IsAbs(n.TLS.CA) {
		t.Errorf("node = %+v, tls %+v", n, n.TLS)
	}
}

// TestOneDidYouMean: a typo of a name gets the same suggestion wherever
// it is written; a builder's name in the spec as on the command line
// (where the plan suggests), and the built-in local builder too.
func TestOneDidYouMean(t *testing.T) {
	for given, want := range map[string]string{"abc": `Did you mean "abd"?`, "locl": `Did you mean "local"?`} {
		src := "builder \"abd\" {\n  driver = \"remote\"\n  endpoint = \"tcp://127.0.0.1:1\"\n}\ntarget \"app\" {\n  builder = \"" + given + "\"\n}\n"
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "xbuild.hcl"), []byte(src), 0o644)
		_, diags := Load(Options{Dir: dir, Files: []string{"xbuild.hcl"}})
		if !diags.HasErrors() || !strings.Contains(diags.Error(), want) {
			t.Errorf("builder = %q: want %q in:\n%s", given, want, diags.Error())
		}
	}
}

// TestEveryFindingHasAnID: every diagnostic of every invalid fixture
// carries a rule ID, for plan --format json, the report and --ignore.
func TestEveryFindingHasAnID(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*")
	for _, f := range files {
		_, diags := Load(Options{Dir: filepath.Dir(f), Files: []string{filepath.Base(f)}, LookupEnv: func(string) (string, bool) { return "", false }})
		for _, d := range diags {
			if rule.Of(d) == "" {
				t.Errorf("%s: %q has no ID", f, d.Summary)
			}
		}
	}
}

// TestOneGroupExpansion: a group is expanded one way for the selection,
// for --set and for depends_on: group "app" names the target app and
// the worker, so --set all.args.X reaches both, as the selection does.
func TestOneGroupExpansion(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "xbuild.hcl"), []byte(`
group "all" { targets = ["app"] }
group "app" { targets = ["app", "worker"] }
target "app" {}
target "worker" {}
target "after" { depends_on = ["all"] }
`), 0o644)
	set, _ := ParseOverrides([]string{"all.args.X=1"}, func(string) (string, bool) { return "", false })
	s, diags := Load(Options{Dir: dir, Files: []string{"xbuild.hcl"}, Overrides: set, LookupEnv: func(string) (string, bool) { return "", false }})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	sel, _ := s.Select([]string{"all"})
	var overridden []string
	for _, name := range []string{"app", "worker"} {
		if s.Targets[name].Args["X"].Value == "1" {
			overridden = append(overridden, name)
		}
	}
	members := s.Members("all")
	if fmt.Sprint(sel.Targets) != "[app worker]" || fmt.Sprint(overridden) != "[app worker]" || fmt.Sprint(members) != "[app worker]" {
		t.Errorf("selection %v, --set %v, depends_on %v: want [app worker] each", sel.Targets, overridden, members)
	}
}
