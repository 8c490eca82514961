package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestIgnoreRules: a warning can be silenced for one run (--ignore ID)
// or for one target or line (an ignore comment); every finding carries
// its rule's ID in JSON; an error is never silenced; an --ignore that
// names no rule is a usage mistake.
func TestIgnoreRules(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "Dockerfile", "FROM scratch\n")
	writeFile(t, dir, "docker-bake.hcl", `group "default" { targets = ["app", "quiet", "tool"] }
target "app" {
  tagz = ["a"]
}
# xbake:ignore no-output
target "quiet" {}
target "tool" { # xbake:ignore no-output, unknown-attribute
  dockerfile = "missing.Dockerfile" # xbake:ignore missing-dockerfile
}
`)
	rulesOf := func(args ...string) (int, map[string]int) {
		t.Helper()
		code, out, errOut := xbake(t, dir, "", append([]string{"plan", "--format", "json"}, args...)...)
		var doc struct {
			Diagnostics []struct{ Rule, Severity string }
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%v: %v\n%s%s", args, err, out, errOut)
		}
		got := map[string]int{}
		for _, d := range doc.Diagnostics {
			if d.Rule == "" {
				t.Errorf("a finding without an ID: %+v", d)
			}
			got[d.Severity+" "+d.Rule]++
		}
		return code, got
	}
	code, got := rulesOf()
	want := map[string]int{"warning unknown-attribute": 1, "warning no-output": 1, "error missing-dockerfile": 1}
	if code != 1 || !equalCounts(got, want) {
		t.Errorf("comments: exit %d, findings %v, want %v", code, got, want)
	}
	code, got = rulesOf("--ignore", "unknown-attribute,no-output")
	if code != 1 || !equalCounts(got, map[string]int{"error missing-dockerfile": 1}) {
		t.Errorf("--ignore: exit %d, findings %v", code, got)
	}
	writeFile(t, dir, "missing.Dockerfile", "FROM scratch\n")
	if code, got = rulesOf("--ignore", "unknown-attribute", "--ignore", "no-output", "--strict"); code != 0 || len(got) != 0 {
		t.Errorf("--strict with every warning silenced: exit %d, findings %v", code, got)
	}
	if code, got = rulesOf("--strict"); code != 1 || got["error unknown-attribute"] != 1 {
		t.Errorf("--strict: exit %d, findings %v", code, got)
	}
	code, _, errOut := xbake(t, dir, "", "plan", "--ignore", "no-ouptut")
	if code != 2 || !strings.Contains(errOut, `Did you mean "no-output"?`) {
		t.Errorf("--ignore of no rule: exit %d\n%s", code, errOut)
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
