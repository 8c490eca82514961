package nesting

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	deep := func(open, close string, n int) string {
		return strings.Repeat(open, n) + "1" + strings.Repeat(close, n)
	}
	for _, c := range []struct {
		name, src string
		inString  bool
		wantLine  int // 0: no error
		wantCol   int
	}{
		{"shallow", `a = [(1), {b = "${x}"}]`, false, 0, 0},
		{"parens at the limit", "a = " + deep("(", ")", MaxDepth), false, 0, 0},
		{"parens past it", "a = " + deep("(", ")", MaxDepth+1), false, 1, 5 + MaxDepth},
		{"a million lists", "x = 1\na = " + deep("[", "]", 1_000_000), false, 2, 5 + MaxDepth},
		{"interpolations", `a = "` + deep(`${"`, `"}`, 1_000_000) + `"`, false, 1, 6 + 3*MaxDepth},
		{"brackets inside a string do not nest", `a = "` + strings.Repeat("(", 10_000) + `"`, false, 0, 0},
		{"nor in comments", "# " + strings.Repeat("[", 10_000) + "\n/* " + strings.Repeat("{", 10_000) + " */\na = 1", false, 0, 0},
		{"nor in heredocs", "a = <<EOT\n" + strings.Repeat("(", 10_000) + "\nEOT\nb = 1", false, 0, 0},
		{"a YAML template", deep(`${"`, `"}`, MaxDepth+1), true, 1, 1 + 3*MaxDepth},
		{"escaped quotes stay in the string", `a = "\"((((" b = 1`, false, 0, 0},
	} {
		d := Check([]byte(c.src), "f.hcl", c.inString)
		switch {
		case c.wantLine == 0 && d != nil:
			t.Errorf("%s: unexpected %s at %d:%d", c.name, d.Summary, d.Subject.Start.Line, d.Subject.Start.Column)
		case c.wantLine != 0 && d == nil:
			t.Errorf("%s: no error", c.name)
		case c.wantLine != 0 && (d.Subject.Start.Line != c.wantLine || d.Subject.Start.Column != c.wantCol || d.Subject.Filename != "f.hcl"):
			t.Errorf("%s: error at %s:%d:%d, want line %d col %d", c.name, d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, c.wantLine, c.wantCol)
		}
	}
}
