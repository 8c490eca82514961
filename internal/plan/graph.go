package plan

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/graph"
	"github.com/xbake/xbake/internal/rule"
	"github.com/xbake/xbake/spec"
)

// buildGraph creates a node per selected target and follows target:
// contexts and depends_on to the targets they need, which become implicit
// nodes.
func buildGraph(s *spec.Spec, sel *spec.Selection, opts Options, defaultBuilder string) *Plan {
	p := &Plan{byName: map[string]*Node{}}
	var queue []*Node
	add := func(name string, implicit bool) *Node {
		if n, ok := p.byName[name]; ok {
			return n
		}
		t := s.Targets[name]
		n := &Node{Name: name, Target: t, Implicit: implicit, Builder: defaultBuilder, Platforms: splitPlatforms(t.Platforms)}
		if t.Builder != nil {
			n.Builder = t.Builder.Value
		}
		p.byName[name] = n
		p.Nodes = append(p.Nodes, n)
		queue = append(queue, n)
		return n
	}
	for _, name := range sel.Targets {
		if s.Targets[name] != nil {
			add(name, false)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		t := n.Target
		for _, k := range slices.Sorted(maps.Keys(t.Contexts)) {
			v := t.Contexts[k]
			parent, ok := strings.CutPrefix(v.Value, "target:")
			if !ok || s.Targets[parent] == nil || parent == n.Name {
				continue // unknown and self links are spec errors already
			}
			n.Needs = append(n.Needs, &Edge{From: n, To: add(parent, true), Kind: ContextEdge, Context: k, Range: v.Range})
		}
		for _, d := range t.DependsOn {
			for _, name := range s.Members(d.Value) {
				if name != n.Name {
					n.Needs = append(n.Needs, &Edge{From: n, To: add(name, true), Kind: OrderEdge, Range: d.Range})
				}
			}
		}
	}
	setWaits(p)
	waitedFor := map[*Node]bool{} // targets some depends_on names
	for _, n := range p.Nodes {
		for _, e := range n.Needs {
			if e.Kind == OrderEdge {
				waitedFor[e.To] = true
			}
		}
	}
	for _, n := range p.Nodes {
		n.Outputs = plannedOutputs(n, n.Implicit && !waitedFor[n], opts)
	}
	return p
}

// plannedOutputs applies --push and --load. A target pulled in only as a
// context of others builds to the cache only, as in bake.
func plannedOutputs(n *Node, contextOnly bool, opts Options) []Output {
	entries := n.Target.Outputs
	if contextOnly {
		entries = []spec.Entry{{Type: "cacheonly"}}
	}
	if opts.Push && !contextOnly {
		entries = spec.WithPush(entries, hcl.Range{Filename: "--push"})
	}
	if opts.Load && !contextOnly {
		entries = spec.WithLoad(entries, hcl.Range{Filename: "--load"})
	}
	tags := spec.Values(n.Target.Tags)
	out := make([]Output, len(entries))
	for i, e := range entries {
		out[i] = newOutput(n.Name, e, tags)
	}
	return out
}

// findCycles reports each cycle of waiting targets once, with the
// position of every edge on it.
func (p *Plan) findCycles() hcl.Diagnostics {
	var diags hcl.Diagnostics
	graph.Cycles(p.sortedByName(), func(n *Node) []*Edge { return n.Needs }, func(e *Edge) *Node { return e.To },
		func(cycle []*Edge) bool {
			diags = append(diags, cycleDiagnostic(cycle))
			return true
		})
	return diags
}

// cycleDiagnostic describes a cycle at its closing edge (the last).
func cycleDiagnostic(edges []*Edge) *hcl.Diagnostic {
	closing := edges[len(edges)-1]
	names := []string{edges[0].From.Name}
	var links []string
	for _, e := range edges {
		names = append(names, e.To.Name)
		links = append(links, fmt.Sprintf("%s -> %s at %s (%s)", e.From.Name, e.To.Name, position(e.Range), e.describe()))
	}
	return rule.Tag(rule.DependencyCycle, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Dependency cycle",
		Detail: fmt.Sprintf("These targets wait for each other: %s. The links: %s. Remove one of them.",
			strings.Join(names, " -> "), strings.Join(links, "; ")),
		Subject: closing.Range.Ptr(),
	})
}

func (e *Edge) describe() string {
	if e.Kind == ContextEdge {
		return fmt.Sprintf("context %q", e.Context)
	}
	return "depends_on"
}

func position(r hcl.Range) string {
	if r.Start.Line == 0 {
		return r.Filename
	}
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// computeLevels gives each node one more than the highest level of what
// it waits for (edges on a cycle are ignored), orders the nodes by level
// and name, and finds the critical path.
func (p *Plan) computeLevels() {
	done := map[*Node]bool{}
	onStack := map[*Node]bool{}
	var level func(n *Node) int
	level = func(n *Node) int {
		if done[n] {
			return n.Level
		}
		onStack[n] = true
		n.Level = 0
		for _, e := range n.Needs {
			if !onStack[e.To] {
				n.Level = max(n.Level, level(e.To)+1)
			}
		}
		onStack[n], done[n] = false, true
		return n.Level
	}
	for _, n := range p.sortedByName() {
		level(n)
	}
	sort.SliceStable(p.Nodes, func(i, j int) bool {
		a, b := p.Nodes[i], p.Nodes[j]
		if a.Level != b.Level {
			return a.Level < b.Level
		}
		return a.Name < b.Name
	})
	p.Levels = nil
	for _, n := range p.Nodes {
		if n.Level == len(p.Levels) {
			p.Levels = append(p.Levels, nil)
		}
		p.Levels[n.Level] = append(p.Levels[n.Level], n)
	}
	p.CriticalPath = p.criticalPath()
}

// criticalPath walks back from the first node of the highest level through
// the first-named parent one level down, each time.
func (p *Plan) criticalPath() []*Node {
	if len(p.Levels) == 0 {
		return nil
	}
	n := p.Levels[len(p.Levels)-1][0]
	path := []*Node{n}
	for n.Level > 0 {
		var next *Node
		for _, e := range n.Needs {
			if e.To.Level == n.Level-1 && (next == nil || e.To.Name < next.Name) {
				next = e.To
			}
		}
		if next == nil {
			break
		}
		path = append([]*Node{next}, path...)
		n = next
	}
	return path
}

func (p *Plan) sortedByName() []*Node {
	out := append([]*Node{}, p.Nodes...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
