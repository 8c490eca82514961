package spec

import (
	"os"
	"path/filepath"
	"testing"
)

// A mistake in a compose file is reported in the compose file, at its line.
func TestComposeErrorsKeepTheirPosition(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(`services:
  api:
    build:
      context: .
      x-bake:
        platforms: 5
`), 0o644)
	_, diags := Load(Options{Dir: dir, LookupEnv: func(string) (string, bool) { return "", false }})
	if !diags.HasErrors() {
		t.Fatal("a number for platforms was accepted")
	}
	d := diags[0]
	if d.Subject == nil || d.Subject.Filename != "compose.yaml" || d.Subject.Start.Line != 6 {
		t.Errorf("error at %v, want compose.yaml line 6: %s", d.Subject, diags.Error())
	}
}

func TestExpandCompose(t *testing.T) {
	env := func(k string) (string, bool) {
		v, ok := map[string]string{"SET": "x", "EMPTY": ""}[k]
		return v, ok
	}
	for in, want := range map[string]string{
		"${SET}":              "x",
		"$SET/$$SET":          "x/$SET",
		"${UNSET:-d}":         "d",
		"${EMPTY:-d}":         "d",
		"${EMPTY-d}":          "",
		"${UNSET-d}":          "d",
		"${SET:+alt}":         "alt",
		"${UNSET:+alt}":       "",
		"a-${UNSET}-b":        "a--b",
		"no variables at all": "no variables at all",
	} {
		if got := expandCompose(in, env); got != want {
			t.Errorf("expandCompose(%q) = %q, want %q", in, got, want)
		}
	}
}
