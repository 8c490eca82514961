package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// loadYAML loads src as xbuild.yaml, with no environment.
func loadYAML(t *testing.T, src string) (*Spec, hcl.Diagnostics) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "xbuild.yaml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return loadFiles(t, Options{Dir: dir, LookupEnv: func(string) (string, bool) { return "", false }}, "xbuild.yaml")
}

// TestYAMLMergeKeys: << merges as YAML defines it (a key written beats a
// merged one, an earlier source beats a later one), and top-level x- keys
// hold anchors without meaning anything.
func TestYAMLMergeKeys(t *testing.T) {
	s, diags := loadYAML(t, `x-defaults: &svc
  platforms: [linux/amd64, linux/arm64]
  args: { GO: "1.26" }
  tags: [example.com/svc:base]
x-debug: &debug
  args: { DEBUG: "1" }
  tags: [example.com/svc:debug-base]
targets:
  api:
    <<: *svc
    tags: [example.com/api:1]
  debug:
    <<: [*debug, *svc]
`)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	api, debug := s.Targets["api"], s.Targets["debug"]
	if api == nil || debug == nil || len(s.Targets) != 2 {
		t.Fatalf("targets: %v", s.Targets)
	}
	if got := strings.Join(Values(api.Tags), ","); got != "example.com/api:1" {
		t.Errorf("api tags %s: the key written beats the merged one", got)
	}
	if got := strings.Join(Values(api.Platforms), ","); got != "linux/amd64,linux/arm64" || api.Args["GO"].Value != "1.26" {
		t.Errorf("api platforms %s, args %v: merged from x-defaults", got, api.Args)
	}
	if got := strings.Join(Values(debug.Tags), ","); got != "example.com/svc:debug-base" || debug.Args["DEBUG"].Value != "1" {
		t.Errorf("debug tags %s args %v: the earlier source beats the later", got, debug.Args)
	}
	if r := api.Platforms[0].Range; r.Start.Line != 2 {
		t.Errorf("a merged value is placed where its anchor wrote it: %v", r)
	}
}

// TestUnparsedIncludeIsOneError: an included file that does not parse
// gives its syntax error, which names the uses of what it declared, and
// not one error per use.
func TestUnparsedIncludeIsOneError(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "services.yaml"), []byte("targets:\n  api:\n\tcontext: api\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "xbuild.yaml"), []byte("include: [services.yaml]\ngroups:\n  backend:\n    targets: [api]\n  all:\n    targets: [api, backend]\n"), 0o644)
	_, diags := loadFiles(t, Options{Dir: dir, LookupEnv: func(string) (string, bool) { return "", false }}, "xbuild.yaml")
	var errs []*hcl.Diagnostic
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs = append(errs, d)
		}
	}
	if len(errs) != 1 || errs[0].Summary != "Tab used for indentation" || errs[0].Subject.Start.Line != 3 || !strings.Contains(errs[0].Detail, "the 2 uses of it elsewhere (xbuild.yaml:4, xbuild.yaml:6)") {
		t.Errorf("want one error at services.yaml:3 naming its 2 uses, got:\n%s", diags.Error())
	}
}

// TestYAMLNumbersThatChangeTheirText: GO: 1.20 is the number 1.2 in YAML;
// where a string is expected it becomes "1.2", with a warning at the
// value that says to quote it. A number that keeps its text says nothing.
func TestYAMLNumbersThatChangeTheirText(t *testing.T) {
	s, diags := loadYAML(t, "targets:\n  app:\n    args:\n      GO: 1.20\n      N: 3\n      OK: \"1.20\"\n      FLAG: True\n")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got := s.Targets["app"].Args["GO"].Value; got != "1.2" {
		t.Errorf("GO = %q: YAML's number, as bake reads it too", got)
	}
	var warnings []string
	for _, d := range diags {
		if d.Summary == "Unquoted value changes its text" {
			warnings = append(warnings, fmt.Sprintf("%d:%d %s", d.Subject.Start.Line, d.Subject.Start.Column, d.Detail))
		}
	}
	if len(warnings) != 2 || !strings.HasPrefix(warnings[0], "4:11 YAML reads 1.20 as a number, so where a string is expected it becomes \"1.2\". Quote it (\"1.20\")") ||
		!strings.HasPrefix(warnings[1], "7:13 YAML reads True as a boolean") {
		t.Errorf("warnings: %q", warnings)
	}
}
