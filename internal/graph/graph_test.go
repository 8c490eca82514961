package graph

import (
	"reflect"
	"strings"
	"testing"
)

type edge struct{ from, to string }

func find(g map[string][]string, roots ...string) []string {
	var out []string
	edges := func(n string) []edge {
		var es []edge
		for _, t := range g[n] {
			es = append(es, edge{n, t})
		}
		return es
	}
	Cycles(roots, edges, func(e edge) string { return e.to }, func(c []edge) bool {
		names := []string{c[0].from}
		for _, e := range c {
			names = append(names, e.to)
		}
		out = append(out, strings.Join(names, "->"))
		return true
	})
	return out
}

func TestCycles(t *testing.T) {
	cases := []struct {
		name  string
		g     map[string][]string
		roots []string
		want  []string
	}{
		{"none", map[string][]string{"a": {"b", "c"}, "b": {"c"}}, []string{"a", "b", "c"}, nil},
		{"self", map[string][]string{"a": {"a"}}, []string{"a"}, []string{"a->a"}},
		{"three", map[string][]string{"a": {"b"}, "b": {"c"}, "c": {"a"}}, []string{"a", "b", "c"}, []string{"a->b->c->a"}},
		{"entered midway", map[string][]string{"x": {"a"}, "a": {"b"}, "b": {"a"}}, []string{"x"}, []string{"a->b->a"}},
		{"two cycles", map[string][]string{"a": {"b", "c"}, "b": {"a"}, "c": {"c"}}, []string{"a"}, []string{"a->b->a", "c->c"}},
		{"diamond is no cycle", map[string][]string{"a": {"b", "c"}, "b": {"d"}, "c": {"d"}}, []string{"a"}, nil},
	}
	for _, c := range cases {
		if got := find(c.g, c.roots...); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: cycles %v, want %v", c.name, got, c.want)
		}
	}
}

func TestCyclesStops(t *testing.T) {
	g := map[string][]string{"a": {"a", "b"}, "b": {"b"}}
	calls := 0
	Cycles([]string{"a"}, func(n string) []edge {
		var es []edge
		for _, t := range g[n] {
			es = append(es, edge{n, t})
		}
		return es
	}, func(e edge) string { return e.to }, func([]edge) bool { calls++; return false })
	if calls != 1 {
		t.Errorf("found was called %d times after asking to stop", calls)
	}
}
