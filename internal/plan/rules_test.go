package plan

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/rule"
	"github.com/xbake/xbake/spec"
)

// expected is one "# ERROR(rule): Summary @COL" or "# WARNING(...)" marker.
type expected struct {
	severity, rule, summary string
	line, col               int
}

var markerRE = regexp.MustCompile(`# (ERROR|WARNING)\(([a-z-]+)\): ([^@#]+?) @(\d+)`)

func readFixture(t *testing.T, path string) ([]expected, []string) {
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []expected
	var options []string
	for i, line := range strings.Split(string(src), "\n") {
		if rest, ok := strings.CutPrefix(line, "# OPTIONS: "); ok {
			options = strings.Fields(rest)
		}
		for _, m := range markerRE.FindAllStringSubmatch(line, -1) {
			col, _ := strconv.Atoi(m[4])
			want = append(want, expected{severity: strings.ToLower(m[1]), rule: m[2], summary: strings.TrimSpace(m[3]), line: i + 1, col: col})
		}
	}
	return want, options
}

// fixtureSelection selects as xbake's own files do: the default group or
// target, else every target. A fixture is read as a bake file (its name
// is not xbuild.*), and bake would refuse one without a default.
func fixtureSelection(s *spec.Spec) (*spec.Selection, hcl.Diagnostics) {
	sel, diags := s.Select(nil)
	if diags.HasErrors() && diags[0].Summary == "No default target" {
		return &spec.Selection{All: true, Targets: append([]string{}, s.TargetNames...)}, nil
	}
	return sel, diags
}

// planFixture loads a fixture and plans every target with the options
// its "# OPTIONS:" line asks for.
func planFixture(t *testing.T, path string, options []string) (*Plan, hcl.Diagnostics) {
	t.Helper()
	dir, _ := filepath.Abs(filepath.Dir(path))
	s, diags := spec.Load(spec.Options{Files: []string{filepath.Base(path)}, Dir: dir, LookupEnv: func(string) (string, bool) { return "", false }})
	if diags.HasErrors() && !contains(options, "spec-errors") {
		t.Fatalf("spec errors:\n%s", diags.Error())
	}
	opts := Options{LookupEnv: func(k string) (string, bool) { return "x", k == "XBAKE_TEST_SET" }}
	var allow []string
	for _, o := range options {
		switch {
		case o == "push":
			opts.Push = true
		case o == "load":
			opts.Load = true
		case o == "strict":
			opts.Strict = true
		case strings.HasPrefix(o, "engine="): // engine=BUILDER:VERSION[:containerd]
			name, version, _ := strings.Cut(strings.TrimPrefix(o, "engine="), ":")
			version, store, _ := strings.Cut(version, ":")
			if opts.Engines == nil {
				opts.Engines = map[string]Engine{}
			}
			opts.Engines[name] = Engine{Version: version, ContainerdStore: store == "containerd"}
		case strings.HasPrefix(o, "allow="):
			allow = append(allow, strings.TrimPrefix(o, "allow="))
		}
	}
	var err error
	if opts.Allow, err = ParseAllow(allow, dir); err != nil {
		t.Fatal(err)
	}
	sel, more := fixtureSelection(s)
	diags = append(diags, more...)
	p, more := New(s, sel, opts)
	return p, append(diags, more...)
}

// TestRules checks that each fixture raises exactly the diagnostics its
// markers announce: severity, rule ID, line, column and summary.
func TestRules(t *testing.T) {
	files, _ := filepath.Glob("testdata/rules/*.hcl")
	covered := map[string]bool{}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want, options := readFixture(t, f)
			_, diags := planFixture(t, f, options)
			var got []expected
			for _, d := range diags {
				if d.Subject == nil {
					t.Errorf("diagnostic without position: %s: %s", d.Summary, d.Detail)
					continue
				}
				if !strings.HasSuffix(d.Detail, ".") && !strings.HasSuffix(d.Detail, "?") {
					t.Errorf("detail is not a sentence: %q", d.Detail)
				}
				sev := "error"
				if d.Severity == hcl.DiagWarning {
					sev = "warning"
				}
				got = append(got, expected{severity: sev, rule: string(rule.Of(d)), summary: d.Summary, line: d.Subject.Start.Line, col: d.Subject.Start.Column})
				covered[string(rule.Of(d))] = true
			}
			compare(t, want, got, diags)
		})
	}
	for _, id := range rule.All {
		if !covered[string(id)] {
			t.Errorf("no fixture triggers rule %s", id)
		}
	}
}

func compare(t *testing.T, want, got []expected, diags hcl.Diagnostics) {
	t.Helper()
	key := func(e expected) string {
		return fmt.Sprintf("%d:%d %s(%s) %s", e.line, e.col, e.severity, e.rule, e.summary)
	}
	var w, g []string
	for _, e := range want {
		w = append(w, key(e))
	}
	for _, e := range got {
		g = append(g, key(e))
	}
	sort.Strings(w)
	sort.Strings(g)
	if strings.Join(w, "\n") != strings.Join(g, "\n") {
		var all []string
		for _, d := range diags {
			all = append(all, fmt.Sprintf("  %s: %s: %s", d.Subject, d.Summary, d.Detail))
		}
		t.Errorf("want:\n  %s\ngot:\n  %s\ndiagnostics:\n%s", strings.Join(w, "\n  "), strings.Join(g, "\n  "), strings.Join(all, "\n"))
	}
}

// TestRuleDetails checks the advice the rules give.
func TestRuleDetails(t *testing.T) {
	cases := map[string][]string{
		"multi-platform-load.hcl": {`builds 2 platforms (linux/amd64, linux/arm64)`, "--push", "type=oci"},
		"load-flag.hcl":           {"--load loads it"},
		"entitlements.hcl":        {"--allow network.host", "--allow fs.write=/tmp/xbake-outside"},
		"cycle.hcl":               {"a -> b -> c -> a", `a -> b at cycle.hcl:2:20 (context "b")`, "b -> c at cycle.hcl:6:17 (depends_on)"},
		"unknown.hcl":             {`Did you mean "base"?`},
		"link-platform.hcl":       {`builds linux/arm64, which "base" does not build`},
		"secrets.hcl":             {"XBAKE_TEST_UNSET, which is not set"},
	}
	for name, wants := range cases {
		path := filepath.Join("testdata/rules", name)
		_, options := readFixture(t, path)
		_, diags := planFixture(t, path, options)
		var details []string
		for _, d := range diags {
			details = append(details, d.Detail)
		}
		text := strings.Join(details, "\n")
		for _, w := range wants {
			if !strings.Contains(text, w) {
				t.Errorf("%s: no diagnostic says %q:\n%s", name, w, text)
			}
		}
		if strings.Contains(text, "s3cr3t") {
			t.Errorf("%s: a secret's value leaked into a diagnostic", name)
		}
	}
}

// TestRulesAreDocumented keeps docs/rules.md in step with the rule list.
func TestRulesAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range rule.All {
		if !strings.Contains(string(doc), "## "+string(id)+"\n") {
			t.Errorf("docs/rules.md has no section for %s", id)
		}
	}
	for _, id := range rule.Spec {
		if !strings.Contains(string(doc), "| `"+string(id)+"` |") {
			t.Errorf("docs/rules.md does not list the loader's ID %s", id)
		}
	}
}
