package main

// What xbake tells a CI system beside its ordinary output: on GitHub
// Actions (GITHUB_ACTIONS=true), workflow commands that put each finding
// and each failed target on its file and line in the pull request; on
// GitLab CI (GITLAB_CI set), a collapsible section per failed target's
// log. Both go to stderr, so that stdout stays the document a command
// prints (a plan as JSON, a tarball).

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/solver/errdefs"

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
			n := p.Node(t.Name)
			if n != nil && n.Target != nil && n.Target.DeclRange.Filename != "" {
				d.Subject = n.Target.DeclRange.Ptr()
			}
			// The failing instruction, where BuildKit says which it is.
			if r := failedInstruction(n, t.Err); r != nil {
				d.Subject = r
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

// failedInstruction is the range in the target's Dockerfile of the
// instruction a build error came from (BuildKit attaches its source to
// the error), or nil.
func failedInstruction(n *plan.Node, err error) *hcl.Range {
	dockerfile := localDockerfile(n)
	if dockerfile == "" || err == nil {
		return nil
	}
	for _, src := range errdefs.Sources(err) {
		if src.Info == nil || len(src.Ranges) == 0 {
			continue
		}
		r := src.Ranges[0]
		return dockerfileRange(dockerfile, int(r.Start.Line), int(r.End.Line))
	}
	return nil
}

// localDockerfile is the path of the target's Dockerfile on this
// machine, "" for an inline one or a remote context's.
func localDockerfile(n *plan.Node) string {
	if n == nil || n.Target == nil || n.Target.DockerfileInline != nil {
		return ""
	}
	path, ok := plan.DockerfilePath(n.Target)
	if !ok {
		return ""
	}
	return path
}

func dockerfileRange(path string, start, end int) *hcl.Range {
	if start <= 0 {
		return nil
	}
	end = max(end, start)
	return &hcl.Range{Filename: path, Start: hcl.Pos{Line: start, Column: 1}, End: hcl.Pos{Line: end, Column: 1}}
}

// annotateWarnings puts each frontend warning of a build (the Dockerfile
// linter's findings) on its line of the target's Dockerfile, as
// docker/bake-action does.
func annotateWarnings(w io.Writer, p *plan.Plan, res *exec.Result) {
	if !onGitHub() {
		return
	}
	var diags hcl.Diagnostics
	for _, t := range res.Targets {
		dockerfile := localDockerfile(p.Node(t.Name))
		for _, raw := range t.Warnings {
			var vw client.VertexWarning
			if json.Unmarshal(raw, &vw) != nil {
				continue
			}
			d := &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: strings.TrimSpace(string(vw.Short))}
			var detail []string
			for _, l := range vw.Detail {
				detail = append(detail, string(l))
			}
			if vw.URL != "" {
				detail = append(detail, vw.URL)
			}
			d.Detail = fmt.Sprintf("%s: %s", t.Name, strings.Join(detail, " "))
			if dockerfile != "" && len(vw.Range) > 0 {
				d.Subject = dockerfileRange(dockerfile, int(vw.Range[0].Start.Line), int(vw.Range[0].End.Line))
			}
			diags = append(diags, d)
		}
	}
	if len(diags) > 0 {
		diag.WriteGitHubAnnotations(w, diags, repoPath)
	}
}
