package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestEveryErrorInOneRun: a bake file with a type error, a target: link
// to a missing target, no default target, a dependency cycle and a
// missing Dockerfile shows all five in one run of plan and of run,
// sorted by line, errors before warnings, and no critical path for a
// graph with a cycle.
func TestEveryErrorInOneRun(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "Dockerfile", "FROM scratch\n")
	writeFile(t, dir, "docker-bake.hcl", `target "app" {
  platforms  = "linux/amd64"
  contexts   = { base = "target:bsae" }
  dockerfile = "missing.Dockerfile"
}
target "a" {
  depends_on = ["b"]
}
target "b" {
  depends_on = ["a"]
}
`)
	want := []string{
		"No default target",
		"docker-bake.hcl:2:16: Incorrect attribute value type",
		"docker-bake.hcl:3:25: Unknown target",
		"docker-bake.hcl:4:16: Missing Dockerfile",
		"docker-bake.hcl:10:17: Dependency cycle",
	}
	for _, cmd := range [][]string{{"plan"}, {"run", "--progress", "quiet"}} {
		code, out, errOut := xbake(t, dir, "", cmd...)
		if code != 1 {
			t.Errorf("%v: exit %d, want 1", cmd, code)
		}
		text := out + errOut
		last := -1
		for _, w := range want {
			i := strings.Index(text, w)
			if i < 0 {
				t.Errorf("%v: %q is missing:\n%s", cmd, w, text)
				continue
			}
			if i < last {
				t.Errorf("%v: %q is out of order:\n%s", cmd, w, text)
			}
			last = i
		}
		if warn := regexp.MustCompile(`warning: `).FindStringIndex(text); warn != nil && warn[0] < last {
			t.Errorf("%v: a warning comes before an error:\n%s", cmd, text)
		}
		if strings.Contains(text, "critical path") {
			t.Errorf("%v: a graph with a cycle has no critical path:\n%s", cmd, text)
		}
	}
}

// TestUnreadableFileIsOneError: a compose file whose include cannot be
// read declares nothing; its error is the one shown, without the
// knock-on "no default target" of an empty spec.
func TestUnreadableFileIsOneError(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "compose.yaml", "include:\n  - nothere.yaml\nservices:\n  app:\n    build: .\n")
	code, _, errOut := xbake(t, dir, "", "plan")
	if code != 1 || !strings.Contains(errOut, "compose.yaml:2:3: Invalid include") || strings.Contains(errOut, "No default target") {
		t.Errorf("exit %d:\n%s", code, errOut)
	}
}
