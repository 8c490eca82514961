package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/xbake/xbake/internal/exec/result"
	"github.com/xbake/xbake/internal/plan"
	"github.com/xbake/xbake/schema"
	"github.com/xbake/xbake/spec"
)

// The graph of the tests: base is the context of app and bad; after
// depends on bad; multi builds two platforms.
const testSpec = `
group "default" { targets = ["app", "bad", "after", "multi"] }
target "base" {}
target "app" {
  contexts = { base = "target:base" }
}
target "bad" {
  contexts = { base = "target:base" }
}
target "after" {
  depends_on = ["bad"]
}
target "multi" {
  platforms = ["linux/amd64", "linux/arm64"]
}
`

func testPlan(t *testing.T) *plan.Plan {
	t.Helper()
	s, diags := spec.Load(spec.Options{Files: []string{"xbuild.hcl"}, Dir: t.TempDir(), LookupEnv: func(string) (string, bool) { return "", false },
		ReadFile: func(string) ([]byte, error) { return []byte(testSpec), nil }})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	sel, diags := s.Select(nil)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	p, _ := plan.New(s, sel, plan.Options{SkipDigests: true})
	return p
}

// testRun is a run of testPlan with times in ms after t0: base shares at
// 300 and finishes at 900 (when its users are done), app builds
// 300-700, bad fails at 900, after is skipped, multi builds each
// platform in its own lane.
func testRun(p *plan.Plan) (*result.Result, time.Time) {
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	res := &result.Result{Started: t0, Finished: at(1000), Jobs: 2}
	targets := map[string]*result.TargetResult{
		"base": {Status: result.Cached, Ready: at(0), Started: at(0), Shared: at(300), Finished: at(900), CachedSteps: 2, TotalSteps: 2, Nodes: []string{"n1"},
			Steps: []result.Step{{Name: "[1/2] FROM docker.io/library/alpine", Started: at(10), Completed: at(10), Cached: true}}},
		"app": {Status: result.Built, Ready: at(300), Started: at(300), Finished: at(700), CachedSteps: 1, TotalSteps: 3, Digest: "sha256:" + strings.Repeat("ab", 32), Nodes: []string{"n1"},
			Steps: []result.Step{{Name: "[2/3] RUN make", Started: at(320), Completed: at(600)}, {Name: "exporting to image", Started: at(600), Completed: at(700)}}},
		"bad": {Status: result.Failed, Ready: at(300), Started: at(500), Finished: at(900), Err: errors.New("exit code: 3"), FailedStep: "[2/2] RUN false", Logs: []string{"boom"}, Nodes: []string{"n1"},
			Steps: []result.Step{{Name: "[2/2] RUN false", Started: at(510), Completed: at(900), Error: "exit code: 3"}}},
		"after": {Status: result.Skipped, Reason: "bad failed", Cause: "bad", Finished: at(900)},
		"multi": {Status: result.Built, Ready: at(0), Started: at(0), Finished: at(400), TotalSteps: 2, Nodes: []string{"n1"},
			Steps: []result.Step{{Name: "[linux/amd64 1/1] RUN x", Started: at(20), Completed: at(200)}, {Name: "[linux/arm64 1/1] RUN x", Started: at(30), Completed: at(350)}}},
	}
	for _, n := range p.Nodes {
		tr := targets[n.Name]
		tr.Name = n.Name
		res.Targets = append(res.Targets, tr)
	}
	return res, t0
}

