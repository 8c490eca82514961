package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// docBlock finds the fenced examples of the docs: ```hcl and ```yaml are
// specs that must load, ```hcl fragment a part of one that must parse;
// ```hcl file=PATH blocks of one page are the files of one project,
// loaded together from the first; other info strings (```yaml workflow)
// are not specs.
var docBlock = regexp.MustCompile("(?s)```(hcl|yaml)( [a-z]+(?:=[^\n]*)?)?\n(.*?)```")

// docError marks an error an example is meant to show, on its line.
var docError = regexp.MustCompile(`# ERROR: ([A-Z][A-Za-z ]*[a-z])`)

// TestDocExamples loads every example of docs/*.md: what a reader copies
// must work, or fail with exactly the errors the example announces.
func TestDocExamples(t *testing.T) {
	files, _ := filepath.Glob("../docs/*.md")
	n := 0
	for _, f := range files {
		src, _ := os.ReadFile(f)
		project := map[string]string{} // the page's file= blocks
		var first string
		for i, m := range docBlock.FindAllStringSubmatch(string(src), -1) {
			lang, kind, text := m[1], strings.TrimSpace(m[2]), m[3]
			where := fmt.Sprintf("%s example %d", filepath.Base(f), i+1)
			switch {
			case strings.HasPrefix(kind, "file="):
				path := strings.TrimPrefix(kind, "file=")
				if first == "" {
					first = path
				}
				project[path] = text
				continue
			case kind == "fragment" && lang == "hcl":
				if _, diags := hclsyntax.ParseConfig([]byte(text), where, hcl.InitialPos); diags.HasErrors() {
					t.Errorf("%s does not parse: %s", where, diags.Error())
				}
				continue
			case kind != "":
				continue
			}
			n++
			if problem := checkExample(t, lang, text); problem != "" {
				t.Errorf("%s: %s\n%s", where, problem, text)
			}
		}
		if first != "" {
			n++
			if problem := checkProject(t, project, first); problem != "" {
				t.Errorf("%s, the project of its file= examples: %s", filepath.Base(f), problem)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d examples found in docs/", n)
	}
}

// checkProject writes the files of a page's project and loads it from its
// first file: it must load without errors.
func checkProject(t *testing.T, files map[string]string, first string) string {
	dir := t.TempDir()
	for path, text := range files {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(path)), 0o755)
		os.WriteFile(filepath.Join(dir, path), []byte(text), 0o644)
	}
	s, diags := Load(Options{Dir: dir, Files: []string{first}, LookupEnv: func(string) (string, bool) { return "", false }})
	if diags.HasErrors() {
		return diags.Error()
	}
	if len(s.Files) != len(files) {
		return fmt.Sprintf("read %v, but the page has %d files", s.Files, len(files))
	}
	return ""
}

// checkExample loads one example and compares its errors (summary and
// line) with its # ERROR: markers.
func checkExample(t *testing.T, lang, text string) string {
	file := "xbuild." + lang
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644)
	_, diags := Load(Options{Dir: dir, Files: []string{file}, LookupEnv: func(string) (string, bool) { return "", false }})
	var want, got []string
	for i, line := range strings.Split(text, "\n") {
		for _, e := range docError.FindAllStringSubmatch(line, -1) {
			want = append(want, fmt.Sprintf("%d: %s", i+1, e[1]))
		}
	}
	for _, d := range diags {
		if d.Severity == hcl.DiagError && d.Subject != nil {
			got = append(got, fmt.Sprintf("%d: %s", d.Subject.Start.Line, d.Summary))
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		return fmt.Sprintf("errors %q, the example announces %q (%s)", got, want, diags.Error())
	}
	return ""
}
