package yamlhcl

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// YAML's parser says what it expected, at the line where it gave up (or
// the line before, or none), in its own words. syntaxError turns the
// mistakes people make into plain words at the place they made them,
// and keeps the parser's words otherwise.

var (
	yamlErrLine   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	unknownAnchor = regexp.MustCompile(`^yaml: unknown anchor '([^']*)' referenced$`)
)

func syntaxError(s *source, err error) *hcl.Diagnostic {
	msg := err.Error()
	if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
		return aliasWithoutAnchor(s, m[1])
	}
	line := 1
	if m := yamlErrLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if d := tabIndent(s); d != nil {
		return d
	}
	if l, col, ok := misindented(s); ok && (strings.HasPrefix(msg, "did not find expected key") || strings.HasPrefix(msg, "mapping values are not allowed")) {
		return s.syntaxAt(l, col, "Key at the wrong indentation",
			"This line is indented less than the keys of the mapping above it, but not as little as an enclosing mapping's keys, so YAML cannot tell where it belongs. Indent it like the keys it sits beside (with spaces).")
	}
	switch {
	case strings.HasPrefix(msg, "mapping values are not allowed"):
		if col := secondColon(s, line); col > 0 {
			return s.syntaxAt(line, col, "Colon inside a value",
				"A value that holds \": \" reads as a nested mapping, which cannot start here. Quote the value (key: \"a: b\"), or put a nested key on a line of its own, indented.")
		}
	case strings.HasPrefix(msg, "did not find expected ',' or ']'"), strings.HasPrefix(msg, "did not find expected ',' or '}'"):
		// Reported at the line before the list or mapping it could not
		// close (a 0-based mark): the opening bracket is on the next.
		open := "["
		if strings.HasSuffix(msg, "'}'") {
			open = "{"
		}
		if l, col := findOnLines(s, line+1, open); l > 0 {
			return s.syntaxAt(l, col, "Unclosed "+map[string]string{"[": "list", "{": "mapping"}[open],
				fmt.Sprintf("The %s opened here is not closed: add %q after its last item, on this line or in the lines that follow it.", map[string]string{"[": "list", "{": "mapping"}[open], map[string]string{"[": "]", "{": "}"}[open]))
		}
		line++
	case strings.HasPrefix(msg, "found unexpected end of stream"), strings.HasPrefix(msg, "did not find expected"):
		if l, col := unclosedQuote(s); l > 0 {
			return s.syntaxAt(l, col, "Unclosed quote", "The string quoted here has no closing quote; add it at the end of the value.")
		}
		if strings.HasPrefix(msg, "did not find expected") {
			line++
		}
	}
	return s.syntaxAt(line, firstColumn(s, line), "Invalid YAML", fmt.Sprintf("The file cannot be parsed: %s.", msg))
}

func (s *source) syntaxAt(line, col int, summary, detail string) *hcl.Diagnostic {
	start := s.pos(line, col)
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail,
		Subject: &hcl.Range{Filename: s.filename, Start: start, End: s.advance(start, 1)}}
}

// lines are the file's lines, without their newlines.
func (s *source) lines() []string { return strings.Split(string(s.src), "\n") }

// tabIndent finds the first tab in a line's indentation, which YAML
// forbids (its parser only says no token can start with it).
func tabIndent(s *source) *hcl.Diagnostic {
	for i, l := range s.lines() {
		indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if col := strings.IndexByte(indent, '\t'); col >= 0 && strings.TrimSpace(l) != "" {
			return s.syntaxAt(i+1, col+1, "Tab used for indentation",
				"YAML indents with spaces only; replace the tab at the start of this line with spaces (as many as the keys beside it are indented).")
		}
	}
	return nil
}

