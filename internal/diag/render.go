package diag

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// MaxShown bounds how many diagnostics Write prints: a file with
// thousands of mistakes shows the first ones and a count of the rest.
const MaxShown = 50

// maxDetail bounds the detail of one diagnostic, which can quote a value.
const maxDetail = 2000

// snippetWidth bounds the characters of a source line shown in a snippet:
// a longer line is cut to a window around the column.
const snippetWidth = 120

// Write prints the diagnostics, errors and warnings in the order given,
// at most MaxShown of them. sources maps file names to their parsed
// files, for snippets; color adds ANSI colours (callers enable it only on
// a terminal).
func Write(w io.Writer, diags hcl.Diagnostics, sources map[string]*hcl.File, color bool) {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	lines := lineIndex{}
	for i, d := range diags {
		if i == MaxShown {
			fmt.Fprintf(bw, "xbake: %d more not shown (%s in all); fix the first ones and run again.\n", len(diags)-i, count(diags))
			return
		}
		writeOne(bw, d, sources, lines, color)
	}
}

// count says "N errors, M warnings".
func count(diags hcl.Diagnostics) string {
	errs := 0
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs++
		}
	}
	return fmt.Sprintf("%d errors, %d warnings", errs, len(diags)-errs)
}

// lineIndex holds each source file split into lines, once per Write.
type lineIndex map[string][][]byte

func (x lineIndex) lines(name string, src []byte) [][]byte {
	if l, ok := x[name]; ok {
		return l
	}
	l := bytes.Split(src, []byte("\n"))
	x[name] = l
	return l
}

// Line is the first line of a diagnostic: "FILE:LINE:COL: Summary: detail",
// with "warning: " before the summary of a warning.
func Line(d *hcl.Diagnostic) string {
	var b strings.Builder
	if d.Subject != nil && d.Subject.Filename != "" {
		b.WriteString(d.Subject.Filename)
		if d.Subject.Start.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", d.Subject.Start.Line, d.Subject.Start.Column)
		}
		b.WriteString(": ")
	} else {
		b.WriteString("xbake: ")
	}
	if d.Severity == hcl.DiagWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Summary)
	if d.Detail != "" {
		b.WriteString(": ")
		b.WriteString(cut(d.Detail, maxDetail))
	}
	return b.String()
}

func writeOne(w io.Writer, d *hcl.Diagnostic, sources map[string]*hcl.File, lines lineIndex, color bool) {
	line := Line(d)
	if color {
		code := "1;31"
		if d.Severity == hcl.DiagWarning {
			code = "1;33"
		}
		line = "\x1b[" + code + "m" + line + "\x1b[0m"
	}
	fmt.Fprintln(w, line)
	if d.Subject != nil {
		if f, ok := sources[d.Subject.Filename]; ok && f != nil {
			writeSnippet(w, lines.lines(d.Subject.Filename, f.Bytes), *d.Subject, color)
		}
	}
	fmt.Fprintln(w)
}

// writeSnippet prints the lines of rng with a caret line under the first.
// Lines longer than snippetWidth are cut to a window around the column.
func writeSnippet(w io.Writer, lines [][]byte, rng hcl.Range, color bool) {
	first, last := rng.Start.Line, rng.End.Line
	if first < 1 || first > len(lines) {
		return
	}
	if last < first {
		last = first
	}
	if last > first+2 { // long ranges: show the start only
		last = first + 2
	}
	if last > len(lines) {
		last = len(lines)
	}
	// The window starts a little before the column, the same for every line shown.
	from := max(0, rng.Start.Column-1-snippetWidth/3)
	width := len(fmt.Sprint(last))
	for n := first; n <= last; n++ {
		text, shift := window(strings.TrimRight(string(lines[n-1]), "\r"), from)
		fmt.Fprintf(w, "  %*d | %s\n", width, n, strings.ReplaceAll(text, "\t", "    "))
		if n == first {
			writeCarets(w, text, rng.Start.Column-shift, caretCount(rng), width, color)
		}
	}
}

// window returns at most snippetWidth characters of line starting at the
// character from, with "…" where it was cut, and how many columns the
// start moved (for the carets).
func window(line string, from int) (string, int) {
	if len(line) <= snippetWidth && from == 0 { // bytes ≥ characters: short enough
		return line, 0
	}
	runes := []rune(line)
	if len(runes) <= snippetWidth {
		return line, 0
	}
	from = min(from, len(runes)-snippetWidth)
	to := from + snippetWidth
	text, shift := string(runes[from:to]), from
	if from > 0 {
		text, shift = "…"+text, from-1
	}
	if to < len(runes) {
		text += "…"
	}
	return text, shift
}

func caretCount(rng hcl.Range) int {
	if rng.End.Line != rng.Start.Line || rng.End.Column <= rng.Start.Column {
		return 1
	}
	return min(rng.End.Column-rng.Start.Column, snippetWidth)
}

func writeCarets(w io.Writer, text string, startCol, n, width int, color bool) {
	var pad strings.Builder
	col := 1
	for _, r := range text {
		if col >= startCol {
			break
		}
		if r == '\t' {
			pad.WriteString("    ")
		} else {
			pad.WriteByte(' ')
		}
		col++
	}
	carets := strings.Repeat("^", n)
	if color {
		carets = "\x1b[1;31m" + carets + "\x1b[0m"
	}
	fmt.Fprintf(w, "  %*s | %s%s\n", width, "", pad.String(), carets)
}

// cut shortens s to about n bytes, on a character boundary, saying how
// much was left out.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return fmt.Sprintf("%s… (%d more bytes)", s[:i], len(s)-i)
}

// IsTerminal reports whether f is a terminal, and colour is not switched
// off with NO_COLOR.
func IsTerminal(f *os.File) bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// Sort orders diagnostics as a user fixes them: errors before warnings,
// then by file (in the order of files, others after them by name), line
// and column; one without a position comes first in its severity. The
// same finding reported twice (same place, same summary) is kept once.
func Sort(diags hcl.Diagnostics, files []string) hcl.Diagnostics {
	fileIndex := map[string]int{}
	for i, f := range files {
		fileIndex[f] = i + 1
	}
	rank := func(name string) int {
		if i, ok := fileIndex[name]; ok {
			return i
		}
		return len(files) + 1
	}
	out := make(hcl.Diagnostics, 0, len(diags))
	seen := map[string]bool{}
	for _, d := range diags {
		key := d.Summary + "|" + d.Detail
		if d.Subject != nil {
			key = d.Subject.String() + "|" + d.Summary
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, d)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Severity != b.Severity {
			return a.Severity == hcl.DiagError
		}
		as, bs := a.Subject, b.Subject
		switch {
		case as == nil || bs == nil:
			return as == nil && bs != nil
		case as.Filename != bs.Filename:
			if ra, rb := rank(as.Filename), rank(bs.Filename); ra != rb {
				return ra < rb
			}
			return as.Filename < bs.Filename
		}
		return as.Start.Byte < bs.Start.Byte
	})
	return out
}
