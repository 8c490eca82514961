package plandiff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText shows the diff for a terminal or a log: one block per target
// that changes, unchanged targets counted. Color marks added, removed and
// rebuilt targets.
func WriteText(w io.Writer, d *Diff, color bool) error {
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "compared with %s (%s)\n", d.Ref, short(d.Base))
	for _, e := range d.OldErrors {
		fmt.Fprintf(&b, "the spec does not load at %s: %s\n", short(d.Base), e)
	}
	for _, t := range d.Targets {
		b.WriteString("\n")
		switch t.Change {
		case "added":
			fmt.Fprintf(&b, "%s %s  added (%s)\n", paint("32", "+"), t.Name, t.Position)
		case "removed":
			fmt.Fprintf(&b, "%s %s  removed (was %s)\n", paint("31", "-"), t.Name, t.Position)
			continue
		default:
			what := "changed, not rebuilt"
			if t.Rebuilt {
				what = "rebuilt"
			}
			fmt.Fprintf(&b, "%s %s  %s\n", paint("33", "~"), t.Name, what)
		}
		writeDetails(&b, t, "    ")
	}
	writeGroupsText(&b, d.Groups)
	fmt.Fprintf(&b, "\n%s\n", summary(d))
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDetails(b *strings.Builder, t TargetDiff, indent string) {
	for _, a := range t.Attributes {
		where := a.Position
		if a.OldPosition != "" && a.OldPosition != a.Position {
			where += ", was " + a.OldPosition
		}
		if where != "" {
			where = "  (" + strings.TrimPrefix(where, ", ") + ")"
		}
		fmt.Fprintf(b, "%s%s: %s -> %s%s\n", indent, a.Name, valueText(a.Old), valueText(a.New), where)
	}
	for _, f := range t.Files {
		fmt.Fprintf(b, "%sfile changed: %s\n", indent, f)
	}
	for _, p := range t.Parents {
		fmt.Fprintf(b, "%sbuilds on %s, which is rebuilt\n", indent, p)
	}
	for _, c := range t.BaseImages {
		fmt.Fprintf(b, "%sbase image: %s -> %s\n", indent, orNone(c.Old), orNone(c.New))
	}
	if len(t.Tags) > 0 {
		fmt.Fprintf(b, "%spublishes: %s\n", indent, strings.Join(t.Tags, ", "))
	}
	if len(t.Outputs) > 0 {
		fmt.Fprintf(b, "%soutputs: %s\n", indent, strings.Join(t.Outputs, "; "))
	}
}

func writeGroupsText(b *strings.Builder, g GroupDiff) {
	for _, x := range []struct {
		what  string
		names []string
	}{{"added", g.Added}, {"removed", g.Removed}, {"changed", g.Changed}} {
		if len(x.names) > 0 {
			fmt.Fprintf(b, "\ngroups %s: %s\n", x.what, strings.Join(x.names, ", "))
		}
	}
}

// WriteMarkdown shows the diff for a pull-request comment or
// $GITHUB_STEP_SUMMARY: short, with the details of each target in a
// list.
func WriteMarkdown(w io.Writer, d *Diff) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### xbake plan: %s\n\n", summary(d))
	fmt.Fprintf(&b, "Compared with `%s` (`%s`).\n", d.Ref, short(d.Base))
	for _, e := range d.OldErrors {
		fmt.Fprintf(&b, "\n> The spec does not load at `%s`: %s\n", short(d.Base), e)
	}
	if len(d.Targets) > 0 {
		b.WriteString("\n| target | change |\n|---|---|\n")
		for _, t := range d.Targets {
			what := t.Change
			if t.Change == "changed" {
				what = "changed, not rebuilt"
				if t.Rebuilt {
					what = "rebuilt"
				}
			}
			fmt.Fprintf(&b, "| `%s` | %s |\n", t.Name, what)
		}
	}
	for _, t := range d.Targets {
		if t.Change == "removed" {
			continue
		}
		var details strings.Builder
		writeDetails(&details, t, "- ")
		if details.Len() > 0 {
			fmt.Fprintf(&b, "\n**%s**\n\n%s", t.Name, codeSpans(details.String()))
		}
	}
	writeGroupsText(&b, d.Groups)
	_, err := io.WriteString(w, b.String())
	return err
}

// codeSpans wraps each detail line's value part in backticks, so that
// Markdown shows names, paths and values as they are.
func codeSpans(lines string) string {
	var out strings.Builder
	for _, line := range strings.SplitAfter(lines, "\n") {
		if line == "" {
			continue
		}
		text := strings.TrimSuffix(strings.TrimPrefix(line, "- "), "\n")
		label, value, ok := strings.Cut(text, ": ")
		if !ok {
			fmt.Fprintf(&out, "- %s\n", text)
			continue
		}
		fmt.Fprintf(&out, "- %s: `%s`\n", label, strings.ReplaceAll(value, "`", "'"))
	}
	return out.String()
}

// WriteJSON writes the diff as the document of docs/plan-json.md.
func WriteJSON(w io.Writer, d *Diff) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

func summary(d *Diff) string {
	rebuilt, added, removed, changed := 0, 0, 0, 0
	for _, t := range d.Targets {
		switch {
		case t.Change == "added":
			added++
		case t.Change == "removed":
			removed++
		case t.Rebuilt:
			rebuilt++
		default:
			changed++
		}
	}
	if !d.Changed() {
		return fmt.Sprintf("no change (%d %s unchanged)", d.Unchanged, plural(d.Unchanged, "target"))
	}
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{rebuilt, "rebuilt"}, {added, "added"}, {removed, "removed"}, {changed, "changed without a rebuild"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	parts = append(parts, fmt.Sprintf("%d unchanged", d.Unchanged))
	return strings.Join(parts, ", ")
}

func plural(n int, what string) string {
	if n == 1 {
		return what
	}
	return what + "s"
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
