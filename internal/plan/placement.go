package plan

import (
	"slices"

	"github.com/xbake/xbake/spec"
)

// Placement is the part of a target one builder node builds.
type Placement struct {
	Node      string   `json:"node"`
	Platforms []string `json:"platforms"`
	// Emulated is set when no node of the builder declares these
	// platforms natively, so they run under emulation on Node.
	Emulated bool `json:"emulated,omitempty"`
	// Pooled is set when the node was chosen from a pool (pool.go)
	// rather than by platform: the run may take another node of the
	// pool if this one is gone.
	Pooled bool `json:"pooled,omitempty"`
}

// Place splits platforms over a builder's nodes: each platform goes to the
// first node that declares it, and a platform no node declares goes,
// emulated, to the first node. A target that cannot be split (see
// Splittable) builds every platform on the node of its first one. It
// returns nil when the builder has fewer than two nodes or none declares
// platforms (then the daemons decide, at run time).
func Place(b *spec.Builder, targetPlatforms []string, splittable bool) []Placement {
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
	first := ""
	for _, p := range targetPlatforms {
		node := nativeNode(b, p)
		switch {
		case !splittable && first != "" && node != first:
			add(first, p, true)
		case node != "":
			add(node, p, false)
		default:
			node = b.Nodes[0].Name
			add(node, p, true)
		}
		if first == "" {
			first = node
		}
	}
	return out
}

// nativeNode is the first node that declares platform p, or "".
func nativeNode(b *spec.Builder, p string) string {
	want, ok := normalized(p)
	for _, n := range b.Nodes {
		for _, np := range n.Platforms {
			if got, ok2 := normalized(np.Value); ok && ok2 && got == want {
				return n.Name
			}
		}
	}
	return ""
}

// Splittable reports whether a target's platforms may build on different
// nodes: only pushes (and the cache) can be joined afterwards, as one
// index in the registry, and only when no target link ties the target's
// result to one daemon.
func Splittable(p *Plan, n *Node) bool {
	for _, e := range n.Needs {
		if e.Kind == ContextEdge {
			return false
		}
	}
	for _, other := range p.Nodes {
		for _, e := range other.Needs {
			if e.To == n && e.Kind == ContextEdge {
				return false
			}
		}
	}
	for _, o := range n.Outputs {
		if o.Type != "cacheonly" && !o.Pushes() {
			return false
		}
	}
	return true
}

// inheritPlatforms gives a target without platforms that others use as a
// context the platforms of those users, level by level from the top, so
// that a chain of links passes them down.
func (p *Plan) inheritPlatforms() {
	for i := len(p.Levels) - 1; i >= 0; i-- {
		for _, n := range p.Levels[i] {
			for _, e := range n.Needs {
				parent := e.To
				if e.Kind != ContextEdge || (len(parent.Platforms) > 0 && !parent.PlatformsFromUsers) {
					continue
				}
				for _, pl := range n.Platforms {
					if !slices.Contains(parent.Platforms, pl) {
						parent.Platforms = append(parent.Platforms, pl)
						parent.PlatformsFromUsers = true
					}
				}
			}
		}
	}
}
