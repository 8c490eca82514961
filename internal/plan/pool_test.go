package plan

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
)

// randomPool makes a node set (some declaring amd64, some arm64, some
// both, some nothing) and a random graph of targets over it.
func randomPool(rng *rand.Rand) ([]PoolNode, []PoolTarget) {
	kinds := [][]string{{"linux/amd64"}, {"linux/arm64"}, {"linux/amd64", "linux/arm64"}, nil}
	var nodes []PoolNode
	for i := range 1 + rng.IntN(5) {
		nodes = append(nodes, PoolNode{Name: fmt.Sprintf("n%d", i), Capacity: 1 + rng.IntN(3), Platforms: kinds[rng.IntN(len(kinds))]})
	}
	var targets []PoolTarget
	for i := range 1 + rng.IntN(40) {
		t := PoolTarget{Name: fmt.Sprintf("t%02d", i), Platforms: kinds[rng.IntN(len(kinds))], Estimate: 0.5 + rng.Float64()*20}
		for j := range i { // only earlier targets: a DAG
			switch rng.IntN(12) {
			case 0:
				t.Needs = append(t.Needs, targets[j].Name)
			case 1:
				t.Needs = append(t.Needs, targets[j].Name)
				t.Links = append(t.Links, targets[j].Name)
			}
		}
		if rng.IntN(3) == 0 {
			t.Last = nodes[rng.IntN(len(nodes))].Name
		}
		targets = append(targets, t)
	}
	return nodes, targets
}

// TestSchedulePoolProperties checks the placement on random graphs and
// node sets: every target that some node can build is placed on such a
// node, after what it needs, never more at once on a node than its
// capacity, a linked target beside its parent when the parent's node can
// build it, and with a node lost, the same holds over the others and
// nothing is placed on the lost one.
func TestSchedulePoolProperties(t *testing.T) {
	for seed := range uint64(500) {
		rng := rand.New(rand.NewPCG(seed, 7))
		nodes, targets := randomPool(rng)
		checkPlacement(t, seed, nodes, targets, SchedulePool(nodes, targets))
		if len(nodes) > 1 {
			lost := nodes[rng.IntN(len(nodes))].Name
			rest := slices.DeleteFunc(slices.Clone(nodes), func(n PoolNode) bool { return n.Name == lost })
			again := SchedulePool(rest, targets)
			for name, s := range again {
				if s.Node == lost {
					t.Fatalf("seed %d: %s placed on the lost node %s", seed, name, lost)
				}
			}
			checkPlacement(t, seed, rest, targets, again)
		}
	}
}

func checkPlacement(t *testing.T, seed uint64, nodes []PoolNode, targets []PoolTarget, got map[string]Slot) {
	t.Helper()
	byNode := map[string]PoolNode{}
	for _, n := range nodes {
		byNode[n.Name] = n
	}
	intervals := map[string][][2]float64{}
	for _, tg := range targets {
		s, ok := got[tg.Name]
		if len(candidates(nodes, tg.Platforms)) == 0 {
			if ok {
				t.Fatalf("seed %d: %s placed on %s, which cannot build %v", seed, tg.Name, s.Node, tg.Platforms)
			}
			continue
		}
		if !ok {
			t.Fatalf("seed %d: %s (%v) not placed though a node can build it", seed, tg.Name, tg.Platforms)
		}
		n := byNode[s.Node]
		if len(n.Platforms) > 0 && len(tg.Platforms) > 0 && !declaresAll(n.Platforms, tg.Platforms) {
			t.Fatalf("seed %d: %s (%v) placed on %s, which declares %v", seed, tg.Name, tg.Platforms, n.Name, n.Platforms)
		}
		for _, need := range tg.Needs {
			if ns, ok := got[need]; ok && s.Start < ns.Finish-1e-9 {
				t.Fatalf("seed %d: %s starts at %.2f before %s finishes at %.2f", seed, tg.Name, s.Start, need, ns.Finish)
			}
		}
		intervals[s.Node] = append(intervals[s.Node], [2]float64{s.Start, s.Finish})
	}
	checkLinkGroups(t, seed, nodes, targets, got)
	for name, iv := range intervals {
		if most := overlap(iv); most > byNode[name].Capacity {
			t.Fatalf("seed %d: %d builds at once on %s, of capacity %d", seed, most, name, byNode[name].Capacity)
		}
	}
}

