package display

import "strings"

// FencedLines are the lines of a Markdown document that lie inside a
// fenced code block, as CommonMark reads fences: an opening run of three
// or more backticks is closed by a line of at least as many.
func FencedLines(md string) map[string]bool {
	inside := map[string]bool{}
	open := 0
	for _, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimSpace(line)
		n := len(trimmed) - len(strings.TrimLeft(trimmed, "`"))
		switch {
		case open == 0 && n >= 3:
			open = n
		case open > 0 && n >= open && strings.Trim(trimmed, "`") == "":
			open = 0
		case open > 0:
			inside[line] = true
		}
	}
	return inside
}
