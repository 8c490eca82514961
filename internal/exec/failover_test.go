package exec

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/xbake/xbake/internal/builder"
	"github.com/xbake/xbake/internal/plan"
)

// TestFailoverPlacesEveryPlatformOnce: over random node sets, targets,
// plan placements and lost nodes, where a target builds after a loss is
// always either every platform once, each on a live node that builds it,
// in one part unless the target's parts can be joined; or, only when no
// live node builds them all, an error that says why. A pinned target (its parent's result lives on a node) builds
// only there.
func TestFailoverPlacesEveryPlatformOnce(t *testing.T) {
	kinds := [][]string{{"linux/amd64"}, {"linux/arm64"}, {"linux/amd64", "linux/arm64"}, {"linux/riscv64"}}
	all := []string{"linux/amd64", "linux/arm64", "linux/riscv64"}
	for seed := range uint64(2000) {
		rng := rand.New(rand.NewPCG(seed, 31))
		var nodes []builder.NodeClient
		for i := range 2 + rng.IntN(4) {
			native := kinds[rng.IntN(len(kinds))]
			emulated := slices.Clone(native)
			if rng.IntN(2) == 0 {
				emulated = all // qemu on this node
			}
			nodes = append(nodes, builder.NodeClient{Builder: "pool", Name: fmt.Sprintf("n%d", i), Native: native, All: emulated})
		}
		platforms := kinds[rng.IntN(len(kinds))]
		node := &plan.Node{Name: "t", Builder: "pool", Splittable: rng.IntN(2) == 0}
		switch rng.IntN(3) {
		case 0: // pooled
			node.Placement = []plan.Placement{{Node: nodes[rng.IntN(len(nodes))].Name, Platforms: platforms, Pooled: true}}
		case 1: // by platform; one node when its parts cannot be joined
			on := nodes[rng.IntN(len(nodes))].Name
			for _, p := range platforms {
				if node.Splittable {
					on = nodes[rng.IntN(len(nodes))].Name
				}
				node.Placement = append(node.Placement, plan.Placement{Node: on, Platforms: []string{p}})
			}
		}
		j := &job{node: node, platforms: platforms}
		r := &runner{busy: map[string]int{}, lost: map[string]bool{}, lostChanged: make(chan struct{}), joined: map[string]*sync.Once{}}
		live := slices.Clone(nodes)
		for range rng.IntN(len(nodes)) { // lose some, never all
			k := rng.IntN(len(live))
			r.lost["pool/"+live[k].Name] = true
			live = slices.Delete(live, k, k+1)
		}
		pin := ""
		if rng.IntN(4) == 0 {
			pin = live[rng.IntN(len(live))].Name
		}
		parts, err := r.split(j, live, pin)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("seed %d: an error without a reason", seed)
			}
			if i := slices.IndexFunc(live, func(n builder.NodeClient) bool { return buildsAll(n, platforms) }); i >= 0 && pin == "" {
				t.Fatalf("seed %d: %v refused (%v) though node %s builds them all", seed, platforms, err, live[i].Name)
			}
			continue
		}
		var got []string
		for _, p := range parts {
			if !slices.ContainsFunc(live, func(n builder.NodeClient) bool { return n.Name == p.node.Name }) {
				t.Fatalf("seed %d: a part on %s, which is lost", seed, p.node.Name)
			}
			if pin != "" && p.node.Name != pin {
				t.Fatalf("seed %d: pinned to %s, built on %s", seed, pin, p.node.Name)
			}
			if len(live) > 1 && !buildsAll(p.node, p.platforms) && len(node.Placement) > 0 && !slices.ContainsFunc(node.Placement, func(pl plan.Placement) bool { return pl.Node == p.node.Name }) {
				t.Fatalf("seed %d: %v moved to %s, which does not build them (%v)", seed, p.platforms, p.node.Name, p.node.All)
			}
			got = append(got, p.platforms...)
		}
		if len(parts) > 1 && !node.Splittable {
			t.Fatalf("seed %d: a target whose parts cannot be joined is split over %d nodes", seed, len(parts))
		}
		if len(platforms) > 0 && !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(platforms))) {
			t.Fatalf("seed %d: builds %v, want each of %v once", seed, got, platforms)
		}
	}
}
