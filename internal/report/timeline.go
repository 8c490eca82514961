package report

import (
	"fmt"
	"slices"
)

// The timeline's geometry, in pixels.
const (
	labelWidth = 220 // the target names, left of the bars
	chartWidth = 960 // the run's whole duration
	rowHeight  = 22
	axisHeight = 28 // the time axis above the rows
	loadHeight = 60 // the running-builds chart above the axis
)

// timeline is the run drawn as one row per target (and per platform
// where a target built several): the bars are the phases of its run,
// the ticks below them its Dockerfile steps.
type timeline struct {
	Width, Height int
	// MSPerPx is the scale; bars start at LabelWidth + ms / MSPerPx.
	MSPerPx    float64
	LabelWidth int
	Ticks      []tick
	Rows       []row
	Load       load
}

type tick struct {
	X     float64
	Label string
}

type row struct {
	Y        int
	Label    string
	Target   string // the target the row belongs to
	Lane     bool   // a platform's row under its target
	Heading  bool   // a node's heading: the rows below ran on it
	Status   string
	Critical bool
	Bars     []bar
	Steps    []stepMark
}

// bar is one phase of a target's run.
type bar struct {
	X, W           float64
	Phase          string
	StartMS, EndMS int64
	Title          string
}

type stepMark struct {
	X, W   float64
	Cached bool
	Title  string
}

// load charts how many targets held a --jobs slot at each moment, under
// the limit, to show where the limit held targets back.
type load struct {
	Points string // the polyline
	LimitY float64
	Limit  int // 0 when the runs never came near it
	Max    int
}

// phaseTitles says what each bar of a target's row means, for its tooltip.
var phaseTitles = map[string]string{
	"waiting":   "waiting for what it needs",
	"queued":    "ready, waiting for a --jobs slot",
	"building":  "building",
	"serving":   "keeping its result for the targets that use it",
	"exporting": "exporting its outputs",
	"lane":      "building this platform",
}

func layoutTimeline(r *Report) *timeline {
	tl := &timeline{LabelWidth: labelWidth, MSPerPx: max(float64(r.DurationMS), 1) / chartWidth}
	tl.Width = labelWidth + chartWidth + 20
	y := loadHeight + axisHeight
	lastNode := ""
	for _, t := range byNode(r.Targets) {
		if node := nodeOf(t); node != lastNode && len(distinctNodes(r.Targets)) > 1 {
			tl.Rows = append(tl.Rows, row{Y: y, Label: orNone(node), Heading: true})
			y += rowHeight
			lastNode = node
		}
		rw := row{Y: y, Label: t.Name, Target: t.Name, Status: t.Status, Critical: t.Critical}
		rw.Bars = tl.phaseBars(t)
		for _, s := range t.Steps {
			if !s.Dockerfile || s.StartMS == nil || s.Platform != "" && len(t.Lanes) > 0 {
				continue
			}
			rw.Steps = append(rw.Steps, tl.stepMark(s))
		}
		tl.Rows = append(tl.Rows, rw)
		y += rowHeight
		for _, l := range t.Lanes {
			lane := row{Y: y, Label: l.Platform, Target: t.Name, Lane: true, Status: t.Status}
			lane.Bars = []bar{tl.bar("lane", l.StartMS, l.EndMS)}
			for _, s := range t.Steps {
				if s.Platform == l.Platform && s.StartMS != nil {
					lane.Steps = append(lane.Steps, tl.stepMark(s))
				}
			}
			tl.Rows = append(tl.Rows, lane)
			y += rowHeight
		}
	}
	tl.Height = y + 10
	tl.Ticks = tl.axis(r.DurationMS)
	tl.Load = tl.loadChart(r)
	return tl
}

// phaseBars cuts a target's run at the moments it recorded.
func (tl *timeline) phaseBars(t *Target) []bar {
	if t.FinishedMS == nil {
		return nil
	}
	end := *t.FinishedMS
	// Each phase runs from its moment to the next one recorded.
	marks := []struct {
		phase string
		at    *int64
	}{{"waiting", zero()}, {"queued", t.ReadyMS}, {"building", t.StartedMS}, {"serving", t.SharedMS}, {"exporting", t.ExportingMS}}
	var bars []bar
	for i, m := range marks {
		if m.at == nil {
			continue
		}
		to := end
		for _, next := range marks[i+1:] {
			if next.at != nil {
				to = *next.at
				break
			}
		}
		if to > *m.at {
			bars = append(bars, tl.bar(m.phase, *m.at, min(to, end)))
		}
	}
	return bars
}

func zero() *int64 { var z int64; return &z }

func (tl *timeline) x(ms int64) float64 { return float64(tl.LabelWidth) + float64(ms)/tl.MSPerPx }

