package schema

import (
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"gopkg.in/yaml.v3"
)

func validate(t *testing.T, src string) hcl.Diagnostics {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return Validate(&doc, func(n *yaml.Node) hcl.Range {
		return hcl.Range{Filename: "x.yaml", Start: hcl.Pos{Line: n.Line, Column: n.Column}}
	})
}

func TestExampleIsValid(t *testing.T) {
	src, err := os.ReadFile("../examples/monorepo/xbuild.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if diags := validate(t, string(src)); len(diags) > 0 {
		t.Errorf("the example breaks the schema: %v", diags)
	}
}

func TestViolationsArePositioned(t *testing.T) {
	cases := []struct {
		src, summary, detail string
		line, col            int
	}{
		{"targets:\n  app:\n    tagz: [a]\n", "Unsupported argument", `Did you mean "tags"?`, 3, 5},
		{"targets:\n  app:\n    no-cache: [1]\n", "Incorrect value type", "must be true or false (or a \"${...}\" template that gives one), not a list", 3, 15},
		{"functions:\n  f:\n    params: [a]\n", "Missing required argument", `"result"`, 2, 3},
		{"target: {}\n", "Unsupported argument", `Did you mean "targets"?`, 1, 1},
	}
	for _, tc := range cases {
		diags := validate(t, tc.src)
		if len(diags) != 1 {
			t.Errorf("%q: want one diagnostic, got %v", tc.src, diags)
			continue
		}
		d := diags[0]
		if d.Summary != tc.summary || !strings.Contains(d.Detail, tc.detail) || d.Subject.Start.Line != tc.line || d.Subject.Start.Column != tc.col {
			t.Errorf("%q: got %s at %d:%d (%s), want %s at %d:%d containing %q",
				tc.src, d.Summary, d.Subject.Start.Line, d.Subject.Start.Column, d.Detail, tc.summary, tc.line, tc.col, tc.detail)
		}
	}
}
