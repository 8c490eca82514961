// Package graph holds the one cycle search of xbake. Every graph that
// must not loop is searched with it: the plan's waits (target: contexts
// and depends_on), the finer graph of when each build may end
// (keep-alive), and groups naming groups. Start with Cycles.
//
// Loops met while evaluating (an attribute that reads itself through
// target.NAME.ATTR, inherits that come back to a target) are found by
// the evaluator as it recurses, since those edges exist only once a value
// is computed; they are not graphs searched here.
package graph

// Cycles searches the graph reachable from roots depth-first, roots and
// edges in the order given, and calls found for each edge that closes a
// cycle, with the cycle's edges in order: from the edge leaving the
// first node of the cycle to the closing edge. A node is entered once,
// so each cycle is reported once. The search stops when found returns
// false.
func Cycles[N comparable, E any](roots []N, edges func(N) []E, to func(E) N, found func(cycle []E) bool) {
	s := search[N, E]{state: map[N]int{}, edges: edges, to: to, found: found}
	for _, r := range roots {
		if s.state[r] == unvisited && !s.stopped {
			s.visit(r)
		}
	}
}

const (
	unvisited = iota
	onPath
	done
)

type search[N comparable, E any] struct {
	state   map[N]int
	nodes   []N // the path from the root: nodes[i] is where path[i] leaves
	path    []E
	edges   func(N) []E
	to      func(E) N
	found   func([]E) bool
	stopped bool
}

func (s *search[N, E]) visit(n N) {
	s.state[n] = onPath
	for _, e := range s.edges(n) {
		if s.stopped {
			return
		}
		next := s.to(e)
		switch s.state[next] {
		case onPath:
			if !s.found(s.cycle(e, next)) {
				s.stopped = true
			}
		case unvisited:
			s.nodes, s.path = append(s.nodes, n), append(s.path, e)
			s.visit(next)
			s.nodes, s.path = s.nodes[:len(s.nodes)-1], s.path[:len(s.path)-1]
		}
	}
	s.state[n] = done
}

// cycle is the part of the path from start, then the closing edge (the
// closing edge alone for a node that names itself: start is then the
// current node, which is on no edge of the path yet).
func (s *search[N, E]) cycle(closing E, start N) []E {
	i := len(s.nodes)
	for j := len(s.nodes) - 1; j >= 0; j-- {
		if s.nodes[j] == start {
			i = j
			break
		}
	}
	return append(append([]E{}, s.path[i:]...), closing)
}
