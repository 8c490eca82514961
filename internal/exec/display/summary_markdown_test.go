package display

import (
	"errors"
	"github.com/xbake/xbake/internal/exec/result"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMarkdownSummary(t *testing.T) {
	res := &result.Result{Targets: []*result.TargetResult{
		{Name: "api", Status: result.Built, Duration: 1200 * time.Millisecond, CachedSteps: 2, TotalSteps: 5, Digest: "sha256:0123456789abcdef0123"},
		{Name: "web|x", Status: result.Failed, FailedStep: "[3/4] RUN make", Err: errors.New("exit code: 2"), Logs: []string{"make: *** no rule"}},
	}}
	path := filepath.Join(t.TempDir(), "summary.md")
	os.WriteFile(path, []byte("earlier step\n"), 0o644)
	if err := AppendMarkdownSummary(path, res); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	got := string(b)
	for _, want := range []string{
		"earlier step\n### xbake: 1 of 2 targets built, 1 failed",
		"| api | built | 1.2s | 2/5 | `sha256:0123456789ab` |",
		"| web\\|x | **failed** |",
		"<summary>web\\|x failed at [3/4] RUN make</summary>",
		"make: *** no rule",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
}

// On a pool, the step summary says where each target built and which
// moved, as the terminal summary does.
func TestMarkdownSummaryOnAPool(t *testing.T) {
	res := &result.Result{Targets: []*result.TargetResult{
		{Name: "base", Status: result.Built, Nodes: []string{"n3"}, Moved: []string{"node n1 was lost during its build; built on n3"}},
		{Name: "api", Status: result.Built, Nodes: []string{"n2"}},
	}}
	var b strings.Builder
	if err := WriteMarkdownSummary(&b, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| target | node | status |",
		"| base | n3 | built |",
		"| api | n2 | built |",
		"**base moved:** node n1 was lost during its build; built on n3",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}

// TestMarkdownSummaryKeepsLogsInTheirBlock: a failing step that prints a
// fence, a heading and HTML cannot end its code block: the fence is
// longer than any run of backticks in the log, and names are escaped.
func TestMarkdownSummaryKeepsLogsInTheirBlock(t *testing.T) {
	res := &result.Result{Targets: []*result.TargetResult{
		{Name: "app", Status: result.Failed, FailedStep: "[2/2] RUN <x>", Err: errors.New("exit code: 1"),
			Logs: []string{"```", "## Injected", "</details>", "````` five"}},
		{Name: "nostep", Status: result.Failed, Err: errors.New("no step")},
	}}
	var b strings.Builder
	if err := WriteMarkdownSummary(&b, res); err != nil {
		t.Fatal(err)
	}
	inside := FencedLines(b.String())
	for _, l := range []string{"```", "## Injected", "</details>", "````` five"} {
		if !inside[l] {
			t.Errorf("log line %q is outside its code block:\n%s", l, b.String())
		}
	}
	if !strings.Contains(b.String(), "<summary>app failed at [2/2] RUN &lt;x&gt;</summary>") || !strings.Contains(b.String(), "<summary>nostep failed</summary>") {
		t.Errorf("summaries:\n%s", b.String())
	}
	var empty strings.Builder
	WriteMarkdownSummary(&empty, &result.Result{})
	if strings.Contains(empty.String(), "0 of 0") || strings.Contains(empty.String(), "|") {
		t.Errorf("a run of nothing: %q", empty.String())
	}
}
