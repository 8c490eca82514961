// Package plan turns a loaded spec and a selection of targets into the
// build graph that `xbake run` executes and `xbake plan` shows: which
// targets to build (the selected ones and those they pull in), the edges
// between them, the builder and outputs of each, and the checks (rules)
// that must hold before anything is built. Planning never contacts a
// builder or the network.
//
// Start with New in plan.go. graph.go builds the edges, finds cycles and
// computes levels and the critical path; program.go decides what building
// each node means (its Program: contexts classified, Dockerfile and ignore
// file, frontend options, secrets, the default provenance) and output.go
// parses its outputs (push read as BuildKit reads it, dest required where
// an exporter needs one), so that the executor reads nothing of the spec;
// rules.go holds one function per rule (their IDs are in internal/rule);
// digest.go gives each node its input digest and lists what it reads from
// elsewhere (base images, image and git contexts); render_*.go print a
// plan as text, JSON, Graphviz DOT or Mermaid.
package plan
