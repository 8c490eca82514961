package plan

// A target used as a context stays alive, its outputs unwritten, until
// every user has built: its result is handed over directly, never pushed
// or written to be read back. That makes "done" wait for the users, and
// a depends_on that waits for "done" can close a circle no plain cycle
// check sees: u uses p as a context and waits for q to be done, and q
// waits for p to be done, which waits for u. Such plans cannot run; they
// are refused here, with the depends_on that closes the circle.

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/graph"
	"github.com/xbake/xbake/internal/rule"
	"github.com/xbake/xbake/spec"
)

// setWaits decides what each edge waits for.
func setWaits(p *Plan) {
	for _, n := range p.Nodes {
		linked := map[*Node]bool{}
		for _, e := range n.Needs {
			if e.Kind == ContextEdge {
				linked[e.To] = true
			}
		}
		for _, e := range n.Needs {
			e.Waits = WaitDone
			if e.Kind == ContextEdge || linked[e.To] {
				e.Waits = WaitResult
			}
		}
	}
}

// event is a point in a node's run: its result published, or it done.
type event struct {
	node *Node
	done bool
}

// waitsOn lists the events ev cannot happen before, with the edge that
// makes it wait (nil for a node's own order, result before done, and for
// keep-alive, which the users' context edges make).
func (p *Plan) waitsOn(ev event, users map[*Node][]*Edge) []eventEdge {
	if !ev.done {
		var out []eventEdge
		for _, e := range ev.node.Needs {
			out = append(out, eventEdge{to: event{e.To, e.Waits == WaitDone}, edge: e})
		}
		return out
	}
	out := []eventEdge{{to: event{ev.node, false}}}
	for _, e := range users[ev.node] {
		out = append(out, eventEdge{to: event{e.From, true}, edge: e, keepAlive: true})
	}
	return out
}

type eventEdge struct {
	to        event
	edge      *Edge
	keepAlive bool
}

// findKeepAliveCycles reports the circles through keep-alive; run it
// when findCycles found none.
func (p *Plan) findKeepAliveCycles() hcl.Diagnostics {
	users := map[*Node][]*Edge{}
	for _, n := range p.Nodes {
		for _, e := range n.Needs {
			if e.Kind == ContextEdge {
				users[e.To] = append(users[e.To], e)
			}
		}
	}
	var roots []event
	for _, n := range p.sortedByName() {
		roots = append(roots, event{n, false}, event{n, true})
	}
	var found *hcl.Diagnostic
	graph.Cycles(roots, func(ev event) []eventEdge { return p.waitsOn(ev, users) }, func(e eventEdge) event { return e.to },
		func(cycle []eventEdge) bool {
			found = keepAliveDiagnostic(cycle)
			return false // one circle says enough
		})
	if found == nil {
		return nil
	}
	return hcl.Diagnostics{found}
}

// keepAliveDiagnostic describes a circle, blaming the first depends_on
// in it.
func keepAliveDiagnostic(cycle []eventEdge) *hcl.Diagnostic {
	var links []string
	var blame *Edge
	for _, ee := range cycle {
		switch {
		case ee.keepAlive:
			links = append(links, fmt.Sprintf("%s stays alive until %s has used it (context %q at %s)",
				ee.edge.To.Name, ee.edge.From.Name, ee.edge.Context, position(ee.edge.Range)))
		case ee.edge != nil && ee.edge.Waits == WaitDone:
			links = append(links, fmt.Sprintf("%s waits for %s to be done (depends_on at %s)", ee.edge.From.Name, ee.edge.To.Name, position(ee.edge.Range)))
			if blame == nil {
				blame = ee.edge
			}
		case ee.edge != nil:
			links = append(links, fmt.Sprintf("%s waits for the result of %s (%s at %s)", ee.edge.From.Name, ee.edge.To.Name, ee.edge.describe(), position(ee.edge.Range)))
		}
	}
	d := &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Dependency cycle",
		Detail: fmt.Sprintf("These targets would wait for each other forever: %s. "+
			"A target used as a context is done only after its users; remove this depends_on, or use the target as a context instead.",
			strings.Join(links, "; ")),
	}
	if blame != nil {
		d.Subject = blame.Range.Ptr()
	}
	return rule.Tag(rule.DependencyCycle, d)
}

// Cycles reports the dependency cycles of the selected targets alone,
// for commands that print a spec without planning it (bake refuses a
// loop of target: contexts even in --print).
func Cycles(s *spec.Spec, sel *spec.Selection) hcl.Diagnostics {
	p := buildGraph(s, sel, Options{}, s.DefaultBuilder())
	if d := p.findCycles(); len(d) > 0 {
		return d
	}
	return p.findKeepAliveCycles()
}
