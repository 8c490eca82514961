package plan

import (
	"github.com/xbake/xbake/spec"
)

// Placement is the part of a target one builder node builds.
type Placement struct {
	Node      string   `json:"node"`
	Platforms []string `json:"platforms"`
	// Emulated is set when no node of the builder declares these
	// platforms natively, so they run under emulation on Node.
	Emulated bool `json:"emulated,omitempty"`
}

// Place splits platforms over a builder's nodes: each platform goes to the
// first node that declares it, and a platform no node declares goes,
// emulated, to the first node. It returns nil when the builder has fewer
// than two nodes or none declares platforms (then the daemons decide, at
// run time).
func Place(b *spec.Builder, targetPlatforms []string) []Placement {
	if b == nil || len(b.Nodes) < 2 || len(targetPlatforms) == 0 {
		return nil
	}
	declared := false
	for _, n := range b.Nodes {
		declared = declared || len(n.Platforms) > 0
	}
	if !declared {
		return nil
	}
	var out []Placement
	add := func(node, platform string, emulated bool) {
		for i := range out {
			if out[i].Node == node && out[i].Emulated == emulated {
				out[i].Platforms = append(out[i].Platforms, platform)
				return
			}
		}
		out = append(out, Placement{Node: node, Platforms: []string{platform}, Emulated: emulated})
	}
	for _, p := range targetPlatforms {
		want, ok := normalized(p)
		node := ""
		for _, n := range b.Nodes {
			for _, np := range n.Platforms {
				if got, ok2 := normalized(np.Value); ok && ok2 && got == want && node == "" {
					node = n.Name
				}
			}
		}
		if node != "" {
			add(node, p, false)
		} else {
			add(b.Nodes[0].Name, p, true)
		}
	}
	return out
}
