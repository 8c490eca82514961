package report

import (
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/exec/display"
	"github.com/xbake/xbake/internal/exec/result"
	"github.com/xbake/xbake/internal/plan"
)

// SchemaVersion is the version of the JSON document; fields are only
// ever added, and it changes if one changes meaning.
const SchemaVersion = 1

// Report is the data of one run or one plan. Times are milliseconds since
// the run started, so that a dashboard needs no clock arithmetic.
type Report struct {
	SchemaVersion int    `json:"schemaVersion"`
	Kind          string `json:"kind"` // "run" or "plan"
	// Started is when the run started (the plan was made, for a plan).
	Started    time.Time `json:"started"`
	DurationMS int64     `json:"durationMs"`
	// Jobs is the --jobs limit of the run.
	Jobs         int        `json:"jobs,omitempty"`
	Summary      Summary    `json:"summary"`
	Builders     []Builder  `json:"builders"`
	Platforms    []string   `json:"platforms"`
	Targets      []*Target  `json:"targets"`
	Edges        []Edge     `json:"edges"`
	Levels       [][]string `json:"levels"`
	CriticalPath []string   `json:"criticalPath"`
	Findings     []Finding  `json:"findings"`
	// Tags are the tags an atomic push created; Withheld says why it
	// created none.
	Tags     []string `json:"tags,omitempty"`
	Withheld string   `json:"withheld,omitempty"`
}

// Summary counts targets by status, and the steps BuildKit took from its
// cache.
type Summary struct {
	Targets  int            `json:"targets"`
	ByStatus map[string]int `json:"byStatus"`
	// CachedSteps of TotalSteps Dockerfile steps came from the cache;
	// CacheHitRate is their ratio (0 when no step ran).
	CachedSteps  int     `json:"cachedSteps"`
	TotalSteps   int     `json:"totalSteps"`
	CacheHitRate float64 `json:"cacheHitRate"`
	Errors       int     `json:"errors"`
	Warnings     int     `json:"warnings"`
}

// Builder is a builder the run used and the nodes that built on it.
type Builder struct {
	Name  string   `json:"name"`
	Nodes []string `json:"nodes"`
}

// Target is one node of the graph and, in a run, what happened to it.
type Target struct {
	Name      string   `json:"name"`
	Level     int      `json:"level"`
	Implicit  bool     `json:"implicit,omitempty"`
	Builder   string   `json:"builder"`
	Platforms []string `json:"platforms"`
	// The rest is set for runs only.
	Status string `json:"status,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Moved says why it built on another node than the plan's.
	Moved []string `json:"moved,omitempty"`
	// Cause names the failed target that stopped a skipped or cancelled
	// one.
	Cause string   `json:"cause,omitempty"`
	Nodes []string `json:"nodes,omitempty"`
	// The phases, in ms since the run started (omitted where it never
	// got there): ready once what it waits for was done, started when
	// it got a --jobs slot, exporting when its first export began,
	// finished when its outputs were written or it was given up.
	ReadyMS     *int64 `json:"readyMs,omitempty"`
	StartedMS   *int64 `json:"startedMs,omitempty"`
	ExportingMS *int64 `json:"exportingMs,omitempty"`
	// SharedMS is when its result went to the targets that use it as a
	// context.
	SharedMS    *int64   `json:"sharedMs,omitempty"`
	FinishedMS  *int64   `json:"finishedMs,omitempty"`
	CachedSteps int      `json:"cachedSteps"`
	TotalSteps  int      `json:"totalSteps"`
	Digest      string   `json:"digest,omitempty"`
	Outputs     []string `json:"outputs,omitempty"`
	Error       string   `json:"error,omitempty"`
	FailedStep  string   `json:"failedStep,omitempty"`
	Log         []string `json:"log,omitempty"`
	Steps       []Step   `json:"steps,omitempty"`
	// Lanes are the spans of each platform's steps, for a target that
	// built several.
	Lanes []Lane `json:"lanes,omitempty"`
	// Critical is set on the targets of the critical path.
	Critical bool `json:"critical,omitempty"`
}

// Step is one BuildKit vertex of a target's build.
type Step struct {
	Name string `json:"name"`
	// Platform is the platform a Dockerfile step built for, when the
	// build had several.
	Platform   string `json:"platform,omitempty"`
	Dockerfile bool   `json:"dockerfile"` // a Dockerfile instruction, not a transfer or export
	StartMS    *int64 `json:"startMs,omitempty"`
	EndMS      *int64 `json:"endMs,omitempty"`
	Cached     bool   `json:"cached"`
	Error      string `json:"error,omitempty"`
}

// Lane is the span of one platform's steps.
type Lane struct {
	Platform string `json:"platform"`
	StartMS  int64  `json:"startMs"`
	EndMS    int64  `json:"endMs"`
}

// Edge says that From waits for To.
type Edge struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Kind    string `json:"kind"`              // "context" or "depends_on"
	Context string `json:"context,omitempty"` // the named context of a context edge
	// Waits is what From waits for: "result" (To's build result, which
	// To keeps alive for it) or "done" (To finished, outputs written).
	Waits string `json:"waits"`
}

// Finding is a diagnostic of the plan's rules, with its position.
type Finding struct {
	Severity string `json:"severity"`
	Rule     string `json:"rule,omitempty"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail,omitempty"`
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
}