func TestFromRun(t *testing.T) {
	p := testPlan(t)
	res, _ := testRun(p)
	r := FromRun(p, nil, res)
	if got := strings.Join(r.CriticalPath, " "); got != "base bad" {
		t.Errorf("critical path %q, want base bad (bad ended last; base is a parent that lives on for its users)", got)
	}
	if r.Summary.ByStatus["failed"] != 1 || r.Summary.ByStatus["skipped"] != 1 || r.Summary.CachedSteps != 3 || r.Summary.TotalSteps != 7 {
		t.Errorf("summary %+v", r.Summary)
	}
	app := find(r, "app")
	if app.ExportingMS == nil || *app.ExportingMS != 600 || *app.FinishedMS != 700 {
		t.Errorf("app's export: %v, finished %v", app.ExportingMS, app.FinishedMS)
	}
	multi := find(r, "multi")
	if len(multi.Lanes) != 2 || multi.Lanes[1] != (Lane{Platform: "linux/arm64", StartMS: 30, EndMS: 350}) {
		t.Errorf("multi's lanes: %+v", multi.Lanes)
	}
	if len(find(r, "app").Lanes) != 0 {
		t.Errorf("a one-platform target has lanes")
	}
	if len(r.Builders) != 1 || strings.Join(r.Builders[0].Nodes, ",") != "n1" {
		t.Errorf("builders %+v", r.Builders)
	}
	fs := failures(r)
	if len(fs) != 1 || fs[0].Target.Name != "bad" || len(fs[0].Because) != 1 || fs[0].Because[0].Name != "after" {
		t.Errorf("failures %+v", fs)
	}
}

