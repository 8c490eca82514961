package report

import (
	"fmt"
	"math"
	"strings"
)

// The graph's geometry, in pixels: one column per level, left to right.
const (
	nodeWidth  = 180
	nodeHeight = 36
	columnGap  = 70
	rowGap     = 12
	margin     = 16
)

// graph is the plan's build graph laid out for SVG: the same graph
// plan --format dot draws, each node coloured by its target's result.
type graph struct {
	Width, Height int
	Nodes         []graphNode
	Edges         []graphEdge
}

type graphNode struct {
	X, Y, W, H int
	Name       string
	Detail     string // platforms, or the builder's default
	Status     string
	Implicit   bool
	Critical   bool
}

type graphEdge struct {
	Path     string // an SVG path from the parent to the target that waits
	Kind     string
	Title    string
	Critical bool
	// from and to are the boxes it joins; samples are points along it,
	// for checking that it passes through no other box.
	from, to string
	samples  []point
}

type point struct{ X, Y float64 }

func layoutGraph(r *Report) *graph {
	g := &graph{}
	byName := map[string]*Target{}
	for _, t := range r.Targets {
		byName[t.Name] = t
	}
	at := map[string]graphNode{}
	tallest := 0
	for level, names := range r.Levels {
		for i, name := range names {
			t := byName[name]
			if t == nil {
				continue
			}
			n := graphNode{X: margin + level*(nodeWidth+columnGap), Y: margin + i*(nodeHeight+rowGap), W: nodeWidth, H: nodeHeight,
				Name: t.Name, Detail: platformsLabel(t.Platforms), Status: t.Status, Implicit: t.Implicit, Critical: t.Critical}
			at[name] = n
			g.Nodes = append(g.Nodes, n)
		}
		tallest = max(tallest, len(names))
	}
	onPath := map[[2]string]bool{}
	for i := 1; i < len(r.CriticalPath); i++ {
		onPath[[2]string{r.CriticalPath[i], r.CriticalPath[i-1]}] = true
	}
	for _, e := range r.Edges {
		from, okFrom := at[e.To] // drawn from the parent to the target that waits
		to, okTo := at[e.From]
		if !okFrom || !okTo {
			continue
		}
		title := fmt.Sprintf("%s waits for %s (depends_on)", e.From, e.To)
		if e.Kind == "context" {
			title = fmt.Sprintf("%s uses %s as context %q", e.From, e.To, e.Context)
		}
		path, samples := route(from, to, tallest)
		g.Edges = append(g.Edges, graphEdge{
			Path: path, Kind: e.Kind, Title: title, Critical: onPath[[2]string{e.From, e.To}],
			from: e.To, to: e.From, samples: samples,
		})
	}
	g.Width = margin*2 + max(len(r.Levels), 1)*(nodeWidth+columnGap) - columnGap
	g.Height = margin*2 + max(tallest, 1)*(nodeHeight+rowGap) - rowGap
	return g
}

// route draws an edge from the right side of box a to the left side of
// box b, in a later column. Between neighbouring columns a curve stays in
// the gap between them. Across columns, a straight line would cross the
// boxes of the columns between (and read as an edge of theirs), so the
// edge curves, inside the gap after a, to the gap between two rows,
// runs along it past the columns between, and curves into b inside the
// gap before b: rows line up across columns, so a gap between rows is
// free in every column.
func route(a, b graphNode, rows int) (string, []point) {
	x1, y1 := float64(a.X+a.W), float64(a.Y+a.H/2)
	x2, y2 := float64(b.X), float64(b.Y+b.H/2)
	gap := float64(columnGap)
	if x2-x1 <= gap {
		mid := (x1 + x2) / 2
		c := cubic{point{x1, y1}, point{mid, y1}, point{mid, y2}, point{x2, y2}}
		return "M" + c.p0.String() + " " + c.svg(), c.sample()
	}
	lane := laneNear((y1+y2)/2, rows)
	in := cubic{point{x1, y1}, point{x1 + gap/2, y1}, point{x1 + gap/2, lane}, point{x1 + gap, lane}}
	out := cubic{point{x2 - gap, lane}, point{x2 - gap/2, lane}, point{x2 - gap/2, y2}, point{x2, y2}}
	path := "M" + in.p0.String() + " " + in.svg() + " L" + out.p0.String() + " " + out.svg()
	samples := append(in.sample(), out.sample()...)
	for x := in.p3.X; x < out.p0.X; x += 4 {
		samples = append(samples, point{x, lane})
	}
	return path, samples
}

// laneNear is the middle of the gap between rows (or above the first,
// or below the last) nearest to y.
func laneNear(y float64, rows int) float64 {
	best := 0.0
	for i := 0; i <= rows; i++ {
		lane := float64(margin+i*(nodeHeight+rowGap)) - float64(rowGap)/2
		if i == 0 || math.Abs(lane-y) < math.Abs(best-y) {
			best = lane
		}
	}
	return best
}

type cubic struct{ p0, p1, p2, p3 point }

func (p point) String() string { return fmt.Sprintf("%g,%g", p.X, p.Y) }

func (c cubic) svg() string { return "C" + c.p1.String() + " " + c.p2.String() + " " + c.p3.String() }

// sample gives points along the curve.
func (c cubic) sample() []point {
	var out []point
	for i := 0; i <= 32; i++ {
		t := float64(i) / 32
		u := 1 - t
		out = append(out, point{
			X: u*u*u*c.p0.X + 3*u*u*t*c.p1.X + 3*u*t*t*c.p2.X + t*t*t*c.p3.X,
			Y: u*u*u*c.p0.Y + 3*u*u*t*c.p1.Y + 3*u*t*t*c.p2.Y + t*t*t*c.p3.Y,
		})
	}
	return out
}

func platformsLabel(platforms []string) string {
	if len(platforms) == 0 {
		return "builder's default platform"
	}
	return strings.Join(platforms, ", ")
}
