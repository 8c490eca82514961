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
