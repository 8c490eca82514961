package plan

import (
	"fmt"
	"io"
	"strings"
)

// WriteDOT draws the graph for Graphviz: an arrow from each target to the
// targets that wait for it, solid for contexts, dashed for depends_on;
// implicit targets are dashed boxes.
func WriteDOT(w io.Writer, p *Plan) error {
	var b strings.Builder
	b.WriteString("digraph xbake {\n  rankdir=LR;\n  node [shape=box];\n")
	for _, n := range p.Nodes {
		style := ""
		if n.Implicit {
			style = ", style=dashed"
		}
		fmt.Fprintf(&b, "  %q [label=%q%s];\n", n.Name, nodeLabel(n), style)
	}
	for _, n := range p.Nodes {
		for _, e := range n.Needs {
			attrs := fmt.Sprintf("label=%q", e.Context)
			if e.Kind == OrderEdge {
				attrs = "style=dashed"
			}
			fmt.Fprintf(&b, "  %q -> %q [%s];\n", e.To.Name, n.Name, attrs)
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func nodeLabel(n *Node) string {
	if len(n.Platforms) == 0 {
		return n.Name
	}
	return n.Name + "\n" + strings.Join(n.Platforms, ", ")
}

// WriteMermaid draws the graph as a Mermaid flowchart, for READMEs and pull
// request comments.
func WriteMermaid(w io.Writer, p *Plan) error {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	ids := map[*Node]string{}
	for i, n := range p.Nodes {
		ids[n] = fmt.Sprintf("n%d", i)
		label := strings.ReplaceAll(nodeLabel(n), "\n", "<br>")
		if n.Implicit {
			fmt.Fprintf(&b, "  %s([\"%s\"])\n", ids[n], label)
		} else {
			fmt.Fprintf(&b, "  %s[\"%s\"]\n", ids[n], label)
		}
	}
	for _, n := range p.Nodes {
		for _, e := range n.Needs {
			if e.Kind == OrderEdge {
				fmt.Fprintf(&b, "  %s -.-> %s\n", ids[e.To], ids[n])
			} else {
				fmt.Fprintf(&b, "  %s -->|%s| %s\n", ids[e.To], e.Context, ids[n])
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
