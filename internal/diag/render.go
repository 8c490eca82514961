package diag

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Write prints every diagnostic, errors and warnings in the order given.
// sources maps file names to their parsed files, for snippets; color adds
// ANSI colours (callers enable it only on a terminal).
func Write(w io.Writer, diags hcl.Diagnostics, sources map[string]*hcl.File, color bool) {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	for _, d := range diags {
		writeOne(bw, d, sources, color)
	}
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
		b.WriteString(d.Detail)
	}
	return b.String()
}

func writeOne(w io.Writer, d *hcl.Diagnostic, sources map[string]*hcl.File, color bool) {
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
			writeSnippet(w, f.Bytes, *d.Subject, color)
		}
	}
	fmt.Fprintln(w)
}

// writeSnippet prints the lines of rng with a caret line under the first.
func writeSnippet(w io.Writer, src []byte, rng hcl.Range, color bool) {
	lines := bytes.Split(src, []byte("\n"))
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
	width := len(fmt.Sprint(last))
	for n := first; n <= last; n++ {
		text := strings.ReplaceAll(string(lines[n-1]), "\t", "    ")
		fmt.Fprintf(w, "  %*d | %s\n", width, n, strings.TrimRight(text, "\r"))
		if n == first {
			writeCarets(w, string(lines[n-1]), rng, width, color)
		}
	}
}

func writeCarets(w io.Writer, text string, rng hcl.Range, width int, color bool) {
	startCol := rng.Start.Column
	endCol := rng.End.Column
	if rng.End.Line != rng.Start.Line || endCol <= startCol {
		endCol = startCol + 1
	}
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
	carets := strings.Repeat("^", endCol-startCol)
	if color {
		carets = "\x1b[1;31m" + carets + "\x1b[0m"
	}
	fmt.Fprintf(w, "  %*s | %s%s\n", width, "", pad.String(), carets)
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
