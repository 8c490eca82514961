package plan

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/diag"
)

// TextOptions say how to render a plan for people.
type TextOptions struct {
	Cwd     string               // paths are shown relative to it
	Sources map[string]*hcl.File // for diagnostic snippets
	Color   bool                 // ANSI colours (on a terminal only)
	// DiagnosticsElsewhere: the caller shows the diagnostics (on
	// stderr); the text only counts them.
	DiagnosticsElsewhere bool
}

// WriteText prints the plan level by level, then the diagnostics with
// their source lines, then a one-line count. Lines stay within 80
// columns except for long values.
func WriteText(w io.Writer, p *Plan, diags hcl.Diagnostics, o TextOptions) error {
	var b strings.Builder
	if p.Note != "" {
		b.WriteString(p.Note + "\n\n")
	}
	if len(p.Files) > 0 {
		fmt.Fprintf(&b, "read %s\n\n", strings.Join(p.Files, ", "))
	}
	if p.Cyclic {
		b.WriteString("no levels: targets wait for each other in a cycle (the error below says where)\n")
		for _, n := range p.Nodes {
			writeNode(&b, p, n, o)
		}
	}
	for i, level := range p.Levels {
		if p.Cyclic {
			break
		}
		fmt.Fprintf(&b, "level %d\n", i)
		for _, n := range level {
			writeNode(&b, p, n, o)
		}
	}
	if len(p.CriticalPath) > 1 {
		names := make([]string, len(p.CriticalPath))
		for i, n := range p.CriticalPath {
			names[i] = n.Name
		}
		fmt.Fprintf(&b, "\ncritical path: %s\n", strings.Join(names, " -> "))
	}
	writePools(&b, p.Pools)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if len(diags) > 0 && !o.DiagnosticsElsewhere {
		diag.Write(w, diags, o.Sources, o.Color)
	}
	_, err := fmt.Fprintln(w, Count(p, diags))
	return err
}

func writeNode(b *strings.Builder, p *Plan, n *Node, o TextOptions) {
	b.WriteString("  " + n.Name)
	if n.Implicit {
		b.WriteString("  (implicit: needed by " + strings.Join(dependents(p, n), ", ") + ")")
	}
	b.WriteString("\n")
	row := func(label, value string) {
		fmt.Fprintf(b, "    %-11s %s\n", label, value)
	}
	row("builder", n.Builder)
	platforms := "builder's default"
	if len(n.Platforms) > 0 {
		platforms = strings.Join(n.Platforms, ", ")
	}
	if n.PlatformsFromUsers {
		platforms += " (those of the targets that use it)"
	}
	row("platforms", platforms)
	for i, pl := range n.Placement {
		label := ""
		if i == 0 {
			label = "nodes"
		}
		how := ""
		if pl.Emulated {
			how = " (emulated: no node builds it natively)"
		}
		if pl.Pooled {
			row(label, pl.Node+" (of the builder's pool)")
			continue
		}
		row(label, pl.Node+": "+strings.Join(pl.Platforms, ", ")+how)
	}
	if len(n.Outputs) == 0 {
		row("outputs", "none (build cache only)")
	}
	for i, out := range n.Outputs {
		label := ""
		if i == 0 {
			label = "outputs"
		}
		row(label, entryText(out, o.Cwd))
	}
	if n.InputDigest != "" {
		row("inputs", shortDigest(n.InputDigest))
	}
	for i, e := range n.Needs {
		label := ""
		if i == 0 {
			label = "waits for"
		}
		what := e.describe()
		if e.Kind == OrderEdge && e.Waits == WaitResult {
			what += ", its result: it is also a context"
		}
		row(label, fmt.Sprintf("%s (%s)", e.To.Name, what))
	}
}

// writePools shows each pool's nodes with their targets and estimated
// busy time.
func writePools(b *strings.Builder, pools []*Pool) {
	for _, pool := range pools {
		fmt.Fprintf(b, "\nbuilder %s: %d nodes, about %s\n", pool.Builder, len(pool.Nodes), seconds(pool.Makespan))
		for _, n := range pool.Nodes {
			fmt.Fprintf(b, "  %-10s %d targets, %s busy (%d at once): %s\n", n.Name, len(n.Targets), seconds(n.Busy), n.Capacity, shortList(n.Targets, 6))
		}
	}
}

func seconds(s float64) string {
	if s >= 120 {
		return fmt.Sprintf("%.0fm", s/60)
	}
	return fmt.Sprintf("%.0fs", s)
}

// shortList names the first n items and counts the rest.
func shortList(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

// entryText renders an output as "type key=value ...".
func entryText(e Output, cwd string) string {
	fields := e.Fields(cwd)
	delete(fields, "type")
	parts := []string{e.Type}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		parts = append(parts, k+"="+fields[k])
	}
	return strings.Join(parts, " ")
}

// dependents lists the nodes that wait for n.
func dependents(p *Plan, n *Node) []string {
	var out []string
	for _, other := range p.Nodes {
		for _, e := range other.Needs {
			if e.To == n {
				out = append(out, other.Name)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// Count is the closing line: "3 targets in 2 levels: 0 errors, 1 warning".
func Count(p *Plan, diags hcl.Diagnostics) string {
	errs, warns := 0, 0
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs++
		} else {
			warns++
		}
	}
	levels := "in " + plural(len(p.Levels), "level")
	if p.Cyclic {
		levels = "in a cycle"
	}
	return fmt.Sprintf("%s %s: %s, %s",
		plural(len(p.Nodes), "target"), levels, plural(errs, "error"), plural(warns, "warning"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// shortDigest keeps "sha256:" and 12 hex digits, enough to compare by eye.
func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}
