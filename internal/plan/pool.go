package plan

import (
	"cmp"
	"slices"

	"github.com/xbake/xbake/spec"
)

// A builder's nodes that build the same platforms form a pool: the plan
// spreads the targets of one platform over them, where bake sends them
// all to the first node. It places them by list scheduling: targets in
// order of the longest estimated chain they start (the critical path
// first), each on the node where it would finish first, given the
// node's capacity and what is placed on it already. A target prefers the
// node that built it last (its cache is warm there) unless that costs
// more than a quarter of its own time, and a target linked to another
// (a target: context) builds on its parent's node: the result stays in
// one daemon instead of being built again on another. Estimates come
// from earlier runs (History); a target never built counts as the mean of
// those that were, else DefaultEstimate.

// DefaultEstimate is the seconds a target never built is assumed to take
// when no target of the spec has been built yet.
const DefaultEstimate = 10.0

// DefaultCapacity is how many builds a node that declares no
// max-parallelism is assumed to take at once (BuildKit does not report
// its own limit).
const DefaultCapacity = 4

// History is what earlier runs say of each target, by name: how long
// its build took and on which node of its builder it ran.
type History struct {
	Seconds map[string]float64 `json:"seconds"`
	Node    map[string]string  `json:"node"`
}

// PoolNode is a node of a pool as the scheduler sees it.
type PoolNode struct {
	Name     string
	Capacity int
	// Platforms the node declares; empty: it takes any (its daemon
	// decides, and the run checks what it reports).
	Platforms []string
}

// PoolTarget is a target to place.
type PoolTarget struct {
	Name      string
	Platforms []string
	Needs     []string // targets it waits for (any builder)
	Links     []string // targets it uses as a context: it builds beside them
	Estimate  float64  // seconds
	Last      string   // the node that built it last, or ""
}

// Slot is where and when (in estimated seconds from the start) a target
// builds.
type Slot struct {
	Node          string  `json:"node"`
	Start, Finish float64 `json:"-"`
}

// NodeLoad is one node's share of a pool in the plan.
type NodeLoad struct {
	Name     string   `json:"name"`
	Capacity int      `json:"capacity"`
	Targets  []string `json:"targets"`
	// Busy is the sum of its targets' estimates, in seconds.
	Busy float64 `json:"busy_seconds"`
}

// Pool is one builder's placement.
type Pool struct {
	Builder string     `json:"builder"`
	Nodes   []NodeLoad `json:"nodes"`
	// Makespan is the estimated wall time of the pool's targets.
	Makespan float64 `json:"estimated_seconds"`
	// What it was placed from, to place it again without a node.
	nodes   []PoolNode
	targets []PoolTarget
}

