package diag

import (
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// WriteGitHubAnnotations writes each diagnostic as a GitHub Actions
// workflow command (::error / ::warning), which the job's page shows on
// the file and line of the pull request. path turns a diagnostic's file
// name into a path relative to the repository's root.
func WriteGitHubAnnotations(w io.Writer, diags hcl.Diagnostics, path func(string) string) {
	for _, d := range diags {
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

// GitHubCommand writes one workflow command: ::level props::message.
func GitHubCommand(w io.Writer, level, props, message string) {
	sep := " "
	if props == "" {
		sep = ""
	}
	fmt.Fprintf(w, "::%s%s%s::%s\n", level, sep, props, escapeData(message))
}

// escapeData escapes a workflow command's message as the runner reads it.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a property value, where ":" and "," also end it.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
