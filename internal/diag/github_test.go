package diag

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// TestGitHubGuard: lines that would read as workflow commands are
// written with a backslash in front, however the writes split them;
// xbake's own commands pass, each on a line of its own.
func TestGitHubGuard(t *testing.T) {
	for _, tc := range []struct {
		writes []string
		want   string
	}{
		{[]string{"plain\n"}, "plain\n"},
		{[]string{"::add-mask::x\n"}, "\\::add-mask::x\n"},
		{[]string{":", ":add-mask::x\nnext\n"}, "\\::add-mask::x\nnext\n"},
		{[]string{"  ", "\t", ":", ":warning::y"}, "\\  \t::warning::y"},
		{[]string{"a\r::stop-commands::t\r\n"}, "a\r\\::stop-commands::t\r\n"},
		{[]string{"##", "[set-env name=A]b\n"}, "\\##[set-env name=A]b\n"},
		{[]string{"#5 0.1 ::add-mask::z\n"}, "#5 0.1 ::add-mask::z\n"},
		{[]string{": not a command\n", "#no\n"}, ": not a command\n#no\n"},
		{[]string{"half a line ", "::then::more\n"}, "half a line ::then::more\n"},
		{[]string{"\n\n:"}, "\n\n:"},
	} {
		var b strings.Builder
		g := NewGitHubGuard(&b)
		for _, w := range tc.writes {
			if n, err := g.Write([]byte(w)); n != len(w) || err != nil {
				t.Fatalf("Write(%q) = %d, %v", w, n, err)
			}
		}
		g.Flush()
		if b.String() != tc.want {
			t.Errorf("%q: wrote %q, want %q", tc.writes, b.String(), tc.want)
		}
	}

	var b strings.Builder
	g := NewGitHubGuard(&b)
	g.Write([]byte("building"))
	GitHubCommand(g, "error", "title=t", "it failed\n::add-mask::m")
	g.Write([]byte("::next\n"))
	want := "building\n::error title=t::it failed%0A::add-mask::m\n\\::next\n"
	if b.String() != want {
		t.Errorf("commands through the guard: %q, want %q", b.String(), want)
	}
}

// TestGitHubAnnotationsFoldWhatGitHubWouldDrop: twenty warnings of one
// kind and one of another: the other must be among the ten GitHub shows.
func TestGitHubAnnotationsFoldWhatGitHubWouldDrop(t *testing.T) {
	var diags hcl.Diagnostics
	for i := range 20 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "No output", Detail: "d",
			Subject: &hcl.Range{Filename: "x.hcl", Start: hcl.Pos{Line: i + 1, Column: 1}, End: hcl.Pos{Line: i + 1, Column: 2}}})
	}
	diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Real finding", Detail: "r",
		Subject: &hcl.Range{Filename: "x.hcl", Start: hcl.Pos{Line: 30, Column: 1}, End: hcl.Pos{Line: 30, Column: 2}}})
	var b strings.Builder
	WriteGitHubAnnotations(&b, diags, func(s string) string { return s })
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) > gitHubLimit || !strings.Contains(b.String(), "title=Real finding") || !strings.Contains(b.String(), "19 more like this: x.hcl:2, x.hcl:3") {
		t.Errorf("%d annotations:\n%s", len(lines), b.String())
	}
	// Few enough: each on its own line, as found.
	b.Reset()
	WriteGitHubAnnotations(&b, diags[:3], func(s string) string { return s })
	if n := strings.Count(b.String(), "\n"); n != 3 {
		t.Errorf("three warnings gave %d annotations:\n%s", n, b.String())
	}
}