// misindented finds the first line whose indentation closes a mapping
// without matching the keys of any mapping still open: the line YAML
// cannot place. Lines inside flow collections and block scalars are
// not considered.
func misindented(s *source) (line, col int, ok bool) {
	open := []int{0} // the indentations of the keys of the open mappings
	opens := false   // the line before ends with a key whose value follows, indented
	inBlock := -1    // the indentation of a block scalar's key, while in one
	for i, l := range s.lines() {
		trimmed := strings.TrimSpace(l)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") || trimmed == "---" {
			continue
		}
		indent := len(l) - len(strings.TrimLeft(l, " "))
		if inBlock >= 0 {
			if indent > inBlock {
				continue
			}
			inBlock = -1
		}
		if strings.HasPrefix(trimmed, "- ") || trimmed == "-" {
			trimmed = strings.TrimSpace(trimmed[1:])
			indent += 2
		}
		switch top := open[len(open)-1]; {
		case indent > top && opens:
			open = append(open, indent)
		case indent < top:
			for len(open) > 1 && indent < open[len(open)-1] {
				open = open[:len(open)-1]
			}
			if indent != open[len(open)-1] {
				return i + 1, indent + 1, true
			}
		}
		if c := strings.Index(trimmed, " #"); c >= 0 {
			trimmed = strings.TrimSpace(trimmed[:c])
		}
		opens = strings.HasSuffix(trimmed, ":")
		if strings.HasSuffix(trimmed, "|") || strings.HasSuffix(trimmed, ">") || strings.HasSuffix(trimmed, "|-") || strings.HasSuffix(trimmed, ">-") {
			inBlock = indent
		}
	}
	return 0, 0, false
}

// secondColon is the column of a ": " after the first one on a line.
func secondColon(s *source, line int) int {
	lines := s.lines()
	if line < 1 || line > len(lines) {
		return 0
	}
	l := lines[line-1]
	first := strings.Index(l, ": ")
	if first < 0 {
		return 0
	}
	if second := strings.Index(l[first+2:], ": "); second >= 0 {
		return first + 2 + second + 1
	}
	return 0
}

// findOnLines finds the last occurrence of tok on the given line or, if
// none, on the lines before it.
func findOnLines(s *source, line int, tok string) (int, int) {
	lines := s.lines()
	for l := min(line, len(lines)); l >= 1; l-- {
		if col := strings.LastIndex(lines[l-1], tok); col >= 0 {
			return l, col + 1
		}
	}
	return 0, 0
}

// unclosedQuote finds a value that opens a double or single quote and
// never closes it on its line.
func unclosedQuote(s *source) (int, int) {
	for i, l := range s.lines() {
		for _, q := range []string{`"`, `'`} {
			at := strings.Index(l, ": "+q)
			if at < 0 && strings.HasPrefix(strings.TrimSpace(l), "- "+q) {
				at = strings.Index(l, "- "+q)
			}
			if at < 0 {
				continue
			}
			rest := l[at+3:]
			if !strings.Contains(strings.ReplaceAll(rest, `\`+q, ""), q) {
				return i + 1, at + 3
			}
		}
	}
	return 0, 0
}

// aliasWithoutAnchor places "unknown anchor" (which YAML reports with no
// position) at the first use of the alias.
func aliasWithoutAnchor(s *source, name string) *hcl.Diagnostic {
	line, col := 1, 1
	for i, l := range s.lines() {
		if at := strings.Index(l, "*"+name); at >= 0 {
			line, col = i+1, at+1
			break
		}
	}
	return s.syntaxAt(line, col, "Alias with no anchor",
		fmt.Sprintf("*%s refers to an anchor &%s that is not defined before it. Mark the mapping to reuse with &%s (anchors must come before their aliases: a top-level x- key is the place for shared ones), or fix the name.", name, name, name))
}

// firstColumn is the column of the first character of a line that is
// not a space.
func firstColumn(s *source, line int) int {
	lines := s.lines()
	if line < 1 || line > len(lines) {
		return 1
	}
	return len(lines[line-1]) - len(strings.TrimLeft(lines[line-1], " \t")) + 1
}