func (tl *timeline) bar(phase string, from, to int64) bar {
	return bar{X: tl.x(from), W: max(tl.x(to)-tl.x(from), 1), Phase: phase, StartMS: from, EndMS: to,
		Title: fmt.Sprintf("%s: %s to %s (%s)", phaseTitles[phase], seconds(from), seconds(to), seconds(to-from))}
}

func (tl *timeline) stepMark(s Step) stepMark {
	from := *s.StartMS
	to := from
	if s.EndMS != nil {
		to = *s.EndMS
	}
	state := "ran"
	if s.Cached {
		state = "cached"
	}
	return stepMark{X: tl.x(from), W: max(tl.x(to)-tl.x(from), 2), Cached: s.Cached,
		Title: fmt.Sprintf("%s (%s, %s)", s.Name, state, seconds(to-from))}
}

// axis places about ten ticks at round times.
func (tl *timeline) axis(total int64) []tick {
	step := int64(1)
	for _, s := range []int64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 1800000, 3600000} {
		step = s
		if total/s <= 10 {
			break
		}
	}
	var ticks []tick
	for ms := int64(0); ms <= total; ms += step {
		ticks = append(ticks, tick{X: tl.x(ms), Label: seconds(ms)})
	}
	return ticks
}

// loadChart counts the targets holding a --jobs slot (started, result
// not yet shared or run not finished) over time.
func (tl *timeline) loadChart(r *Report) load {
	type event struct {
		at    int64
		delta int
	}
	var events []event
	for _, t := range r.Targets {
		if t.StartedMS == nil || t.FinishedMS == nil {
			continue
		}
		release := *t.FinishedMS
		if t.SharedMS != nil {
			release = *t.SharedMS
		}
		events = append(events, event{*t.StartedMS, 1}, event{release, -1})
	}
	slices.SortFunc(events, func(a, b event) int {
		if a.at != b.at {
			return int(a.at - b.at)
		}
		return a.delta - b.delta // releases first
	})
	l := load{Limit: r.Jobs}
	running := 0
	for _, e := range events {
		running += e.delta
		l.Max = max(l.Max, running)
	}
	// The limit is drawn only where the runs came near it; a limit far
	// above the most that ran would flatten the line.
	scaleTo := max(l.Max+l.Max/4, 1)
	if r.Jobs <= scaleTo {
		scaleTo = max(r.Jobs, l.Max)
	} else {
		l.Limit = 0
	}
	// From the chart's foot to under its caption.
	const foot, top = loadHeight - 6, 22
	yOf := func(n int) float64 { return foot - float64(n)/float64(scaleTo)*(foot-top) }
	l.LimitY = yOf(l.Limit)
	pts := fmt.Sprintf("%.1f,%.1f", tl.x(0), yOf(0))
	running = 0
	for _, e := range events {
		pts += fmt.Sprintf(" %.1f,%.1f", tl.x(e.at), yOf(running))
		running += e.delta
		pts += fmt.Sprintf(" %.1f,%.1f", tl.x(e.at), yOf(running))
	}
	l.Points = pts + fmt.Sprintf(" %.1f,%.1f", tl.x(r.DurationMS), yOf(running))
	return l
}

// seconds shows a duration in ms the way the summary does: 850ms, 1.2s,
// 2m03s.
func seconds(ms int64) string {
	switch {
	case ms < 1000:
		return fmt.Sprintf("%dms", ms)
	case ms < 60000:
		return fmt.Sprintf("%.1fs", float64(ms)/1000)
	}
	return fmt.Sprintf("%dm%02ds", ms/60000, ms/1000%60)
}

// With targets spread over several nodes of a builder, the timeline has
// a lane per node: its targets' rows under a heading, so a lost node, or
// one that got too much, shows at a glance.

// nodeOf is the node a target last ran on ("" for none).
func nodeOf(t *Target) string {
	if len(t.Nodes) == 0 {
		return ""
	}
	return t.Nodes[len(t.Nodes)-1]
}

func distinctNodes(targets []*Target) map[string]bool {
	seen := map[string]bool{}
	for _, t := range targets {
		if n := nodeOf(t); n != "" {
			seen[n] = true
		}
	}
	return seen
}

// byNode orders targets by the node they ran on (in order of first
// appearance, those on none last), keeping their order within a node;
// with one node or none, as they are.
func byNode(targets []*Target) []*Target {
	if len(distinctNodes(targets)) < 2 {
		return targets
	}
	first := map[string]int{}
	for i, t := range targets {
		if _, ok := first[nodeOf(t)]; !ok {
			first[nodeOf(t)] = i
		}
	}
	out := slices.Clone(targets)
	slices.SortStableFunc(out, func(a, b *Target) int {
		fa, fb := first[nodeOf(a)], first[nodeOf(b)]
		if nodeOf(a) == "" {
			fa = len(targets)
		}
		if nodeOf(b) == "" {
			fb = len(targets)
		}
		return fa - fb
	})
	return out
}

func orNone(node string) string {
	if node == "" {
		return "(none)"
	}
	return node
}
