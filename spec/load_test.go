package spec

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

var update = flag.Bool("update", false, "rewrite golden files")

// loadFiles loads spec files with no environment, so tests do not depend
// on the machine's variables.
func loadFiles(t testing.TB, opts Options, files ...string) (*Spec, hcl.Diagnostics) {
	t.Helper()
	opts.Files = files
	if opts.LookupEnv == nil {
		opts.LookupEnv = func(string) (string, bool) { return "", false }
	}
	if opts.Dir == "" {
		opts.Dir, _ = os.Getwd()
	}
	return Load(opts)
}

func printAll(t *testing.T, s *Spec, cwd string) []byte {
	t.Helper()
	sel, diags := s.Select([]string{"*"})
	if diags.HasErrors() {
		t.Fatalf("select: %s", diags.Error())
	}
	out, err := s.Print(sel, cwd)
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// TestValidGolden loads each valid spec and compares its --print JSON
// with the golden file beside it (go test ./spec -update rewrites them).
func TestValidGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.*")
	dir, _ := filepath.Abs("testdata/valid")
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".golden.json") || filepath.Base(f) == "VERSION" {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			s, diags := loadFiles(t, Options{Dir: dir}, filepath.Base(f))
			if diags.HasErrors() {
				t.Fatalf("unexpected errors:\n%s", diags.Error())
			}
			got := printAll(t, s, dir)
			golden := f + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./spec -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("--print differs from %s:\n%s", golden, got)
			}
		})
	}
	if n < 5 {
		t.Fatalf("found only %d valid fixtures", n)
	}
}

// expectation is one "# ERROR: Summary @COL" marker.
type expectation struct {
	line, col int
	summary   string
}

var marker = regexp.MustCompile(`# ERROR: ([^@#]+?)(?: @(\d+))?\s*(?:#|$)`)

func readMarkers(t *testing.T, path string) []expectation {
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []expectation
	for i, line := range strings.Split(string(src), "\n") {
		rest := line
		for {
			idx := strings.Index(rest, "# ERROR: ")
			if idx < 0 {
				break
			}
			m := marker.FindStringSubmatch(rest[idx:])
			if m == nil {
				t.Fatalf("%s:%d: bad marker", path, i+1)
			}
			col := 0
			if m[2] != "" {
				col, _ = strconv.Atoi(m[2])
			}
			out = append(out, expectation{line: i + 1, col: col, summary: strings.TrimSpace(m[1])})
			rest = rest[idx+len("# ERROR: "):]
		}
	}
	return out
}

// TestInvalidMarked loads each invalid spec and checks that the errors
// are exactly the ones its "# ERROR:" markers announce: same line, same
// column where given, same summary.
func TestInvalidMarked(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.*")
	if len(files) < 5 {
		t.Fatalf("found only %d invalid fixtures", len(files))
	}
	dir, _ := filepath.Abs("testdata/invalid")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want := readMarkers(t, f)
			if len(want) == 0 {
				t.Fatal("fixture has no # ERROR: marker")
			}
			_, diags := loadFiles(t, Options{Dir: dir}, filepath.Base(f))
			var got []expectation
			for _, d := range diags {
				if d.Severity != hcl.DiagError {
					continue
				}
				if d.Subject == nil {
					t.Errorf("error without position: %s: %s", d.Summary, d.Detail)
					continue
				}
				got = append(got, expectation{line: d.Subject.Start.Line, col: d.Subject.Start.Column, summary: d.Summary})
			}
			matchExpectations(t, want, got, diags)
		})
	}
}

func matchExpectations(t *testing.T, want, got []expectation, diags hcl.Diagnostics) {
	t.Helper()
	used := make([]bool, len(got))
	for _, w := range want {
		found := false
		for i, g := range got {
			if used[i] || g.line != w.line || g.summary != w.summary || (w.col != 0 && g.col != w.col) {
				continue
			}
			used[i], found = true, true
			break
		}
		if !found {
			t.Errorf("line %d: want %q @%d, not reported", w.line, w.summary, w.col)
		}
	}
	for i, g := range got {
		if !used[i] {
			t.Errorf("line %d col %d: unexpected %q", g.line, g.col, g.summary)
		}
	}
	if t.Failed() {
		var lines []string
		for _, d := range diags {
			lines = append(lines, fmt.Sprintf("  %s: %s: %s", d.Subject, d.Summary, d.Detail))
		}
		sort.Strings(lines)
		t.Logf("all diagnostics:\n%s", strings.Join(lines, "\n"))
	}
}

// TestUnknownVariableSuggestionIsSteady: HCL suggests the first near
// name in a map's order; xbake the nearest, the same on every load
// (found in a real bake file: "yq" got "go" or "jq" from run to run).
func TestUnknownVariableSuggestionIsSteady(t *testing.T) {
	src := []byte("variable \"go\" {}\nvariable \"jq\" {}\nvariable \"helm\" {}\nvariable \"yy\" {}\ntarget \"a\" {\n  args = { V = \"${yq}\" }\n}\n")
	for range 30 {
		_, diags := Load(Options{Files: []string{"docker-bake.hcl"}, Dir: "/", LookupEnv: mapEnv(nil),
			ReadFile: func(string) ([]byte, error) { return src, nil }})
		if len(diags) != 1 || diags[0].Detail != `There is no variable named "yq". Did you mean "jq"?` {
			t.Fatalf("%v", diags)
		}
	}
}