// checkLinkGroups: the targets joined by links build on one node when
// some node can build them all.
func checkLinkGroups(t *testing.T, seed uint64, nodes []PoolNode, targets []PoolTarget, got map[string]Slot) {
	t.Helper()
	group := linkGroups(targets)
	shared := sharedCandidates(nodes, targets, group)
	on := map[string]string{}
	for _, tg := range targets {
		g := group[tg.Name]
		s, ok := got[tg.Name]
		if !ok || len(shared[g]) == 0 {
			continue
		}
		if prev, seen := on[g]; seen && prev != s.Node {
			t.Fatalf("seed %d: the linked targets of group %s build on %s and %s", seed, g, prev, s.Node)
		}
		on[g] = s.Node
	}
}

// overlap is the most intervals that hold one instant.
func overlap(iv [][2]float64) int {
	type ev struct {
		at    float64
		delta int
	}
	var evs []ev
	for _, i := range iv {
		evs = append(evs, ev{i[0], 1}, ev{i[1], -1})
	}
	sort.Slice(evs, func(a, b int) bool {
		if evs[a].at != evs[b].at {
			return evs[a].at < evs[b].at
		}
		return evs[a].delta < evs[b].delta // an end before a start at the same instant
	})
	most, now := 0, 0
	for _, e := range evs {
		now += e.delta
		most = max(most, now)
	}
	return most
}

// TestSchedulePoolSpreads: thirty equal independent targets over three
// nodes of capacity one go ten to each, and the estimated wall time is a
// third of one node's.
func TestSchedulePoolSpreads(t *testing.T) {
	var targets []PoolTarget
	for i := range 30 {
		targets = append(targets, PoolTarget{Name: fmt.Sprintf("t%02d", i), Estimate: 2})
	}
	nodes := []PoolNode{{Name: "a", Capacity: 1}, {Name: "b", Capacity: 1}, {Name: "c", Capacity: 1}}
	got := SchedulePool(nodes, targets)
	count := map[string]int{}
	end := 0.0
	for _, s := range got {
		count[s.Node]++
		end = max(end, s.Finish)
	}
	if count["a"] != 10 || count["b"] != 10 || count["c"] != 10 || end != 20 {
		t.Errorf("placed %v, ending at %.1f s; want 10 on each, ending at 20 s", count, end)
	}
	// A warm cache pulls a target to its last node, but not at any cost.
	targets[0].Last = "c"
	if got := SchedulePool(nodes, targets); got["t00"].Node != "c" {
		t.Errorf("t00 built last on c went to %s", got["t00"].Node)
	}
}

// TestSchedulePoolCriticalPathFirst: the long chain starts first, on its
// own node, while the short targets share the other.
func TestSchedulePoolCriticalPathFirst(t *testing.T) {
	targets := []PoolTarget{
		{Name: "short1", Estimate: 1}, {Name: "short2", Estimate: 1}, {Name: "short3", Estimate: 1},
		{Name: "base", Estimate: 10},
		{Name: "app", Estimate: 10, Needs: []string{"base"}, Links: []string{"base"}},
	}
	got := SchedulePool([]PoolNode{{Name: "a", Capacity: 1}, {Name: "b", Capacity: 1}}, targets)
	if got["base"].Start != 0 || got["app"].Node != got["base"].Node || got["app"].Finish != 20 {
		t.Errorf("base %+v, app %+v: the chain should start at once and stay on one node", got["base"], got["app"])
	}
	for _, s := range []string{"short1", "short2", "short3"} {
		if got[s].Node == got["base"].Node && got[s].Start < got["app"].Finish && got[s].Start > 0 {
			t.Errorf("%s (%+v) delays the critical path", s, got[s])
		}
	}
}

