package plan

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xbake/xbake/spec"
)

// TestGoldenFormats renders each valid spec in every format and compares
// with the golden files (go test ./internal/plan -update rewrites them).
func TestGoldenFormats(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.hcl")
	if len(files) == 0 {
		t.Fatal("no valid fixtures")
	}
	for _, f := range files {
		dir, _ := filepath.Abs(filepath.Dir(f))
		s, diags := spec.Load(spec.Options{Files: []string{filepath.Base(f)}, Dir: dir, LookupEnv: func(string) (string, bool) { return "", false }})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		sel, _ := fixtureSelection(s)
		p, diags := New(s, sel, Options{})
		if diags.HasErrors() {
			t.Fatalf("%s: %s", f, diags.Error())
		}
		renderers := map[string]func(*bytes.Buffer) error{
			"txt":  func(b *bytes.Buffer) error { return WriteText(b, p, diags, TextOptions{Cwd: dir, Sources: s.Sources}) },
			"json": func(b *bytes.Buffer) error { return WriteJSON(b, p, diags, dir) },
			"dot":  func(b *bytes.Buffer) error { return WriteDOT(b, p) },
			"mmd":  func(b *bytes.Buffer) error { return WriteMermaid(b, p) },
		}
		for ext, render := range renderers {
			var b bytes.Buffer
			if err := render(&b); err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(f, ".hcl") + ".golden." + ext
			if *update {
				os.WriteFile(golden, b.Bytes(), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test ./internal/plan -update)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s differs:\n%s", golden, b.String())
			}
		}
	}
}
