// Package plan turns a loaded spec and a selection of targets into the
// build graph that `xbake run` executes and `xbake plan` shows: which
// targets to build (the selected ones and those they pull in), the edges
// between them, the builder and outputs of each, and the checks (rules)
// that must hold before anything is built. Planning never contacts a
// builder or the network.
//
// Start with New in plan.go. graph.go builds the edges, finds cycles and
// computes levels and the critical path; rules.go holds one function per
// rule (their IDs are in internal/rule); render_*.go print a plan as text,
// JSON, Graphviz DOT or Mermaid.
package plan