// SchedulePool places targets on nodes. A target that no node can build
// (none declares all its platforms) is left out of the result: the
// caller places it another way. Needs on targets outside the list count
// as done at the start.
func SchedulePool(nodes []PoolNode, targets []PoolTarget) map[string]Slot {
	byName := map[string]*PoolTarget{}
	for i := range targets {
		byName[targets[i].Name] = &targets[i]
	}
	rank := bottomLevels(targets, byName)
	order := make([]*PoolTarget, 0, len(targets))
	for i := range targets {
		order = append(order, &targets[i])
	}
	// Highest rank first; with positive estimates a target's rank is
	// above every target that waits for it, so needs come first.
	slices.SortStableFunc(order, func(a, b *PoolTarget) int {
		if c := cmp.Compare(rank[b.Name], rank[a.Name]); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	slots := map[string][]float64{} // per node, when each of its build slots is free
	for _, n := range nodes {
		slots[n.Name] = make([]float64, max(n.Capacity, 1))
	}
	count := map[string]int{}
	group := linkGroups(targets)
	shared := sharedCandidates(nodes, targets, group)
	groupNode := map[string]string{}
	out := map[string]Slot{}
	for _, t := range order {
		ready := 0.0
		for _, need := range t.Needs {
			if s, ok := out[need]; ok {
				ready = max(ready, s.Finish)
			}
		}
		cands := candidates(nodes, t.Platforms)
		if n, ok := groupNode[group[t.Name]]; ok && slices.ContainsFunc(cands, func(c PoolNode) bool { return c.Name == n }) {
			cands = []PoolNode{nodeNamed(nodes, n)}
		} else if s := shared[group[t.Name]]; !ok && len(s) > 0 {
			cands = s // the first of its group: a node that can build the whole group
		}
		if len(cands) == 0 {
			continue
		}
		best, bestFinish := "", 0.0
		// startOn is when the target can start on node n, in which slot.
		startOn := func(n string) (float64, int) {
			free := slots[n]
			i := slices.Index(free, slices.Min(free))
			return max(ready, free[i]), i
		}
		for _, c := range cands {
			s, _ := startOn(c.Name)
			f := s + t.Estimate
			if best == "" || f < bestFinish || f == bestFinish && count[c.Name] < count[best] {
				best, bestFinish = c.Name, f
			}
		}
		if t.Last != "" && t.Last != best && slices.ContainsFunc(cands, func(c PoolNode) bool { return c.Name == t.Last }) {
			if s, _ := startOn(t.Last); s+t.Estimate <= bestFinish+t.Estimate/4 {
				best = t.Last
			}
		}
		start, i := startOn(best)
		slots[best][i] = start + t.Estimate
		count[best]++
		out[t.Name] = Slot{Node: best, Start: start, Finish: start + t.Estimate}
		if _, ok := groupNode[group[t.Name]]; !ok {
			groupNode[group[t.Name]] = best
		}
	}
	return out
}

// bottomLevels is, per target, its estimate plus the longest chain of
// estimates of the targets that wait for it: how much of the run still
// depends on it once it starts.
func bottomLevels(targets []PoolTarget, byName map[string]*PoolTarget) map[string]float64 {
	users := map[string][]string{}
	for _, t := range targets {
		for _, need := range t.Needs {
			users[need] = append(users[need], t.Name)
		}
	}
	rank := map[string]float64{}
	visiting := map[string]bool{}
	var visit func(name string) float64
	visit = func(name string) float64 {
		if r, ok := rank[name]; ok {
			return r
		}
		if visiting[name] { // a cycle: the plan reports it; rank it as a leaf
			return 0
		}
		visiting[name] = true
		longest := 0.0
		for _, u := range users[name] {
			longest = max(longest, visit(u))
		}
		rank[name] = byName[name].Estimate + longest
		return rank[name]
	}
	for _, t := range targets {
		visit(t.Name)
	}
	return rank
}

// linkGroups names, per target, the group of targets joined by links
// (union-find over Links): one group builds on one node.
func linkGroups(targets []PoolTarget) map[string]string {
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		if p, ok := parent[x]; ok && p != x {
			parent[x] = find(p)
			return parent[x]
		}
		parent[x] = x
		return x
	}
	for _, t := range targets {
		for _, l := range t.Links {
			a, b := find(t.Name), find(l)
			if a != b {
				parent[max(a, b)] = min(a, b)
			}
		}
	}
	out := map[string]string{}
	for _, t := range targets {
		out[t.Name] = find(t.Name)
	}
	return out
}

// sharedCandidates are, per link group, the nodes that can build every
// member of it.
func sharedCandidates(nodes []PoolNode, targets []PoolTarget, group map[string]string) map[string][]PoolNode {
	out := map[string][]PoolNode{}
	seen := map[string]bool{}
	for _, t := range targets {
		g := group[t.Name]
		c := candidates(nodes, t.Platforms)
		if !seen[g] {
			seen[g], out[g] = true, c
			continue
		}
		out[g] = slices.DeleteFunc(out[g], func(n PoolNode) bool {
			return !slices.ContainsFunc(c, func(m PoolNode) bool { return m.Name == n.Name })
		})
	}
	return out
}

// candidates are the nodes that build every platform: those that declare
// them all, and those that declare none (their daemons decide).
func candidates(nodes []PoolNode, platforms []string) []PoolNode {
	var out []PoolNode
	for _, n := range nodes {
		if len(n.Platforms) == 0 || len(platforms) == 0 || declaresAll(n.Platforms, platforms) {
			out = append(out, n)
		}
	}
	return out
}

func declaresAll(declared, platforms []string) bool {
	for _, p := range platforms {
		want, ok := normalized(p)
		if !ok || !slices.ContainsFunc(declared, func(d string) bool { got, ok := normalized(d); return ok && got == want }) {
			return false
		}
	}
	return true
}

func nodeNamed(nodes []PoolNode, name string) PoolNode {
	return nodes[slices.IndexFunc(nodes, func(n PoolNode) bool { return n.Name == name })]
}

// placePools places the targets of every builder of several nodes that is
// not split over nodes by platform (Place): each goes, whole, to a node of
// its pool. It fills Node.Placement and Plan.Pools.
func (p *Plan) placePools(s *spec.Spec, hist History, drained map[string]bool) {
	byBuilder := map[string][]*Node{}
	var builders []string
	for _, n := range p.Nodes {
		b := s.Builders[n.Builder]
		if b == nil || len(b.Nodes) < 2 || b.Driver.Value != "remote" || len(n.Placement) > 1 {
			continue
		}
		if _, ok := byBuilder[n.Builder]; !ok {
			builders = append(builders, n.Builder)
		}
		byBuilder[n.Builder] = append(byBuilder[n.Builder], n)
	}
	mean := meanEstimate(hist)
	for _, name := range builders {
		var nodes []PoolNode
		for _, sn := range s.Builders[name].Nodes {
			if drained[name+"/"+sn.Name] || drained[sn.Name] {
				continue
			}
			capacity := sn.MaxParallelism
			if capacity == 0 {
				capacity = DefaultCapacity
			}
			nodes = append(nodes, PoolNode{Name: sn.Name, Capacity: capacity, Platforms: spec.Values(sn.Platforms)})
		}
		var targets []PoolTarget
		for _, n := range byBuilder[name] {
			t := PoolTarget{Name: n.Name, Platforms: n.Platforms, Estimate: mean, Last: hist.Node[n.Name]}
			if sec, ok := hist.Seconds[n.Name]; ok {
				t.Estimate = max(sec, 0.1)
			}
			for _, e := range n.Needs {
				t.Needs = append(t.Needs, e.To.Name)
				if e.Kind == ContextEdge && e.To.Builder == n.Builder {
					t.Links = append(t.Links, e.To.Name)
				}
			}
			targets = append(targets, t)
		}
		pool := &Pool{Builder: name, nodes: nodes, targets: targets}
		p.assign(pool, nodes)
		p.Pools = append(p.Pools, pool)
	}
}

// assign places the pool's targets over nodes and records each node's
// share.
func (p *Plan) assign(pool *Pool, nodes []PoolNode) {
	placed := SchedulePool(nodes, pool.targets)
	pool.Nodes, pool.Makespan = nil, 0
	for _, pn := range nodes {
		pool.Nodes = append(pool.Nodes, NodeLoad{Name: pn.Name, Capacity: pn.Capacity, Targets: []string{}})
	}
	for _, t := range pool.targets {
		slot, ok := placed[t.Name]
		if !ok {
			continue // no node declares its platforms: Place's emulation stands
		}
		n := p.Node(t.Name)
		n.Placement = []Placement{{Node: slot.Node, Platforms: n.Platforms, Pooled: true}}
		i := slices.IndexFunc(pool.Nodes, func(l NodeLoad) bool { return l.Name == slot.Node })
		pool.Nodes[i].Targets = append(pool.Nodes[i].Targets, t.Name)
		pool.Nodes[i].Busy += t.Estimate
		pool.Makespan = max(pool.Makespan, slot.Finish)
	}
}

// Replace places a builder's pooled targets again over its nodes less
// those gone (they did not answer when the run started): the run's own
// placement, before any of them builds. It reports whether the builder
// has a pool.
func (p *Plan) Replace(builder string, gone map[string]bool) bool {
	for _, pool := range p.Pools {
		if pool.Builder != builder {
			continue
		}
		live := slices.DeleteFunc(slices.Clone(pool.nodes), func(n PoolNode) bool { return gone[n.Name] })
		if len(live) > 0 {
			p.assign(pool, live)
		}
		return true
	}
	return false
}

// PlaceOver places a builder's pooled targets again, by the same
// scheduler, over those of its nodes named in live, and returns the node
// of each target that has not built yet (done says which have):
// failover's placement when a node is lost during the run. The plan
// itself is left as it is (the run is reading it).
func (p *Plan) PlaceOver(builder string, live []string, done map[string]bool) map[string]string {
	for _, pool := range p.Pools {
		if pool.Builder != builder {
			continue
		}
		nodes := slices.DeleteFunc(slices.Clone(pool.nodes), func(n PoolNode) bool { return !slices.Contains(live, n.Name) })
		var left []PoolTarget
		for _, t := range pool.targets {
			if !done[t.Name] {
				left = append(left, t)
			}
		}
		out := map[string]string{}
		for name, slot := range SchedulePool(nodes, left) {
			out[name] = slot.Node
		}
		return out
	}
	return nil
}

// meanEstimate is what a target never built is assumed to take.
func meanEstimate(h History) float64 {
	if len(h.Seconds) == 0 {
		return DefaultEstimate
	}
	sum := 0.0
	for _, s := range h.Seconds {
		sum += s
	}
	return max(sum/float64(len(h.Seconds)), 0.1)
}
