package plan

import (
	"encoding/json"
	"io"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/rule"
)

// The --format json document, described in docs/plan-json.md. Fields are
// only ever added; version changes if one changes meaning.
type jsonPlan struct {
	Version      int          `json:"version"`
	Targets      []jsonTarget `json:"targets"`
	Levels       [][]string   `json:"levels"`
	CriticalPath []string     `json:"critical_path"`
	Diagnostics  []Diagnostic `json:"diagnostics"`
	Summary      jsonSummary  `json:"summary"`
	Note         string       `json:"note,omitempty"`
	// Pools: each builder of several nodes, and its targets per node.
	Pools []*Pool `json:"pools,omitempty"`
}

type jsonTarget struct {
	Name      string              `json:"name"`
	Builder   string              `json:"builder"`
	Platforms []string            `json:"platforms"`
	Outputs   []map[string]string `json:"outputs"`
	// Images are the names it is pushed, loaded or stored under.
	Images    []string          `json:"images"`
	DependsOn []string          `json:"depends_on"`
	Contexts  map[string]string `json:"contexts"`
	// Waits says, per target in depends_on, what the run waits for:
	// "result" (its build result, kept alive for its users) or "done".
	Waits    map[string]Wait `json:"waits"`
	Implicit bool            `json:"implicit"`
	Level    int             `json:"level"`
	Nodes    []Placement     `json:"nodes,omitempty"`
	// InputDigest is empty when the inputs could not be read.
	InputDigest string `json:"input_digest"`
}

// Diagnostic is a diagnostic as the JSON documents show it: the plan's
// (docs/plan-json.md) and, with empty fields left out, the report's.
type Diagnostic struct {
	Severity string `json:"severity"`
	Rule     string `json:"rule"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
}

type jsonSummary struct {
	Targets  int `json:"targets"`
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
}

// WriteJSON prints the plan as the stable document CI scripts read.
func WriteJSON(w io.Writer, p *Plan, diags hcl.Diagnostics, cwd string) error {
	doc := jsonPlan{Version: 1, Note: p.Note, Targets: []jsonTarget{}, Levels: [][]string{}, CriticalPath: []string{}, Diagnostics: []Diagnostic{}}
	for _, n := range p.Nodes {
		t := jsonTarget{
			Name: n.Name, Builder: n.Builder, Platforms: n.Platforms, Implicit: n.Implicit, Level: n.Level, Nodes: n.Placement, InputDigest: n.InputDigest,
			Outputs: []map[string]string{}, Images: imagesOf(n), DependsOn: []string{}, Contexts: map[string]string{}, Waits: map[string]Wait{},
		}
		if t.Platforms == nil {
			t.Platforms = []string{}
		}
		for _, o := range n.Outputs {
			t.Outputs = append(t.Outputs, o.Fields(cwd))
		}
		seen := map[string]bool{}
		for _, e := range n.Needs {
			if !seen[e.To.Name] {
				seen[e.To.Name] = true
				t.DependsOn = append(t.DependsOn, e.To.Name)
			}
			if e.Kind == ContextEdge {
				t.Contexts[e.Context] = e.To.Name
			}
			if t.Waits[e.To.Name] != WaitDone {
				t.Waits[e.To.Name] = e.Waits
			}
		}
		doc.Targets = append(doc.Targets, t)
	}
	for _, level := range p.Levels {
		var names []string
		for _, n := range level {
			names = append(names, n.Name)
		}
		doc.Levels = append(doc.Levels, names)
	}
	for _, n := range p.CriticalPath {
		doc.CriticalPath = append(doc.CriticalPath, n.Name)
	}
	doc.Summary.Targets = len(p.Nodes)
	doc.Pools = p.Pools
	return writeJSONDoc(w, doc, diags)
}

// WriteJSONDiagnostics writes the document of a spec that could not be
// planned (it did not load): no targets, its diagnostics.
func WriteJSONDiagnostics(w io.Writer, diags hcl.Diagnostics) error {
	doc := jsonPlan{Version: 1, Targets: []jsonTarget{}, Levels: [][]string{}, CriticalPath: []string{}, Diagnostics: []Diagnostic{}}
	return writeJSONDoc(w, doc, diags)
}

func writeJSONDoc(w io.Writer, doc jsonPlan, diags hcl.Diagnostics) error {
	for _, d := range diags {
		doc.Diagnostics = append(doc.Diagnostics, DiagnosticOf(d))
		if d.Severity == hcl.DiagError {
			doc.Summary.Errors++
		} else {
			doc.Summary.Warnings++
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// DiagnosticOf flattens a diagnostic: its severity, rule ID, texts and
// where it starts.
func DiagnosticOf(d *hcl.Diagnostic) Diagnostic {
	j := Diagnostic{Severity: "error", Rule: string(rule.Of(d)), Summary: d.Summary, Detail: d.Detail}
	if d.Severity == hcl.DiagWarning {
		j.Severity = "warning"
	}
	if d.Subject != nil {
		j.File, j.Line, j.Column = d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column
	}
	return j
}

// imagesOf lists the names a node's image outputs use, once each.
// Images are the names the target's image, registry, docker and oci
// outputs use (an output's name=, else its tags), once each.
func (n *Node) Images() []string { return imagesOf(n) }

func imagesOf(n *Node) []string {
	out := []string{}
	for _, o := range n.Outputs {
		switch o.Type {
		case "image", "registry", "docker", "oci":
			for _, name := range imageNames(n.Target, o) {
				if !slices.Contains(out, name.Value) {
					out = append(out, name.Value)
				}
			}
		}
	}
	return out
}
