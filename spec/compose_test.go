package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// A compose file of nested aliases is refused at once, at the alias, and
// never expanded: not by the scan for services built in several compose
// files either.
func TestComposeAliasBomb(t *testing.T) {
	src := "x-a0: &a0 [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n"
	for i := 1; i < 9; i++ {
		src += fmt.Sprintf("x-a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), 10), ","))
	}
	src += "services:\n  app:\n    <<: {build: .}\n    x-bomb: *a8\n"
	dir := writeTree(t, map[string]string{"compose.yaml": src})
	_, diags := loadFiles(t, Options{Dir: dir}, "compose.yaml")
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "compose.yaml:6,12-13: Document too large") {
		t.Errorf("diags = %v", diags)
	}
}

// TestComposeSSH: compose's SSH sources read as buildx v0.38.2's bake
// prints them (recorded by hand: a compat case would need private keys
// in the repository): sorted by ID, each path cleaned, list or map.
func TestComposeSSH(t *testing.T) {
	for _, ssh := range []string{
		"      ssh:\n        - zeta=./key\n        - alpha=./sub/../sub/key\n        - default\n",
		"      ssh:\n        zeta: ./key\n        alpha: ./sub/../sub/key\n        default:\n",
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services:\n  app:\n    build:\n      context: .\n"+ssh), 0o644)
		s, diags := Load(Options{Dir: dir, LookupEnv: func(string) (string, bool) { return "", false }})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		var got []string
		for _, src := range s.Targets["app"].SSH {
			got = append(got, src.ID+"="+strings.Join(src.PathsWritten, ","))
		}
		if want := "alpha=sub/key default= zeta=key"; strings.Join(got, " ") != want {
			t.Errorf("%q: ssh %q, want %q", ssh, strings.Join(got, " "), want)
		}
	}
}

// TestComposeExtendsAliasBomb: a service extended from another file is
// copied with its aliases expanded; a file of nested aliases ends with
// an error at the extends, not an exhausted machine.
func TestComposeExtendsAliasBomb(t *testing.T) {
	dir := t.TempDir()
	var bomb strings.Builder
	bomb.WriteString("x-a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n")
	prev := "a"
	for i := range 8 {
		name := fmt.Sprintf("b%d", i)
		fmt.Fprintf(&bomb, "x-%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", name, name, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = name
	}
	fmt.Fprintf(&bomb, "services:\n  base:\n    build: .\n    labels: *%s\n", prev)
	os.WriteFile(filepath.Join(dir, "base.yml"), []byte(bomb.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services:\n  app:\n    extends:\n      file: base.yml\n      service: base\n"), 0o644)
	_, diags := Load(Options{Dir: dir, LookupEnv: func(string) (string, bool) { return "", false }})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "too large to extend") || diags[0].Subject.Start.Line != 4 {
		t.Fatalf("%v", diags)
	}
}

// TestComposeExtendsOutsideTheTree: extends and include read a file
// outside the spec's directories only with --allow fs.read, as file()
// and xbake's own include.
func TestComposeExtendsOutsideTheTree(t *testing.T) {
	outside := t.TempDir()
	base := filepath.Join(outside, "base.yml")
	os.WriteFile(base, []byte("services:\n  base:\n    build: .\n"), 0o644)
	for target, compose := range map[string]string{
		"app":  "services:\n  app:\n    extends:\n      file: " + base + "\n      service: base\n",
		"base": "include:\n  - " + base + "\n",
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644)
		env := func(string) (string, bool) { return "", false }
		if _, diags := Load(Options{Dir: dir, LookupEnv: env}); !strings.Contains(diags.Error(), "allow it with --allow fs.read="+outside) {
			t.Errorf("outside the tree: %v", diags)
		}
		s, diags := Load(Options{Dir: dir, LookupEnv: env, AllowRead: []string{outside}})
		if diags.HasErrors() || s.Targets[target] == nil {
			t.Errorf("allowed: %v", diags)
		}
	}
}
