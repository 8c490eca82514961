package display

import (
	"fmt"
	"github.com/xbake/xbake/internal/exec/result"
	"io"
	"os"
	"strings"
)

// AppendMarkdownSummary appends the run's summary as Markdown to path:
// GitHub Actions shows $GITHUB_STEP_SUMMARY on the run's page.
func AppendMarkdownSummary(path string, res *result.Result) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if err := WriteMarkdownSummary(f, res); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// WriteMarkdownSummary writes one table row per target (status, time,
// cached steps, digest), then each failure with its step and log.
func WriteMarkdownSummary(w io.Writer, res *result.Result) error {
	built, failed := 0, 0
	for _, t := range res.Targets {
		switch t.Status {
		case result.Built, result.Cached, result.UpToDate:
			built++
		case result.Failed:
			failed++
		}
	}
	if len(res.Targets) == 0 {
		_, err := fmt.Fprint(w, "### xbake: no target to build\n\n")
		return err
	}
	fmt.Fprintf(w, "### xbake: %d of %d targets built", built, len(res.Targets))
	if failed > 0 {
		fmt.Fprintf(w, ", %d failed", failed)
	}
	// On a pool, where each target built, as the terminal summary says.
	pool := spreadOverNodes(res)
	if pool {
		fmt.Fprint(w, "\n\n| target | node | status | time | cached steps | digest |\n|---|---|---|---|---|---|\n")
	} else {
		fmt.Fprint(w, "\n\n| target | status | time | cached steps | digest |\n|---|---|---|---|---|\n")
	}
	for _, t := range res.Targets {
		steps := cachedSteps(t)
		status := string(t.Status)
		if t.Status == result.Failed {
			status = "**failed**"
		}
		node := ""
		if pool {
			node = " " + mdEscape(orDash(strings.Join(t.Nodes, ", "))) + " |"
		}
		fmt.Fprintf(w, "| %s |%s %s | %s | %s | `%s` |\n", mdEscape(t.Name), node, status, duration(t.Duration), steps, short(t.Digest))
	}
	for _, t := range res.Targets {
		for _, m := range t.Moved {
			fmt.Fprintf(w, "\n**%s moved:** %s\n", mdEscape(t.Name), mdEscape(m))
		}
	}
	for _, t := range res.Targets {
		if t.Status != result.Failed {
			continue
		}
		where := ""
		if t.FailedStep != "" {
			where = " at " + mdEscape(t.FailedStep)
		}
		// The log is the build's: a fence longer than any run of
		// backticks in it keeps every line of it inside the block (a
		// RUN that prints ``` would close a three-backtick fence, and
		// the rest of the log would render as Markdown and HTML).
		body := fmt.Sprint(t.Err) + "\n" + strings.Join(t.Logs, "\n")
		fence := strings.Repeat("`", max(3, longestRun(body, '`')+1))
		fmt.Fprintf(w, "\n<details><summary>%s failed%s</summary>\n\n%s\n%s\n%s\n</details>\n", mdEscape(t.Name), where, fence, strings.TrimSuffix(body, "\n"), fence)
	}
	if res.Withheld != "" {
		fmt.Fprintf(w, "\n**Tags held back:** %s.\n", mdEscape(res.Withheld))
	}
	if res.PublishErr != nil {
		fmt.Fprintf(w, "\npublishing tags failed: %s\n", mdEscape(res.PublishErr.Error()))
	}
	if len(res.TagStates) > 0 {
		fmt.Fprint(w, "\n| tag | target | now |\n|---|---|---|\n")
		for _, s := range res.TagStates {
			fmt.Fprintf(w, "| `%s` | %s | %s |\n", s.Tag, mdEscape(s.Target), mdEscape(s.Text()))
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}

// mdEscape makes text safe in a table cell or an HTML summary: HTML is
// escaped, pipes do not split cells, and line breaks do not end them.
func mdEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "|", "\\|", "<", "&lt;", ">", "&gt;", "\r", " ", "\n", " ", "`", "\\`").Replace(s)
}

// longestRun is the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] != c {
			run = 0
			continue
		}
		run++
		longest = max(longest, run)
	}
	return longest
}
