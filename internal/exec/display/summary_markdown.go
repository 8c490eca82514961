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
		fmt.Fprintf(w, "\n<details><summary>%s failed at %s</summary>\n\n```\n%v\n", mdEscape(t.Name), mdEscape(t.FailedStep), t.Err)
		for _, l := range t.Logs {
			fmt.Fprintln(w, l)
		}
		fmt.Fprint(w, "```\n</details>\n")
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
			fmt.Fprintf(w, "| `%s` | %s | %s |\n", s.Tag, mdEscape(s.Target), mdEscape(s.State))
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", "\\|", "<", "&lt;", ">", "&gt;").Replace(s)
}