// FromPlan describes a plan and its findings, before anything ran.
func FromPlan(p *plan.Plan, diags hcl.Diagnostics, now time.Time) *Report {
	r := skeleton(p, diags)
	r.Kind, r.Started = "plan", now
	for _, n := range p.CriticalPath {
		r.CriticalPath = append(r.CriticalPath, n.Name)
	}
	r.markCritical()
	r.summarize()
	return r
}

// FromRun describes a run of p; diags are the plan's warnings, shown
// with the run.
func FromRun(p *plan.Plan, diags hcl.Diagnostics, res *result.Result) *Report {
	r := skeleton(p, diags)
	r.Kind, r.Started, r.Jobs = "run", res.Started, res.Jobs
	r.DurationMS = res.Finished.Sub(res.Started).Milliseconds()
	r.Tags, r.Withheld = res.Tags, res.Withheld
	results := map[string]*result.TargetResult{}
	for _, tr := range res.Targets {
		results[tr.Name] = tr
	}
	for _, t := range r.Targets {
		if tr := results[t.Name]; tr != nil {
			fill(t, tr, res.Started)
		}
	}
	r.addNodes()
	r.CriticalPath = criticalPath(r)
	r.markCritical()
	r.summarize()
	return r
}

// skeleton holds what a plan says: targets, edges, levels, findings.
func skeleton(p *plan.Plan, diags hcl.Diagnostics) *Report {
	r := &Report{SchemaVersion: SchemaVersion, Summary: Summary{ByStatus: map[string]int{}},
		Builders: []Builder{}, Platforms: []string{}, Targets: []*Target{}, Edges: []Edge{},
		Levels: [][]string{}, CriticalPath: []string{}, Findings: []Finding{}}
	platforms := map[string]bool{}
	builders := map[string]bool{}
	for _, n := range p.Nodes {
		t := &Target{Name: n.Name, Level: n.Level, Implicit: n.Implicit, Builder: n.Builder, Platforms: nonNil(n.Platforms)}
		r.Targets = append(r.Targets, t)
		for _, pl := range n.Platforms {
			if !platforms[pl] {
				platforms[pl] = true
				r.Platforms = append(r.Platforms, pl)
			}
		}
		if !builders[n.Builder] {
			builders[n.Builder] = true
			r.Builders = append(r.Builders, Builder{Name: n.Builder, Nodes: []string{}})
		}
		for _, e := range n.Needs {
			r.Edges = append(r.Edges, Edge{From: n.Name, To: e.To.Name, Kind: string(e.Kind), Context: e.Context, Waits: string(e.Waits)})
		}
	}
	for _, level := range p.Levels {
		names := make([]string, 0, len(level))
		for _, n := range level {
			names = append(names, n.Name)
		}
		r.Levels = append(r.Levels, names)
	}
	for _, d := range diags {
		r.Findings = append(r.Findings, findingOf(d))
	}
	return r
}

// findingOf is the plan's JSON form of a diagnostic, whose fields a
// Finding shares (only its JSON tags differ).
func findingOf(d *hcl.Diagnostic) Finding { return Finding(plan.DiagnosticOf(d)) }

