package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/xbake/xbake/spec"
)

const messy = `variable "TAG" {
default="dev"   # the tag
}
target "app" {
    context="."
  tags = ["example.com/app:${TAG}"]
      platforms=["linux/amd64"]
}
`

// TestFmt: --check lists a file that would change and exits 1, --diff
// shows the change, fmt rewrites it (comments kept, the spec the same),
// and a second fmt changes nothing.
func TestFmt(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "xbuild.hcl", messy)
	writeFile(t, dir, "other.yaml", "target: {}\n")
	code, out, errOut := xbake(t, dir, "", "fmt", "--check")
	if code != 1 || strings.TrimSpace(out) != "xbuild.hcl" || !strings.Contains(errOut, "1 file is not formatted") {
		t.Errorf("fmt --check: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = xbake(t, dir, "", "fmt", "--check", "--diff")
	if code != 1 || !strings.Contains(out, "-default=\"dev\"   # the tag\n+  default = \"dev\" # the tag") {
		t.Errorf("fmt --check --diff: exit %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "xbuild.hcl")); string(b) != messy {
		t.Fatalf("--check changed the file")
	}
	_, before, _ := xbake(t, dir, "", "plan", "--print")
	if code, out, errOut = xbake(t, dir, "", "fmt"); code != 0 || strings.TrimSpace(out) != "xbuild.hcl" {
		t.Errorf("fmt: exit %d\n%s%s", code, out, errOut)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "xbuild.hcl"))
	if !strings.Contains(string(b), "  default = \"dev\" # the tag\n") || !strings.Contains(string(b), "  context   = \".\"\n") {
		t.Errorf("formatted:\n%s", b)
	}
	if _, after, _ := xbake(t, dir, "", "plan", "--print"); after != before {
		t.Errorf("the spec changed:\n%s\nthen\n%s", before, after)
	}
	if code, out, _ = xbake(t, dir, "", "fmt", "--check"); code != 0 || out != "" {
		t.Errorf("a second fmt --check: exit %d\n%s", code, out)
	}
	code, _, errOut = xbake(t, dir, "", "fmt", "other.yaml")
	if code != 0 || !strings.Contains(errOut, "other.yaml: left alone") {
		t.Errorf("fmt of YAML: exit %d\n%s", code, errOut)
	}
	writeFile(t, dir, "broken.hcl", "target \"x\" {\n  tags = [\n}\n")
	code, _, errOut = xbake(t, dir, "", "fmt", "broken.hcl")
	if code != 1 || !strings.Contains(errOut, "broken.hcl:3:1") {
		t.Errorf("fmt of a file that does not parse: exit %d\n%s", code, errOut)
	}
}

var hclBlock = regexp.MustCompile("(?s)```hcl\n(.*?)```")

// TestFmtOnEveryHCLFileWeHave: fmt is idempotent on every HCL file of
// examples/, the test fixtures and the docs' examples that parse, and a
// spec that loads loads the same after it.
func TestFmtOnEveryHCLFileWeHave(t *testing.T) {
	sources := map[string][]byte{}
	for _, root := range []string{"../../examples", "../../spec/testdata", "../../internal/plan/testdata", "../../xbuild.hcl"} {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".hcl") {
				sources[path], _ = os.ReadFile(path)
			}
			return nil
		})
	}
	docs, _ := filepath.Glob("../../docs/*.md")
	for _, f := range docs {
		b, _ := os.ReadFile(f)
		for i, m := range hclBlock.FindAllSubmatch(b, -1) {
			sources[f+"#"+string(rune('a'+i%26))+strings.Repeat("'", i/26)] = m[1]
		}
	}
	formatted, loaded := 0, 0
	for name, src := range sources {
		once, diags := formatHCL(name, src)
		if diags.HasErrors() {
			continue // a fixture of a syntax error
		}
		formatted++
		if twice := hclwrite.Format(once); !bytes.Equal(once, twice) {
			t.Errorf("%s: a second fmt changes it again", name)
		}
		before, ok := printSpec(t, src)
		if !ok {
			continue
		}
		after, ok := printSpec(t, once)
		if !ok || after != before {
			t.Errorf("%s: the spec differs after fmt:\n%s\nthen\n%s", name, before, after)
		}
		loaded++
	}
	if formatted < 100 || loaded < 50 {
		t.Errorf("only %d files formatted and %d loaded: the walk missed the fixtures", formatted, loaded)
	}
}

// printSpec loads src alone (with no environment) and prints every target.
func printSpec(t *testing.T, src []byte) (string, bool) {
	dir := t.TempDir()
	s, diags := spec.Load(spec.Options{Files: []string{"xbuild.hcl"}, Dir: dir, LookupEnv: func(string) (string, bool) { return "", false },
		ReadFile: func(p string) ([]byte, error) {
			if filepath.Base(p) == "xbuild.hcl" {
				return src, nil
			}
			return os.ReadFile(p)
		}})
	if diags.HasErrors() || len(s.Targets) == 0 {
		return "", false
	}
	var names []string
	for n := range s.Targets {
		names = append(names, n)
	}
	out, err := s.Print(&spec.Selection{Targets: names}, dir)
	if err != nil {
		return "", false
	}
	return strings.ReplaceAll(string(out), dir, "DIR"), true
}

// TestFmtThroughASymlink is the repro: a spec that is a link to
// a 0600 file is formatted in the file it points to, the link stays.
func TestFmtThroughASymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.hcl")
	if err := os.WriteFile(real, []byte("target \"a\" {\ncontext=\".\"\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.hcl", filepath.Join(dir, "xbuild.hcl")); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := xbake(t, dir, "", "fmt", "xbuild.hcl"); code != 0 {
		t.Fatalf("fmt: exit %d\n%s", code, errOut)
	}
	if info, err := os.Lstat(filepath.Join(dir, "xbuild.hcl")); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("xbuild.hcl is no longer a link")
	}
	b, _ := os.ReadFile(real)
	if !strings.Contains(string(b), "  context = \".\"\n") {
		t.Fatalf("real.hcl was not formatted:\n%s", b)
	}
	if info, _ := os.Stat(real); info.Mode().Perm() != 0o600 {
		t.Fatalf("real.hcl's mode is %v, want 0600", info.Mode().Perm())
	}
}
