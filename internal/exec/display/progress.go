package display

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/xbake/xbake/internal/exec/result"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/util/progress/progressui"
	digest "github.com/opencontainers/go-digest"
)

// logLines is how many lines of a failed step's log the summary keeps.
const logLines = 12

// Progress merges the status of every build into one display, each
// vertex prefixed with its target, and keeps per-target counts and logs
// for the summary.
type Progress struct {
	mode progressui.DisplayMode
	out  io.Writer
	ch   chan *client.SolveStatus // into the display

	mu     sync.Mutex // guards stats and phases
	stats  map[string]*targetStats
	phases map[string]*boardState // where each target is, for the board
	board  *board                 // nil without a terminal or with one target
}

type targetStats struct {
	vertices map[digest.Digest]*client.Vertex
	logs     map[digest.Digest][]*client.VertexLog // as they arrived: stdout and stderr may cross
	warnings []*client.VertexWarning               // the frontend's (lint) warnings
	nodes    []string                              // the builder nodes of its builds
}

func New(mode string, out io.Writer) (*Progress, error) {
	if out == nil {
		out = os.Stderr
	}
	switch progressui.DisplayMode(mode) {
	case "", progressui.AutoMode, progressui.TtyMode, progressui.PlainMode, progressui.RawJSONMode, progressui.QuietMode:
	default:
		return nil, fmt.Errorf("--progress %q: use auto, tty, plain, rawjson or quiet", mode)
	}
	return &Progress{mode: progressui.DisplayMode(mode), out: out, ch: make(chan *client.SolveStatus, 64), stats: map[string]*targetStats{}, phases: map[string]*boardState{}}, nil
}

// Start runs the display of the targets' builds until stop. On a
// terminal, several targets get the board above BuildKit's display.
func (p *Progress) Start(ctx context.Context, targets []string) chan struct{} {
	for _, t := range targets {
		p.SetPhase(t, "waiting")
	}
	out := p.out
	if f, ok := out.(*os.File); ok && (p.mode == progressui.TtyMode || p.mode == progressui.AutoMode || p.mode == "") {
		if p.board = newBoard(f, len(targets)); p.board != nil {
			p.board.draw = p.boardLines(p.board.lines)
			out = p.board
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		d, err := progressui.NewDisplay(out, p.mode)
		if err != nil { // no terminal for tty: fall back to plain
			d, _ = progressui.NewDisplay(p.out, progressui.PlainMode)
		}
		d.UpdateFrom(context.WithoutCancel(ctx), p.ch)
	}()
	return done
}

func (p *Progress) Stop(done chan struct{}) {
	close(p.ch)
	<-done
	if p.board != nil {
		p.board.close()
	}
}

// Forward relays the status of one build of target on a builder node
// into the display; the returned channel closes when the build's status
// channel has been drained.
func (p *Progress) Forward(target, label, node string, in chan *client.SolveStatus) chan struct{} {
	done := make(chan struct{})
	p.mu.Lock()
	st := p.stats[target]
	if st == nil { // the parts of a build split over nodes share one
		st = &targetStats{vertices: map[digest.Digest]*client.Vertex{}, logs: map[digest.Digest][]*client.VertexLog{}}
		p.stats[target] = st
	}
	st.nodes = append(st.nodes, node)
	p.mu.Unlock()
	prefix := "[" + label + "] "
	go func() {
		defer close(done)
		for s := range in {
			p.record(st, s)
			p.ch <- prefixed(s, prefix)
		}
	}()
	return done
}

func (p *Progress) record(st *targetStats, s *client.SolveStatus) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, v := range s.Vertexes {
		cp := *v
		st.vertices[v.Digest] = &cp
	}
	for _, l := range s.Logs {
		st.logs[l.Vertex] = append(st.logs[l.Vertex], l)
	}
	st.warnings = append(st.warnings, s.Warnings...)
}

// prefixed copies a status with vertex names prefixed by the target, so
// one display can show many builds.
func prefixed(s *client.SolveStatus, prefix string) *client.SolveStatus {
	out := *s
	out.Vertexes = make([]*client.Vertex, len(s.Vertexes))
	for i, v := range s.Vertexes {
		cp := *v
		cp.Name = prefix + v.Name
		out.Vertexes[i] = &cp
	}
	return &out
}

// Fill adds the step counts, and for a failure the failing step and the
// end of its log, to a target's result.
func (p *Progress) Fill(res *result.TargetResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.stats[res.Name]
	if st == nil {
		return
	}
	res.Warnings = nil
	for _, w := range st.warnings {
		if b, err := json.Marshal(w); err == nil {
			res.Warnings = append(res.Warnings, b)
		}
	}
	res.Nodes = slices.Clone(st.nodes)
	res.Steps = steps(st.vertices)
	for d, v := range st.vertices {
		if IsDockerfileStep(v.Name) && (v.Completed != nil || v.Cached) {
			res.TotalSteps++
			if v.Cached {
				res.CachedSteps++
			}
		}
		if v.Error != "" && !strings.Contains(v.Error, "context canceled") && res.FailedStep == "" {
			res.FailedStep = v.Name
			res.Logs = lastLines(logText(st.logs[d]), logLines)
		}
	}
}

// steps lists a build's vertices in the order they started (those that
// never started last), by name where they tie.
func steps(vertices map[digest.Digest]*client.Vertex) []result.Step {
	out := make([]result.Step, 0, len(vertices))
	for _, v := range vertices {
		st := result.Step{Name: v.Name, Cached: v.Cached, Error: v.Error}
		if v.Started != nil {
			st.Started = *v.Started
		}
		if v.Completed != nil {
			st.Completed = *v.Completed
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b result.Step) int {
		switch {
		case a.Started.IsZero() != b.Started.IsZero():
			if a.Started.IsZero() {
				return 1
			}
			return -1
		case !a.Started.Equal(b.Started):
			return a.Started.Compare(b.Started)
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// stepName matches the Dockerfile steps among the vertices ("[2/3] RUN
// ...", "[linux/arm64 build 1/4] COPY ..."), leaving out context
// transfers and exports, which are never cached.
var stepName = regexp.MustCompile(`^\[[^\]]*\b\d+/\d+\] `)

// IsDockerfileStep reports whether a vertex of a build is one of its
// Dockerfile's instructions (not a context transfer or an export).
func IsDockerfileStep(name string) bool { return stepName.MatchString(name) }

// logText joins a step's log in the order it was written: BuildKit sends
// stdout and stderr separately, and a later chunk of one can arrive
// before an earlier chunk of the other.
func logText(chunks []*client.VertexLog) string {
	sorted := slices.Clone(chunks)
	slices.SortStableFunc(sorted, func(a, b *client.VertexLog) int { return a.Timestamp.Compare(b.Timestamp) })
	var b strings.Builder
	for _, c := range sorted {
		b.Write(c.Data)
	}
	return b.String()
}

func lastLines(s string, n int) []string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}