func find(r *Report, name string) *Target {
	for _, t := range r.Targets {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Every bar of the timeline starts and ends where its phase's recorded
// times say, on the page's own scale.
func TestTimelineFollowsTheTimes(t *testing.T) {
	p := testPlan(t)
	res, _ := testRun(p)
	r := FromRun(p, nil, res)
	var page bytes.Buffer
	if err := WriteHTML(&page, r); err != nil {
		t.Fatal(err)
	}
	bars := CheckBars(t, page.String())
	want := map[string][2]int64{ // target/phase: from, to
		"base/building": {0, 300}, "base/serving": {300, 900},
		"app/waiting": {0, 300}, "app/building": {300, 600}, "app/exporting": {600, 700},
		"bad/queued": {300, 500}, "bad/building": {500, 900},
		"after/waiting": {0, 900},
	}
	for key, span := range want {
		got, ok := bars[key]
		if !ok {
			t.Errorf("no %s bar; bars: %v", key, bars)
			continue
		}
		if got != span {
			t.Errorf("%s: bar spans %v ms, want %v", key, got, span)
		}
	}
}

var barPattern = regexp.MustCompile(`<g class="row [^"]*" data-target="([^"]+)">|<rect class="bar p-\w+" x="([\d.]+)" y="\d+" width="([\d.]+)" height="12" data-phase="(\w+)" data-start-ms="(\d+)" data-end-ms="(\d+)"`)

// CheckBars reads the timeline's bars from a page, checks each one's x
// and width against its data-start-ms and data-end-ms on the page's
// scale, and returns their spans by "target/phase". The browser test
// runs it on what Chromium rendered.
func CheckBars(t testing.TB, page string) map[string][2]int64 {
	t.Helper()
	scale := regexp.MustCompile(`data-ms-per-px="([\d.e+-]+)" data-label-width="(\d+)"`).FindStringSubmatch(page)
	if scale == nil {
		t.Fatal("the page has no timeline scale")
	}
	msPerPx, _ := strconv.ParseFloat(scale[1], 64)
	left, _ := strconv.ParseFloat(scale[2], 64)
	bars := map[string][2]int64{}
	target := ""
	for _, m := range barPattern.FindAllStringSubmatch(page, -1) {
		if m[1] != "" {
			target = m[1]
			continue
		}
		x, _ := strconv.ParseFloat(m[2], 64)
		w, _ := strconv.ParseFloat(m[3], 64)
		from, _ := strconv.ParseInt(m[5], 10, 64)
		to, _ := strconv.ParseInt(m[6], 10, 64)
		if wantX := left + float64(from)/msPerPx; abs(x-wantX) > 0.5 {
			t.Errorf("%s %s bar at x=%.1f, its start %d ms is at %.1f", target, m[4], x, from, wantX)
		}
		if wantW := max(float64(to-from)/msPerPx, 1); abs(w-wantW) > 0.5 {
			t.Errorf("%s %s bar %.1f wide, its %d ms are %.1f", target, m[4], w, to-from, wantW)
		}
		bars[target+"/"+m[4]] = [2]int64{from, to}
	}
	return bars
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func TestPageNamesEverything(t *testing.T) {
	p := testPlan(t)
	res, _ := testRun(p)
	var page bytes.Buffer
	warning := &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "No output", Subject: &hcl.Range{Filename: "xbuild.hcl", Start: hcl.Pos{Line: 3, Column: 8}}}
	if err := WriteHTML(&page, FromRun(p, hcl.Diagnostics{warning}, res)); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	if !strings.Contains(html, "The plan's warnings") || !strings.Contains(html, "<code>xbuild.hcl:3:8</code>: No output") {
		t.Errorf("the run's page does not show the plan's warning")
	}
	for _, want := range []string{`id="t-base"`, `id="t-app"`, `id="t-bad"`, `id="t-after"`, `id="t-multi"`,
		`data-lane="linux/arm64"`, "[2/2] RUN false", "boom", `Not built because of it: <a href="#t-after">after</a>`,
		"critical path", "base → bad", `class="edge depends_on`, `class="edge context crit"`} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(html, "<script") || strings.Contains(html, "http://") && !strings.Contains(html, "http://www.w3.org/2000/svg") {
		t.Errorf("the page must be self-contained and script-free")
	}
}

func TestPlanPage(t *testing.T) {
	p := testPlan(t)
	var page bytes.Buffer
	finding := &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "No output", Detail: "Add one.",
		Subject: &hcl.Range{Filename: "xbuild.hcl", Start: hcl.Pos{Line: 3, Column: 8}}}
	r := FromPlan(p, hcl.Diagnostics{finding}, time.Now())
	if err := WriteHTML(&page, r); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	for _, want := range []string{"xbake plan: 5 targets in 3 levels", `id="levels"`, `id="graph-chart"`, `data-target="after"`,
		"0 errors, 1 warning.", "<code>xbuild.hcl:3:8</code>: No output"} {
		if !strings.Contains(html, want) {
			t.Errorf("the plan page lacks %q", want)
		}
	}
	if strings.Contains(html, `id="timeline"`) {
		t.Errorf("a plan has no timeline")
	}
}

// The JSON document is what the published schema says.
func TestJSONMatchesTheSchema(t *testing.T) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.ReportDocument))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schema.ReportURL, doc); err != nil {
		t.Fatal(err)
	}
	sch := c.MustCompile(schema.ReportURL)
	p := testPlan(t)
	res, _ := testRun(p)
	for name, r := range map[string]*Report{"run": FromRun(p, nil, res), "plan": FromPlan(p, nil, time.Now())} {
		var b bytes.Buffer
		if err := WriteJSON(&b, r); err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(&b)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("%s report: %v", name, err)
		}
	}
	// The schema must be able to fail.
	bad := map[string]any{"schemaVersion": 1, "kind": "nonsense"}
	if sch.Validate(bad) == nil {
		t.Errorf("the schema accepts anything")
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := testPlan(t)
	res, _ := testRun(p)
	r := FromRun(p, nil, res)
	for _, name := range []string{"r.html", "r.json"} {
		path := filepath.Join(dir, name)
		if err := WriteFile(path, r); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		if name == "r.json" && !json.Valid(b) || name == "r.html" && !bytes.HasPrefix(b, []byte("<!doctype html>")) {
			t.Errorf("%s: %.80s", name, b)
		}
	}
	if err := WriteFile(filepath.Join(dir, "r.txt"), r); err == nil || !strings.Contains(err.Error(), ".html") {
		t.Errorf("a .txt report: %v", err)
	}
	// A directory that cannot be written leaves nothing behind.
	if err := WriteFile(filepath.Join(dir, "missing", "r.html"), r); err == nil {
		t.Errorf("writing into a missing directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("left %v", entries)
	}
}

func TestStepPlatform(t *testing.T) {
	for name, want := range map[string]string{
		"[linux/arm64 build 2/4] RUN x": "linux/arm64", "[linux/arm/v7 1/2] COPY": "linux/arm/v7",
		"[2/4] RUN x": "", "[build 1/3] FROM": "", "exporting to image": "", "[internal] load": "",
	} {
		if got := stepPlatform(name); got != want {
			t.Errorf("stepPlatform(%q) = %q, want %q", name, got, want)
		}
	}
}

func ExampleFormatOf() {
	for _, name := range []string{"report.html", "out/run.JSON", "report.txt"} {
		f, err := FormatOf(name)
		fmt.Printf("%q %t\n", f, err != nil)
	}
	// Output:
	// "html" false
	// "json" false
	// "" true
}

// TestLanePerNode: a run spread over two nodes draws a lane per node,
// its targets under its heading, and says why a target moved.
func TestLanePerNode(t *testing.T) {
	p := testPlan(t)
	res, _ := testRun(p)
	for _, tr := range res.Targets {
		if tr.Name == "app" || tr.Name == "multi" {
			tr.Nodes = []string{"n1", "n2"}
			tr.Moved = []string{"node n1 was lost during its build; built on n2"}
		}
	}
	r := FromRun(p, nil, res)
	var page bytes.Buffer
	if err := WriteHTML(&page, r); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	n1, n2 := strings.Index(html, `data-node="n1"`), strings.Index(html, `data-node="n2"`)
	if n1 < 0 || n2 < 0 || n2 < n1 {
		t.Fatalf("no lane per node (n1 at %d, n2 at %d)", n1, n2)
	}
	lane2 := html[n2:]
	if !strings.Contains(lane2, `data-target="app"`) || !strings.Contains(lane2, `data-target="multi"`) || strings.Contains(lane2, `class="row st-cached" data-target="base"`) {
		t.Errorf("the n2 lane should hold app and multi only")
	}
	if !strings.Contains(html, "<dt>moved</dt><dd>node n1 was lost during its build; built on n2</dd>") {
		t.Errorf("the page does not say why app moved")
	}
	var js bytes.Buffer
	WriteJSON(&js, r)
	if !strings.Contains(js.String(), `"moved"`) {
		t.Errorf("the JSON report does not say why app moved")
	}
}

// TestEdgesPassThroughNoOtherBox: on random plans, no edge of the drawn
// graph passes through a box it does not join (an edge across a level
// once went straight through a box of the level between, and read as
// that box's edge).
func TestEdgesPassThroughNoOtherBox(t *testing.T) {
	for seed := range 200 {
		r := randomReport(seed)
		g := layoutGraph(r)
		for _, e := range g.Edges {
			for _, n := range g.Nodes {
				if n.Name == e.from || n.Name == e.to {
					continue
				}
				for _, p := range e.samples {
					if p.X > float64(n.X)+0.5 && p.X < float64(n.X+n.W)-0.5 && p.Y > float64(n.Y)+0.5 && p.Y < float64(n.Y+n.H)-0.5 {
						t.Fatalf("seed %d: the edge %s -> %s passes through %s at %v", seed, e.from, e.to, n.Name, p)
					}
				}
			}
		}
	}
}

// randomReport is a report of a random layered graph: up to six levels
// of up to six targets, each target waiting for one to three targets of
// any earlier level.
func randomReport(seed int) *Report {
	rng := rand.New(rand.NewPCG(uint64(seed), 3))
	r := &Report{}
	var earlier []string
	for level := range 2 + rng.IntN(5) {
		var names []string
		for i := range 1 + rng.IntN(6) {
			name := fmt.Sprintf("l%dt%d", level, i)
			names = append(names, name)
			r.Targets = append(r.Targets, &Target{Name: name, Status: "built"})
			for range 1 + rng.IntN(3) {
				if len(earlier) > 0 {
					r.Edges = append(r.Edges, Edge{From: name, To: earlier[rng.IntN(len(earlier))], Kind: "context"})
				}
			}
		}
		r.Levels = append(r.Levels, names)
		earlier = append(earlier, names...)
	}
	return r
}
