package diag

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode"

	"github.com/hashicorp/hcl/v2"
)

// WriteGitHubAnnotations writes each diagnostic as a GitHub Actions
// workflow command (::error / ::warning), which the job's page shows on
// the file and line of the pull request. path turns a diagnostic's file
// name into a path relative to the repository's root.
//
// GitHub shows at most ten annotations of each level per step: when a
// level has more, diagnostics with the same summary are folded into one
// annotation at the first of them that lists where the others are, so
// that twenty "No output" warnings do not hide a different finding.
func WriteGitHubAnnotations(w io.Writer, diags hcl.Diagnostics, path func(string) string) {
	for _, d := range foldForGitHub(diags, path) {
		level := "error"
		if d.Severity == hcl.DiagWarning {
			level = "warning"
		}
		var props []string
		if s := d.Subject; s != nil && s.Filename != "" {
			props = append(props, "file="+escapeProperty(path(s.Filename)))
			if s.Start.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d,col=%d", s.Start.Line, s.Start.Column))
				if s.End.Line >= s.Start.Line {
					props = append(props, fmt.Sprintf("endLine=%d", s.End.Line))
					if s.End.Line == s.Start.Line {
						props = append(props, fmt.Sprintf("endColumn=%d", s.End.Column))
					}
				}
			}
		}
		props = append(props, "title="+escapeProperty(d.Summary))
		GitHubCommand(w, level, strings.Join(props, ","), d.Detail)
	}
}

// gitHubLimit is how many annotations of one level GitHub shows per step.
const gitHubLimit = 10

// foldForGitHub folds, for a level with more diagnostics than GitHub
// shows, those that share a summary into the first of them.
func foldForGitHub(diags hcl.Diagnostics, path func(string) string) hcl.Diagnostics {
	count := map[hcl.DiagnosticSeverity]int{}
	for _, d := range diags {
		count[d.Severity]++
	}
	var out hcl.Diagnostics
	first := map[[2]string]*hcl.Diagnostic{} // level and summary -> its annotation
	others := map[*hcl.Diagnostic][]string{}
	for _, d := range diags {
		key := [2]string{fmt.Sprint(d.Severity), d.Summary}
		if count[d.Severity] <= gitHubLimit {
			out = append(out, d)
			continue
		}
		if f, ok := first[key]; ok {
			others[f] = append(others[f], where(d, path))
			continue
		}
		folded := *d
		first[key] = &folded
		out = append(out, &folded)
	}
	for d, places := range others {
		d.Detail += fmt.Sprintf(" (%d more like this: %s)", len(places), strings.Join(places, ", "))
	}
	return out
}

// where is a diagnostic's FILE:LINE, for a folded annotation.
func where(d *hcl.Diagnostic, path func(string) string) string {
	if d.Subject == nil || d.Subject.Filename == "" {
		return "(no file)"
	}
	return fmt.Sprintf("%s:%d", path(d.Subject.Filename), d.Subject.Start.Line)
}

// GitHubCommand writes one workflow command: ::level props::message.
func GitHubCommand(w io.Writer, level, props, message string) {
	sep := " "
	if props == "" {
		sep = ""
	}
	line := fmt.Sprintf("::%s%s%s::%s\n", level, sep, props, escapeData(message))
	if g, ok := w.(*GitHubGuard); ok {
		g.WriteCommand(line)
		return
	}
	io.WriteString(w, line)
}

// escapeData escapes a workflow command's message as the runner reads it.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a property value, where ":" and "," also end it.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// GitHubGuard writes a GitHub Actions job's log so that no text xbake
// shows (a value from a spec or --set, a build's output, a file name)
// can be read by the runner as a workflow command: a line that would
// start with "::" or "##[" after blanks (::add-mask::, ::stop-commands::,
// a forged ::error) is written with a backslash in front. xbake's own
// commands go through WriteCommand, untouched. The runner ends a line at
// "\n" and at "\r"; so does the guard.
type GitHubGuard struct {
	mu sync.Mutex
	w  io.Writer
	// line holds the start of the current line until it is known
	// whether it reads as a command; passing: it is known not to, and
	// the rest of the line is written as it comes.
	line    []byte
	passing bool
}

// NewGitHubGuard guards w.
func NewGitHubGuard(w io.Writer) *GitHubGuard { return &GitHubGuard{w: w} }

// Raw is the guarded writer, for bytes that are not a log (a tarball
// streamed to stdout).
func (g *GitHubGuard) Raw() io.Writer { return g.w }

func (g *GitHubGuard) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		end := bytes.IndexAny(p, "\r\n") + 1 // 0: the line goes on after p
		chunk := p
		if end > 0 {
			chunk = p[:end]
		}
		p = p[len(chunk):]
		if g.passing {
			if _, err := g.w.Write(chunk); err != nil {
				return 0, err
			}
			g.passing = end == 0
			continue
		}
		g.line = append(g.line, chunk...)
		if err := g.decide(end > 0); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// decide writes the held start of a line once it is known whether it
// reads as a command; ended says the line is complete.
func (g *GitHubGuard) decide(ended bool) error {
	text := bytes.TrimLeftFunc(bytes.TrimRight(g.line, "\r\n"), unicode.IsSpace)
	command := bytes.HasPrefix(text, []byte("::")) || bytes.HasPrefix(text, []byte("##["))
	undecided := !command && !ended && (len(text) == 0 || bytes.HasPrefix([]byte("::"), text) || bytes.HasPrefix([]byte("##["), text))
	if undecided {
		return nil
	}
	if command {
		if _, err := g.w.Write([]byte{'\\'}); err != nil {
			return err
		}
	}
	_, err := g.w.Write(g.line)
	g.line, g.passing = g.line[:0], !ended
	return err
}

// WriteCommand writes one of xbake's own workflow commands (a complete
// line) on a line of its own.
func (g *GitHubGuard) WriteCommand(line string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.line) > 0 || g.passing { // end the line in progress first
		g.line = append(g.line, '\n')
		if err := g.decide(true); err != nil {
			return err
		}
	}
	_, err := io.WriteString(g.w, line)
	return err
}

// Flush writes what is held of an unfinished line.
func (g *GitHubGuard) Flush() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.line) == 0 {
		return nil
	}
	return g.decide(true)
}