// fill copies a target's result, its times made relative to the run's
// start.
func fill(t *Target, tr *result.TargetResult, start time.Time) {
	t.Status, t.Reason, t.Cause, t.Nodes, t.Moved = string(tr.Status), tr.Reason, tr.Cause, tr.Nodes, tr.Moved
	t.CachedSteps, t.TotalSteps = tr.CachedSteps, tr.TotalSteps
	t.Digest, t.Outputs, t.FailedStep, t.Log = tr.Digest, tr.Outputs, tr.FailedStep, tr.Logs
	if tr.Err != nil {
		t.Error = tr.Err.Error()
	}
	t.ReadyMS, t.StartedMS, t.FinishedMS = since(start, tr.Ready), since(start, tr.Started), since(start, tr.Finished)
	t.SharedMS = since(start, tr.Shared)
	for _, s := range tr.Steps {
		step := Step{Name: clip(s.Name, maxStepName), Dockerfile: display.IsDockerfileStep(s.Name),
			StartMS: since(start, s.Started), EndMS: since(start, s.Completed), Cached: s.Cached, Error: s.Error}
		if step.Dockerfile {
			step.Platform = stepPlatform(s.Name)
		}
		if isExport(s.Name) && step.StartMS != nil && (t.ExportingMS == nil || *step.StartMS < *t.ExportingMS) {
			t.ExportingMS = step.StartMS
		}
		t.Steps = append(t.Steps, step)
	}
	t.Lanes = lanes(t.Steps)
}

// lanes spans the steps of each platform, when the steps name two or
// more (BuildKit names a step's platform only where the platforms'
// steps differ).
func lanes(steps []Step) []Lane {
	var out []Lane
	index := map[string]int{}
	for _, s := range steps {
		if s.Platform == "" || s.StartMS == nil || s.EndMS == nil {
			continue
		}
		i, ok := index[s.Platform]
		if !ok {
			i = len(out)
			index[s.Platform] = i
			out = append(out, Lane{Platform: s.Platform, StartMS: *s.StartMS, EndMS: *s.EndMS})
		}
		out[i].StartMS, out[i].EndMS = min(out[i].StartMS, *s.StartMS), max(out[i].EndMS, *s.EndMS)
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

// maxStepName bounds a step's name (a long RUN line) in the report.
const maxStepName = 240

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// since is t in ms after start, or nil for a moment that never came.
func since(start, t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	ms := max(t.Sub(start).Milliseconds(), 0)
	return &ms
}

// stepPlatform reads the platform from a step's name, "[linux/arm64
// build 2/4] RUN ...", or "" when it names none.
func stepPlatform(name string) string {
	end := strings.IndexByte(name, ']')
	if !strings.HasPrefix(name, "[") || end < 0 {
		return ""
	}
	// The first word is a platform ("linux/arm64/v8") or a step count
	// ("2/4"); stage names hold no slash.
	first, _, _ := strings.Cut(name[1:end], " ")
	if !strings.Contains(first, "/") || first[0] < 'a' || first[0] > 'z' {
		return ""
	}
	return first
}

// isExport reports whether a vertex writes the result out: BuildKit's
// exporters and pushes.
func isExport(name string) bool {
	for _, p := range []string{"exporting ", "pushing ", "sending tarball", "writing image", "naming to", "unpacking to", "importing to docker"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// addNodes lists, under each builder the plan named, the nodes that
// built its targets.
func (r *Report) addNodes() {
	for i := range r.Builders {
		b := &r.Builders[i]
		for _, t := range r.Targets {
			for _, n := range t.Nodes {
				if t.Builder == b.Name && !slices.Contains(b.Nodes, n) {
					b.Nodes = append(b.Nodes, n)
				}
			}
		}
	}
}

func (r *Report) markCritical() {
	on := map[string]bool{}
	for _, n := range r.CriticalPath {
		on[n] = true
	}
	for _, t := range r.Targets {
		t.Critical = on[t.Name]
	}
}

func (r *Report) summarize() {
	s := &r.Summary
	s.Targets = len(r.Targets)
	for _, t := range r.Targets {
		if t.Status != "" {
			s.ByStatus[t.Status]++
		}
		s.CachedSteps += t.CachedSteps
		s.TotalSteps += t.TotalSteps
	}
	if s.TotalSteps > 0 {
		s.CacheHitRate = float64(s.CachedSteps) / float64(s.TotalSteps)
	}
	for _, f := range r.Findings {
		if f.Severity == "error" {
			s.Errors++
		} else {
			s.Warnings++
		}
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
