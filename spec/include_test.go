package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestInclude(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"xbuild.hcl":                     "include = [\"services/*/xbuild.*\"]\nvariable \"TAG\" {\n  default = \"1\"\n}\n",
		"services/api/xbuild.hcl":        "target \"api\" {\n  context = \".\"\n  tags = [\"x/api:${TAG}\"]\n}\n",
		"services/web/xbuild.yaml":       "include: [nested/xbuild.hcl]\ntargets:\n  web:\n    context: .\n",
		"services/web/nested/xbuild.hcl": "target \"nested\" {\n  context = \".\"\n}\n",
	})
	s, diags := Load(Options{Dir: dir, LookupEnv: mapEnv(nil)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	for name, want := range map[string]string{"api": "services/api", "web": "services/web", "nested": "services/web/nested"} {
		tg := s.Targets[name]
		if tg == nil {
			t.Fatalf("target %s not loaded; files %v", name, s.Files)
		}
		if tg.Context.Value != filepath.Join(dir, want) {
			t.Errorf("%s: context %s, want %s (relative to its own file)", name, tg.Context.Value, want)
		}
	}
	if got := Values(s.Targets["api"].Tags); got[0] != "x/api:1" {
		t.Errorf("included files see the variables: %v", got)
	}
}

func TestIncludeDuplicateNamesShowBothPositions(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"xbuild.hcl":   "include = [\"a/xbuild.hcl\", \"b/xbuild.hcl\", \"missing.hcl\"]\n",
		"a/xbuild.hcl": "target \"api\" {}\n",
		"b/xbuild.hcl": "target \"api\" {}\n",
	})
	_, diags := Load(Options{Dir: dir, LookupEnv: mapEnv(nil)})
	text := diags.Error()
	var summaries []string
	for _, d := range diags {
		summaries = append(summaries, d.Summary)
		if d.Summary == "Duplicate target" {
			if d.Subject.Filename != "b/xbuild.hcl" || !strings.Contains(d.Detail, "a/xbuild.hcl:1:8") {
				t.Errorf("duplicate: %s at %s", d.Detail, d.Subject)
			}
		}
	}
	if !strings.Contains(strings.Join(summaries, ","), "Duplicate target") || !strings.Contains(strings.Join(summaries, ","), "Missing include") {
		t.Errorf("diagnostics: %v\n%s", summaries, text)
	}
}
