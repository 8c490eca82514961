package plan

import (
	"flag"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xbake/xbake/spec"
)

var update = flag.Bool("update", false, "rewrite golden files")

func names(nodes []*Node) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.Name)
	}
	return out
}

func TestGraph(t *testing.T) {
	dir, _ := filepath.Abs("testdata/valid")
	s, diags := spec.Load(spec.Options{Files: []string{"graph.hcl"}, Dir: dir, LookupEnv: func(string) (string, bool) { return "", false }})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	sel, _ := s.Select(nil)
	p, diags := New(s, sel, Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got, want := names(p.Nodes), []string{"base", "migrate", "api", "worker"}; !reflect.DeepEqual(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
	if got := [][]string{names(p.Levels[0]), names(p.Levels[1])}; !reflect.DeepEqual(got, [][]string{{"base", "migrate"}, {"api", "worker"}}) {
		t.Errorf("levels = %v", got)
	}
	if got := names(p.CriticalPath); !reflect.DeepEqual(got, []string{"base", "api"}) {
		t.Errorf("critical path = %v", got)
	}
	base, migrate, api := p.Node("base"), p.Node("migrate"), p.Node("api")
	if !base.Implicit || !migrate.Implicit || api.Implicit {
		t.Errorf("implicit: base %v migrate %v api %v", base.Implicit, migrate.Implicit, api.Implicit)
	}
	if len(base.Outputs) != 1 || base.Outputs[0].Type != "cacheonly" {
		t.Errorf("a context-only target builds to the cache only, got %v", base.Outputs)
	}
	// migrate is waited for with depends_on: it builds its own output.
	if len(migrate.Outputs) != 1 || migrate.Outputs[0].Type != "local" {
		t.Errorf("migrate outputs = %v", migrate.Outputs)
	}
	// --push pushes the image of every target that builds one, and, as
	// bake's, leaves a target that writes files alone.
	pushed, _ := New(s, sel, Options{Push: true})
	if got := pushed.Node("migrate").Outputs; len(got) != 1 || got[0].Type != "local" {
		t.Errorf("--push: migrate outputs = %v", got)
	}
	if got := pushed.Node("api").Outputs; len(got) == 0 || !got[len(got)-1].Pushes() {
		t.Errorf("--push: api outputs = %v", got)
	}
	if got := pushed.Node("base").Outputs; len(got) != 1 || got[0].Type != "cacheonly" {
		t.Errorf("--push must not push a context-only target: %v", got)
	}
	if p.Node("tools") != nil {
		t.Error("tools is neither selected nor needed")
	}
	if api.Builder != BuiltinBuilder {
		t.Errorf("builder = %q", api.Builder)
	}
}

func TestBuilderChoice(t *testing.T) {
	src := `
builder "farm" {
  driver   = "remote"
  endpoint = "tcp://127.0.0.1:1"
  default  = true
}
builder "other" {
  driver   = "remote"
  endpoint = "tcp://127.0.0.1:2"
}
target "a" {
  dockerfile-inline = "FROM scratch"
  output = ["type=cacheonly"]
}
target "b" {
  builder = "other"
  dockerfile-inline = "FROM scratch"
  output = ["type=cacheonly"]
}`
	s, sel := loadMemory(t, src)
	for flag, want := range map[string][2]string{"": {"farm", "other"}, "local": {"local", "other"}} {
		p, diags := New(s, sel, Options{Builder: flag})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		if got := [2]string{p.Node("a").Builder, p.Node("b").Builder}; got != want {
			t.Errorf("--builder %q: builders = %v, want %v", flag, got, want)
		}
	}
	if _, diags := New(s, sel, Options{Builder: "farn"}); !diags.HasErrors() || diags[0].Detail == "" {
		t.Errorf("unknown --builder: %v", diags)
	}
}

func TestPlacementOverNodes(t *testing.T) {
	src := `
builder "farm" {
  driver = "remote"
  node "amd" {
    endpoint  = "tcp://127.0.0.1:1"
    platforms = ["linux/amd64"]
  }
  node "arm" {
    endpoint  = "tcp://127.0.0.1:2"
    platforms = ["linux/arm64"]
  }
}
target "t" {
  builder           = "farm"
  platforms         = ["linux/amd64", "linux/arm64", "linux/riscv64"]
  dockerfile-inline = "FROM scratch"
  output            = ["type=cacheonly"]
}`
	s, sel := loadMemory(t, src)
	p, _ := New(s, sel, Options{})
	got := p.Node("t").Placement
	want := []Placement{
		{Node: "amd", Platforms: []string{"linux/amd64"}},
		{Node: "arm", Platforms: []string{"linux/arm64"}},
		{Node: "amd", Platforms: []string{"linux/riscv64"}, Emulated: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("placement = %+v", got)
	}
	// A file output cannot be joined across nodes: everything builds on
	// the first platform's node, the rest emulated.
	unsplit := Place(s.Builders["farm"], []string{"linux/arm64", "linux/amd64"}, false)
	if want := []Placement{{Node: "arm", Platforms: []string{"linux/arm64"}}, {Node: "arm", Platforms: []string{"linux/amd64"}, Emulated: true}}; !reflect.DeepEqual(unsplit, want) {
		t.Errorf("unsplittable placement = %+v", unsplit)
	}
}

// loadMemory loads one HCL spec held in memory and selects its default.
func loadMemory(t *testing.T, src string) (*spec.Spec, *spec.Selection) {
	t.Helper()
	s, diags := spec.Load(spec.Options{Files: []string{"xbuild.hcl"}, Dir: t.TempDir(), LookupEnv: func(string) (string, bool) { return "", false },
		ReadFile: func(string) ([]byte, error) { return []byte(src), nil }})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	sel, _ := s.Select(nil)
	return s, sel
}

// A target that uses p as a context and depends_on p waits for p's
// result on both edges: p is done only after u has used it, so waiting
// for p to be done would wait forever.
func TestDependsOnAContextParentWaitsForItsResult(t *testing.T) {
	p, diags := planFixture(t, "testdata/rules/keepalive.hcl", nil)
	u := p.Node("u")
	if len(u.Needs) != 2 {
		t.Fatalf("u needs %d edges, want 2", len(u.Needs))
	}
	for _, e := range u.Needs {
		if e.Waits != WaitResult {
			t.Errorf("u -> %s (%s) waits for %q, want its result", e.To.Name, e.describe(), e.Waits)
		}
	}
	if e := p.Node("q").Needs[0]; e.Waits != WaitDone {
		t.Errorf("q -> p (depends_on only) waits for %q, want done", e.Waits)
	}
	n := 0
	for _, d := range diags {
		if d.Summary == "Dependency cycle" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d dependency cycles reported, want 1 (v through q): %v", n, diags)
	}
}

// A target without platforms that others use as a context builds the
// platforms of its users, down a chain of links; the plan says so, and
// the run builds exactly that (exec reads Node.Platforms).
func TestLinkedTargetInheritsItsUsersPlatforms(t *testing.T) {
	s, sel := loadMemory(t, `target "base" {
  dockerfile-inline = "FROM scratch"
}
target "lib" {
  dockerfile-inline = "FROM base"
  contexts = { base = "target:base" }
}
target "app" {
  dockerfile-inline = "FROM lib"
  contexts  = { lib = "target:lib" }
  platforms = ["linux/amd64", "linux/arm64"]
  output    = ["type=cacheonly"]
}
target "cli" {
  dockerfile-inline = "FROM lib"
  contexts  = { lib = "target:lib" }
  platforms = ["linux/riscv64"]
  output    = ["type=cacheonly"]
}
`)
	p, _ := New(s, sel, Options{SkipDigests: true})
	for _, name := range []string{"lib", "base"} {
		n := p.Node(name)
		if got := strings.Join(n.Platforms, ","); got != "linux/amd64,linux/arm64,linux/riscv64" || !n.PlatformsFromUsers {
			t.Errorf("%s builds %q (from users: %v), want the union of its users'", name, got, n.PlatformsFromUsers)
		}
	}
	var b strings.Builder
	WriteText(&b, p, nil, TextOptions{})
	if !strings.Contains(b.String(), "linux/amd64, linux/arm64, linux/riscv64 (those of the targets that use it)") {
		t.Errorf("plan text does not show the inherited platforms:\n%s", b.String())
	}
}
