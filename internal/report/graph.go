package report

import (
	"fmt"
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
}

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
		x1, y1 := from.X+from.W, from.Y+from.H/2
		x2, y2 := to.X, to.Y+to.H/2
		mid := (x1 + x2) / 2
		title := fmt.Sprintf("%s waits for %s (depends_on)", e.From, e.To)
		if e.Kind == "context" {
			title = fmt.Sprintf("%s uses %s as context %q", e.From, e.To, e.Context)
		}
		g.Edges = append(g.Edges, graphEdge{
			Path: fmt.Sprintf("M%d,%d C%d,%d %d,%d %d,%d", x1, y1, mid, y1, mid, y2, x2, y2),
			Kind: e.Kind, Title: title, Critical: onPath[[2]string{e.From, e.To}],
		})
	}
	g.Width = margin*2 + max(len(r.Levels), 1)*(nodeWidth+columnGap) - columnGap
	g.Height = margin*2 + max(tallest, 1)*(nodeHeight+rowGap) - rowGap
	return g
}

func platformsLabel(platforms []string) string {
	if len(platforms) == 0 {
		return "builder's default platform"
	}
	return strings.Join(platforms, ", ")
}
