package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

//go:embed page.html.tmpl
var pageSource string

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"sec":         seconds,
	"deref":       func(p *int64) int64 { return *p },
	"join":        strings.Join,
	"cls":         func(status string) string { return strings.ReplaceAll(orPlanned(status), " ", "-") },
	"clipLabel":   func(s string) string { return clip(s, 30) },
	"shortDigest": shortDigest,
	"duration":    targetDuration,
	"stepTook":    stepTook,
	"barsWidth": func(bars []bar) float64 {
		last := bars[len(bars)-1]
		return last.X + last.W - bars[0].X
	},
	"axisY":      func() int { return loadHeight + 4 },
	"axisLabelY": func() int { return loadHeight + axisHeight - 8 },
	"textY":      func(y int) int { return y + 15 },
	"barY":       func(y int) int { return y + 3 },
	"critY":      func(y int) int { return y + 1 },
	"stepY":      func(y int) int { return y + 16 },
	"textX":      func(x int) int { return x + 8 },
	"nameY":      func(y int) int { return y + 15 },
	"subY":       func(y int) int { return y + 29 },
}).Parse(pageSource))

// page is what the template shows: the report and its drawings.
type page struct {
	R        *Report
	IsRun    bool
	Title    string
	Heading  string
	Verdict  string
	OK       bool
	Lede     string
	Facts    []fact
	Findings []Finding
	Failures []failure
	Timeline *timeline
	Graph    *graph
}

type fact struct{ Name, Value string }

// failure is a failed target and the targets it stopped.
type failure struct {
	Target  *Target
	Because []*Target
}

// WriteHTML writes the report as one self-contained page: no script, no
// network; the drawings are inline SVG and "on click" is <details>.
func WriteHTML(w io.Writer, r *Report) error {
	return pageTemplate.Execute(w, newPage(r))
}

func newPage(r *Report) *page {
	p := &page{R: r, IsRun: r.Kind == "run", Findings: r.Findings, Graph: layoutGraph(r)}
	if p.IsRun {
		p.Timeline = layoutTimeline(r)
		p.Failures = failures(r)
		p.OK = len(p.Failures) == 0 && r.Summary.ByStatus["skipped"] == 0 && r.Summary.ByStatus["cancelled"] == 0
		p.Verdict = map[bool]string{true: "succeeded", false: "failed"}[p.OK]
		p.Heading = fmt.Sprintf("xbake run: %s", count(len(r.Targets), "target"))
		p.Lede = runLede(r)
	} else {
		p.OK = r.Summary.Errors == 0
		p.Verdict = map[bool]string{true: "ready to run", false: "has errors"}[p.OK]
		p.Heading = fmt.Sprintf("xbake plan: %s in %s", count(len(r.Targets), "target"), count(len(r.Levels), "level"))
		p.Lede = planLede(r)
	}
	p.Title = p.Heading + " — " + p.Verdict
	p.Facts = facts(r)
	return p
}

// runLede says in one sentence what happened.
func runLede(r *Report) string {
	var parts []string
	for _, st := range []string{"built", "cached", "up to date", "failed", "skipped", "cancelled"} {
		if n := r.Summary.ByStatus[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, statusPhrases[st]))
		}
	}
	s := fmt.Sprintf("%s in %s: %s.", count(len(r.Targets), "target"), seconds(r.DurationMS), strings.Join(parts, ", "))
	if r.Summary.TotalSteps > 0 {
		s += fmt.Sprintf(" %.0f%% of the %d Dockerfile steps came from the cache.", 100*r.Summary.CacheHitRate, r.Summary.TotalSteps)
	}
	return s
}

var statusPhrases = map[string]string{
	"built": "built", "cached": "entirely from the cache", "up to date": "up to date (not rebuilt)",
	"failed": "failed", "skipped": "skipped", "cancelled": "cancelled",
}

func planLede(r *Report) string {
	s := fmt.Sprintf("%s, %s.", count(r.Summary.Errors, "error"), count(r.Summary.Warnings, "warning"))
	if len(r.CriticalPath) > 1 {
		s += " The longest chain is " + strings.Join(r.CriticalPath, " → ") + "."
	}
	return s
}

func facts(r *Report) []fact {
	var out []fact
	var builders []string
	for _, b := range r.Builders {
		if len(b.Nodes) > 0 {
			builders = append(builders, fmt.Sprintf("%s (nodes: %s)", b.Name, strings.Join(b.Nodes, ", ")))
		} else {
			builders = append(builders, b.Name)
		}
	}
	out = append(out, fact{"builders", strings.Join(builders, "; ")})
	platforms := "the builders' defaults"
	if len(r.Platforms) > 0 {
		platforms = strings.Join(r.Platforms, ", ")
	}
	out = append(out, fact{"platforms", platforms})
	if r.Kind == "run" {
		out = append(out, fact{"started", r.Started.Format(time.RFC1123)}, fact{"took", seconds(r.DurationMS)},
			fact{"--jobs", fmt.Sprint(r.Jobs)})
		if r.Summary.TotalSteps > 0 {
			out = append(out, fact{"cache hits", fmt.Sprintf("%d of %d steps (%.0f%%)", r.Summary.CachedSteps, r.Summary.TotalSteps, 100*r.Summary.CacheHitRate)})
		}
		if len(r.Tags) > 0 {
			out = append(out, fact{"tags created", strings.Join(r.Tags, ", ")})
		}
		if r.Withheld != "" {
			out = append(out, fact{"tags withheld", r.Withheld})
		}
	}
	if len(r.CriticalPath) > 0 {
		out = append(out, fact{"critical path", strings.Join(r.CriticalPath, " → ")})
	}
	return out
}

// failures pairs each failed target with those it stopped.
func failures(r *Report) []failure {
	var out []failure
	index := map[string]int{}
	for _, t := range r.Targets {
		if t.Status == "failed" {
			index[t.Name] = len(out)
			out = append(out, failure{Target: t})
		}
	}
	for _, t := range r.Targets {
		if i, ok := index[t.Cause]; ok && t.Status != "failed" {
			out[i].Because = append(out[i].Because, t)
		}
	}
	return out
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func orPlanned(status string) string {
	if status == "" {
		return "planned"
	}
	return status
}

func shortDigest(d string) string {
	if _, hex, ok := strings.Cut(d, ":"); ok && len(hex) > 12 {
		return hex[:12]
	}
	return d
}

func targetDuration(t *Target) string {
	if t.StartedMS == nil || t.FinishedMS == nil {
		return ""
	}
	return seconds(*t.FinishedMS - *t.StartedMS)
}

func stepTook(s Step) string {
	if s.StartMS == nil || s.EndMS == nil {
		return ""
	}
	return seconds(*s.EndMS - *s.StartMS)
}
