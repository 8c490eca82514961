package main

// What xbake tells a CI system beside its ordinary output: on GitHub
// Actions (GITHUB_ACTIONS=true), workflow commands that put each finding
// and each failed target on its file and line in the pull request; on
// GitLab CI (GITLAB_CI set), a collapsible section per failed target's
// log. Both go to stderr, so that stdout stays the document a command
// prints (a plan as JSON, a tarball).

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/diag"
	"github.com/xbake/xbake/internal/exec"
	"github.com/xbake/xbake/internal/plan"
)

func onGitHub() bool { return os.Getenv("GITHUB_ACTIONS") == "true" }

func onGitLab() bool { return os.Getenv("GITLAB_CI") != "" }

// annotate writes the findings as GitHub annotations.
func annotate(w io.Writer, diags hcl.Diagnostics) {
	if onGitHub() && len(diags) > 0 {
		diag.WriteGitHubAnnotations(w, diags, repoPath)
	}
}

// repoPath turns a file name of a diagnostic (relative to the working
// directory, or absolute) into a path relative to the repository's
// root, as annotations need it: $GITHUB_WORKSPACE when it holds the
// file.
func repoPath(name string) string {
	abs := name
	if !filepath.IsAbs(abs) {
		cwd, _ := os.Getwd()
		abs = filepath.Join(cwd, name)
	}
	if ws := os.Getenv("GITHUB_WORKSPACE"); ws != "" {
		if rel, err := filepath.Rel(ws, abs); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(name)
}

// reportFailures tells the CI system about each failed target: on
// GitHub an error annotation on the target's declaration, with its
// failing step and error; on GitLab a collapsed section with its log.
func reportFailures(w io.Writer, p *plan.Plan, res *exec.Result) {
	for _, t := range res.Targets {
		if t.Status != exec.Failed {
			continue
		}
		message := fmt.Sprint(t.Err)
		if t.FailedStep != "" {
			message = "at " + t.FailedStep + ": " + message
		}
		if onGitHub() {
			d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: t.Name + " failed", Detail: message}
			if n := p.Node(t.Name); n != nil && n.Target != nil && n.Target.DeclRange.Filename != "" {
				d.Subject = n.Target.DeclRange.Ptr()
			}
			diag.WriteGitHubAnnotations(w, hcl.Diagnostics{d}, repoPath)
		}
		if onGitLab() {
			id := "xbake_" + strings.Map(func(r rune) rune {
				if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
					return r
				}
				return '_'
			}, strings.ToLower(t.Name))
			now := time.Now().Unix()
			fmt.Fprintf(w, "\x1b[0Ksection_start:%d:%s[collapsed=true]\r\x1b[0K%s failed %s\n", now, id, t.Name, message)
			for _, l := range t.Logs {
				fmt.Fprintln(w, l)
			}
			fmt.Fprintf(w, "\x1b[0Ksection_end:%d:%s\r\x1b[0K\n", now, id)
		}
	}
}
