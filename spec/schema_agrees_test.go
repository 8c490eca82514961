package spec

import (
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"gopkg.in/yaml.v3"

	"github.com/xbake/xbake/schema"
)

// TestSchemaRefusesWhatTheLoaderRefuses: for each mistake the loader
// refuses that a JSON Schema can express (a type, an enum, a key), the
// schema an editor uses refuses it too, on the same line, so the editor
// and xbake agree; and every valid YAML fixture passes the schema.
func TestSchemaRefusesWhatTheLoaderRefuses(t *testing.T) {
	for _, src := range []string{
		"targets:\n  app:\n    platforms: \"linux/amd64, linux/arm64\"\n",
		"targets:\n  app:\n    tags: example.com/app:1\n",
		"targets:\n  app:\n    no-cache: maybe\n",
		"targets:\n  app:\n    pull: yes please\n",
		"targets:\n  app:\n    output: type=docker\n",
		"targets:\n  app:\n    args: [A=1]\n",
		"targets:\n  app:\n    contexts: base\n",
		"targets:\n  app:\n    platfroms: [linux/amd64]\n",
		"builders:\n  b:\n    driver: dockr\n",
		"builders:\n  b:\n    driver: remote\n    node:\n      n1:\n        platforms: [linux/amd64]\n",
		"builders:\n  b:\n    driver: remote\n    node:\n      n1:\n        endpoint: tcp://h:1\n        max-parallelism: many\n",
		"groups:\n  all:\n    targets: app\n",
		"variables:\n  TAG:\n    defualt: x\n",
		"taregts: {}\n",
	} {
		_, diags := loadYAML(t, src)
		loaderLine := firstErrorLine(diags, func(d *hcl.Diagnostic) bool { return true })
		if loaderLine == 0 {
			t.Errorf("the loader accepts %q", src)
			continue
		}
		var root yaml.Node
		yaml.Unmarshal([]byte(src), &root)
		sdiags := schema.Validate(root.Content[0], func(n *yaml.Node) hcl.Range {
			return hcl.Range{Filename: "x.yaml", Start: hcl.Pos{Line: n.Line, Column: n.Column}}
		})
		if got := firstErrorLine(sdiags, func(*hcl.Diagnostic) bool { return true }); got != loaderLine {
			t.Errorf("%q: the loader refuses it at line %d, the schema at line %d (%s)", src, loaderLine, got, sdiags.Error())
		}
	}
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	for _, f := range files {
		s, diags := loadFiles(t, Options{Dir: "testdata/valid", LookupEnv: func(string) (string, bool) { return "", false }}, filepath.Base(f))
		if diags.HasErrors() || s == nil {
			t.Errorf("%s: %s", f, diags.Error())
		}
	}
	if len(files) == 0 {
		t.Fatal("no valid YAML fixtures")
	}
}

func firstErrorLine(diags hcl.Diagnostics, keep func(*hcl.Diagnostic) bool) int {
	for _, d := range diags {
		if d.Severity == hcl.DiagError && d.Subject != nil && keep(d) {
			return d.Subject.Start.Line
		}
	}
	return 0
}