// TestPlanShowsThePool: a spec's pool in the plan, from history: the
// slow target starts first, each node's share and busy time show in text
// and JSON, a drained node gets nothing, and a target linked to another
// builds beside it.
func TestPlanShowsThePool(t *testing.T) {
	src := `
builder "farm" {
  driver = "remote"
  node "b1" {
    endpoint        = "tcp://127.0.0.1:1"
    platforms       = ["linux/amd64"]
    max-parallelism = 1
  }
  node "b2" {
    endpoint        = "tcp://127.0.0.1:2"
    platforms       = ["linux/amd64"]
    max-parallelism = 1
  }
}
group "default" { targets = ["slow", "a", "b", "app"] }
target "_common" {
  builder           = "farm"
  platforms         = ["linux/amd64"]
  dockerfile-inline = "FROM scratch"
  output            = ["type=cacheonly"]
}
target "slow" { inherits = ["_common"] }
target "a" { inherits = ["_common"] }
target "b" { inherits = ["_common"] }
target "app" {
  inherits = ["_common"]
  contexts = { base = "target:a" }
}`
	s, sel := loadMemory(t, src)
	hist := History{Seconds: map[string]float64{"slow": 30, "a": 5, "b": 5, "app": 5}, Node: map[string]string{}}
	p, diags := New(s, sel, Options{History: hist, SkipDigests: true})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if p.Node("app").Placement[0].Node != p.Node("a").Placement[0].Node {
		t.Errorf("app (%+v) should build beside a (%+v)", p.Node("app").Placement, p.Node("a").Placement)
	}
	if slow, a := p.Node("slow").Placement[0].Node, p.Node("a").Placement[0].Node; slow == a {
		t.Errorf("the 30 s target and the 10 s chain share node %s", slow)
	}
	var text, js strings.Builder
	WriteText(&text, p, nil, TextOptions{})
	WriteJSON(&js, p, nil, "")
	for _, want := range []string{"builder farm: 2 nodes, about 30s", "1 targets, 30s busy (1 at once): slow", "3 targets, 15s busy (1 at once)", "nodes       b"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("plan text lacks %q:\n%s", want, text.String())
		}
	}
	var doc struct {
		Pools []struct {
			Builder string
			Nodes   []struct {
				Name     string
				Capacity int
				Targets  []string
				Busy     float64 `json:"busy_seconds"`
			}
		}
	}
	if err := json.Unmarshal([]byte(js.String()), &doc); err != nil || len(doc.Pools) != 1 || doc.Pools[0].Builder != "farm" ||
		len(doc.Pools[0].Nodes) != 2 || doc.Pools[0].Nodes[0].Capacity != 1 || doc.Pools[0].Nodes[0].Busy+doc.Pools[0].Nodes[1].Busy != 45 {
		t.Errorf("plan JSON's pools: %v %+v\n%s", err, doc, js.String())
	}

	// A node that does not answer at the start: the run places the pool
	// again over the others.
	if !p.Replace("farm", map[string]bool{"b2": true}) || len(p.Pools[0].Nodes) != 1 || len(p.Pools[0].Nodes[0].Targets) != 4 {
		t.Errorf("Replace without b2: %+v", p.Pools[0])
	}
	for _, n := range p.Nodes {
		if n.Placement[0].Node != "b1" {
			t.Errorf("%s placed on %s after b2 was left out", n.Name, n.Placement[0].Node)
		}
	}
	if p.Replace("other", nil) {
		t.Errorf("Replace of a builder without a pool")
	}

	p, _ = New(s, sel, Options{History: hist, SkipDigests: true, Drain: map[string]bool{"farm/b1": true}})
	for _, n := range p.Nodes {
		if n.Placement[0].Node != "b2" {
			t.Errorf("%s placed on %s though b1 is drained", n.Name, n.Placement[0].Node)
		}
	}
}

// TestPlaceOverTheLiveNodes: failover's placement (PlaceOver) puts every
// target some live node builds on a live node, with the same scheduler's
// guarantees, and nothing on a node that is not live.
func TestPlaceOverTheLiveNodes(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 11))
		nodes, targets := randomPool(rng)
		var live []string
		var liveNodes []PoolNode
		for _, n := range nodes {
			if rng.IntN(3) > 0 {
				live = append(live, n.Name)
				liveNodes = append(liveNodes, n)
			}
		}
		p := &Plan{Pools: []*Pool{{Builder: "b", nodes: nodes, targets: targets}}}
		got := p.PlaceOver("b", live, nil)
		for name, node := range got {
			if !slices.Contains(live, node) {
				t.Fatalf("seed %d: %s placed on %s, which is not live (%v)", seed, name, node, live)
			}
		}
		for _, tg := range targets {
			if _, ok := got[tg.Name]; !ok && len(candidates(liveNodes, tg.Platforms)) > 0 {
				t.Fatalf("seed %d: %s left unplaced though a live node builds it", seed, tg.Name)
			}
		}
	}
}
