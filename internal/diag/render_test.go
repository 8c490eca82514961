package diag

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func TestWrite(t *testing.T) {
	src := []byte("target \"app\" {\n  tagz = [\"a\"]\n}\n")
	d := &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unsupported argument",
		Detail:   "Did you mean \"tags\"?",
		Subject:  &hcl.Range{Filename: "xbuild.hcl", Start: hcl.Pos{Line: 2, Column: 3, Byte: 17}, End: hcl.Pos{Line: 2, Column: 7, Byte: 21}},
	}
	w := &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "No output", Detail: "Add one."}
	var buf bytes.Buffer
	Write(&buf, hcl.Diagnostics{d, w}, map[string]*hcl.File{"xbuild.hcl": {Bytes: src}}, false)
	want := "xbuild.hcl:2:3: Unsupported argument: Did you mean \"tags\"?\n" +
		"  2 |   tagz = [\"a\"]\n" +
		"    |   ^^^^\n\n" +
		"xbake: warning: No output: Add one.\n\n"
	if buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
	buf.Reset()
	Write(&buf, hcl.Diagnostics{d}, nil, true)
	if !strings.Contains(buf.String(), "\x1b[1;31m") {
		t.Error("colour requested but not written")
	}
}

// A diagnostic on a 10 MB line shows a window around the column, with
// the carets under the right characters, and a huge detail is cut.
func TestLongLineIsCut(t *testing.T) {
	line := strings.Repeat("x", 5_000_000) + "BAD" + strings.Repeat("y", 5_000_000)
	src := []byte("target \"t\" {\n  a = \"" + line + "\"\n}\n")
	col := len("  a = \"") + 5_000_000 + 1
	d := &hcl.Diagnostic{
		Severity: hcl.DiagError, Summary: "Invalid value", Detail: "The value " + line + " is wrong.",
		Subject: &hcl.Range{Filename: "x.hcl", Start: hcl.Pos{Line: 2, Column: col}, End: hcl.Pos{Line: 2, Column: col + 3}},
	}
	var buf bytes.Buffer
	Write(&buf, hcl.Diagnostics{d}, map[string]*hcl.File{"x.hcl": {Bytes: src}}, false)
	if buf.Len() > 5000 {
		t.Fatalf("%d bytes written for one diagnostic", buf.Len())
	}
	lines := strings.Split(buf.String(), "\n")
	snippet, carets := lines[1], lines[2]
	at := strings.Index(carets, "^^^")
	if at < 0 || !strings.HasPrefix(string([]rune(snippet)[at:]), "BAD") {
		t.Errorf("carets do not point at BAD:\n%s\n%s", snippet, carets)
	}
	if !strings.Contains(snippet, "…") || !strings.Contains(lines[0], "more bytes)") {
		t.Errorf("the cut is not shown:\n%s", buf.String())
	}
}

// Thousands of diagnostics: the first MaxShown and a count of the rest.
func TestManyDiagnosticsAreBounded(t *testing.T) {
	var src strings.Builder
	var diags hcl.Diagnostics
	for i := range 20000 {
		src.WriteString("  bogus = 1\n")
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument",
			Subject: &hcl.Range{Filename: "x.hcl", Start: hcl.Pos{Line: i + 1, Column: 3}, End: hcl.Pos{Line: i + 1, Column: 8}}})
	}
	var buf bytes.Buffer
	Write(&buf, diags, map[string]*hcl.File{"x.hcl": {Bytes: []byte(src.String())}}, false)
	if got := strings.Count(buf.String(), "Unsupported argument"); got != MaxShown {
		t.Errorf("%d diagnostics shown, want %d", got, MaxShown)
	}
	if !strings.Contains(buf.String(), "19950 more not shown (20000 errors, 0 warnings in all)") {
		t.Errorf("no count of the rest:\n%s", buf.String()[buf.Len()-300:])
	}
}

func TestSortErrorsFirstByFileAndLine(t *testing.T) {
	at := func(file string, line, byte int) *hcl.Range {
		return &hcl.Range{Filename: file, Start: hcl.Pos{Line: line, Column: 1, Byte: byte}}
	}
	diags := hcl.Diagnostics{
		{Severity: hcl.DiagWarning, Summary: "w1", Subject: at("a.hcl", 1, 0)},
		{Severity: hcl.DiagError, Summary: "e3", Subject: at("b.hcl", 1, 0)},
		{Severity: hcl.DiagError, Summary: "e2", Subject: at("a.hcl", 9, 90)},
		{Severity: hcl.DiagError, Summary: "e1", Subject: at("a.hcl", 2, 20)},
		{Severity: hcl.DiagError, Summary: "e0"},
		{Severity: hcl.DiagError, Summary: "e1", Subject: at("a.hcl", 2, 20)}, // the same finding twice
	}
	var got []string
	for _, d := range Sort(diags, []string{"a.hcl", "b.hcl"}) {
		got = append(got, d.Summary)
	}
	if strings.Join(got, " ") != "e0 e1 e2 e3 w1" {
		t.Errorf("order: %v", got)
	}
}

func TestGitHubAnnotations(t *testing.T) {
	var b bytes.Buffer
	diags := hcl.Diagnostics{
		{Severity: hcl.DiagError, Summary: "Missing Dockerfile", Detail: "Target \"app\": 100% gone,\nreally.",
			Subject: &hcl.Range{Filename: "xbuild.hcl", Start: hcl.Pos{Line: 4, Column: 16}, End: hcl.Pos{Line: 4, Column: 36}}},
		{Severity: hcl.DiagWarning, Summary: "No default target", Detail: "Name one."},
	}
	WriteGitHubAnnotations(&b, diags, func(p string) string { return "svc/" + p })
	want := "::error file=svc/xbuild.hcl,line=4,col=16,endLine=4,endColumn=36,title=Missing Dockerfile::Target \"app\": 100%25 gone,%0Areally.\n" +
		"::warning title=No default target::Name one.\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
