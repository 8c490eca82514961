package main

import (
	"encoding/json"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func planProject(t *testing.T) string {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "app"), 0o755)
	writeFile(t, filepath.Join(dir, "app"), "Dockerfile", "FROM scratch\n")
	writeFile(t, dir, "xbuild.hcl", `
target "base" {
  context = "app"
}
target "app" {
  context   = "app"
  contexts  = { base = "target:base" }
  platforms = ["linux/amd64", "linux/arm64"]
  tags      = ["example.com/app:1"]
}
group "default" {
  targets = ["app"]
}
`)
	return dir
}

func TestPlanCommand(t *testing.T) {
	dir := planProject(t)
	code, out, errOut := xbake(t, dir, "", "plan")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	for _, want := range []string{"level 0\n  base  (implicit: needed by app)", "waits for   base (context \"base\")", "2 targets in 2 levels: 0 errors, 1 warning"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
	// Findings go to stderr, as the spec's load errors do; stdout is the plan.
	if !strings.Contains(errOut, "xbuild.hcl:5:8: warning: No output") || strings.Contains(out, "warning: No output") {
		t.Errorf("the warning should be on stderr only:\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}
	for _, line := range strings.Split(out, "\n") {
		if len(line) > 80 && !strings.Contains(line, ": ") {
			t.Errorf("line wider than 80 columns: %q", line)
		}
	}
	if code, _, _ := xbake(t, dir, "", "plan", "--strict"); code != 1 {
		t.Errorf("--strict with a warning: exit %d, want 1", code)
	}
	code, out, errOut = xbake(t, dir, "", "plan", "--load", "--format", "json")
	if code != 1 {
		t.Errorf("--load on two platforms: exit %d, want 1", code)
	}
	var doc struct {
		Targets     []struct{ Name string }
		Diagnostics []struct {
			Rule, Severity, File string
			Line, Column         int
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("--format json: %v\n%s", err, out)
	}
	if len(doc.Diagnostics) != 1 || doc.Diagnostics[0].Rule != "multi-platform-load" || doc.Diagnostics[0].Line != 8 || doc.Diagnostics[0].Column != 16 {
		t.Errorf("diagnostics = %+v", doc.Diagnostics)
	}
	if !strings.Contains(errOut, "xbuild.hcl:8:16: Multi-platform load") {
		t.Errorf("stderr should show the diagnostic too:\n%s", errOut)
	}
	code, out, _ = xbake(t, dir, "", "plan", "--format", "mermaid", "--push")
	if code != 0 || !strings.Contains(out, "flowchart LR") || !strings.Contains(out, "-->|base|") {
		t.Errorf("mermaid: exit %d\n%s", code, out)
	}
	if code, _, _ := xbake(t, dir, "", "plan", "--allow", "fs.wrte=/x"); code != 2 {
		t.Errorf("bad --allow: exit %d, want 2", code)
	}
}

func TestPlanAffected(t *testing.T) {
	dir := planProject(t)
	os.MkdirAll(filepath.Join(dir, "other"), 0o755)
	writeFile(t, filepath.Join(dir, "other"), "Dockerfile", "FROM scratch\n")
	writeFile(t, dir, "xbuild.hcl", `target "base" {
  context = "app"
}
target "app" {
  context  = "app"
  contexts = { base = "target:base" }
  output   = ["type=cacheonly"]
}
target "other" {
  context = "other"
  output  = ["type=cacheonly"]
}
`)
	git := func(args ...string) {
		cmd := osexec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	git("init", "-q", "-b", "main")
	git("add", "-A")
	git("commit", "-qm", "start")
	writeFile(t, filepath.Join(dir, "other"), "new.txt", "x\n")
	code, out, errOut := xbake(t, dir, "", "plan", "--affected=main", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Targets []struct {
			Name        string
			InputDigest string `json:"input_digest"`
		}
		Note string
	}
	json.Unmarshal([]byte(out), &doc)
	if len(doc.Targets) != 1 || doc.Targets[0].Name != "other" || !strings.Contains(doc.Note, "1 of 3 selected targets changed") {
		t.Errorf("plan --affected: %+v", doc)
	}
	if !strings.HasPrefix(doc.Targets[0].InputDigest, "sha256:") {
		t.Errorf("input digest = %q", doc.Targets[0].InputDigest)
	}
}

// plan --format json always writes its document: with a spec that does
// not load, the diagnostics with their positions; with one that does,
// each target's image names.
func TestPlanJSONOnLoadErrorsAndImages(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "xbuild.hcl", "target \"app\" {\n  tags = [\"x/app:1\"\n}\n")
	code, out, _ := xbake(t, dir, "", "plan", "--format", "json")
	var doc struct {
		Targets []struct {
			Name   string   `json:"name"`
			Images []string `json:"images"`
		} `json:"targets"`
		Diagnostics []struct {
			Severity, File string
			Line           int
		} `json:"diagnostics"`
		Summary struct{ Errors int } `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 1 || doc.Summary.Errors == 0 ||
		len(doc.Diagnostics) == 0 || doc.Diagnostics[0].File != "xbuild.hcl" || doc.Diagnostics[0].Line == 0 {
		t.Errorf("a syntax error: exit %d, %v\n%s", code, err, out)
	}
	writeFile(t, dir, "Dockerfile", "FROM scratch\n")
	writeFile(t, dir, "xbuild.hcl", "target \"app\" {\n  tags = [\"x/app:1\", \"x/app:latest\"]\n  output = [\"type=image,push=true\"]\n}\n")
	code, out, _ = xbake(t, dir, "", "plan", "--format", "json")
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 || len(doc.Targets) != 1 ||
		strings.Join(doc.Targets[0].Images, " ") != "x/app:1 x/app:latest" {
		t.Errorf("images: exit %d, %v\n%s", code, err, out)
	}
}

func TestPlanFormatHTML(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "xbuild.hcl", "target \"base\" {}\ntarget \"app\" {\n  contexts = { base = \"target:base\" }\n}\n")
	// Without a Dockerfile the plan has errors: the page shows them, the
	// exit status says so.
	code, out, _ := xbake(t, dir, "", "plan", "--format", "html", "app")
	if code != exitSpec || !strings.Contains(out, "has errors") || !strings.Contains(out, "<code>xbuild.hcl:1:8</code>: Missing Dockerfile") {
		t.Errorf("plan --format html with errors: exit %d\n%s", code, out)
	}
	writeFile(t, dir, "Dockerfile", "FROM scratch\n")
	code, out, errOut := xbake(t, dir, "", "plan", "--format", "html", "app")
	if code != 0 || !strings.HasPrefix(out, "<!doctype html>") || !strings.Contains(out, `data-target="base"`) || !strings.Contains(out, "ready to run") {
		t.Errorf("plan --format html: exit %d\n%.300s\n%s", code, out, errOut)
	}
}

func TestRunReportNeedsAKnownExtension(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "xbuild.hcl", "target \"t\" {}\n")
	code, _, errOut := xbake(t, dir, "", "run", "--report", "report.txt")
	if code != exitUsage || !strings.Contains(errOut, "report.txt: name the file .html") {
		t.Errorf("run --report report.txt: exit %d\n%s", code, errOut)
	}
	code, _, errOut = xbake(t, dir, "", "run", "--report", "missing/report.html")
	if code != exitUsage || !strings.Contains(errOut, "the directory missing does not exist") {
		t.Errorf("run --report missing/report.html: exit %d\n%s", code, errOut)
	}
}

// TestSpecCache: a second plan of an unchanged spec comes from the load
// cache and prints the same; a changed variable or file is seen; off
// keeps nothing.
func TestSpecCache(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	t.Setenv("XBAKE_SPEC_CACHE", cache)
	t.Setenv("TAG", "one")
	writeFile(t, dir, "docker-bake.hcl", `
variable "TAG" { default = "dev" }
target "app" {
  tags = ["app:${TAG}"]
  args = {}
}`)
	plan := func() string {
		t.Helper()
		code, out, errOut := xbake(t, dir, "", "plan", "--print", "app")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		return out
	}
	first := plan()
	if entries, _ := os.ReadDir(cache); len(entries) != 1 {
		t.Fatalf("the load was not kept: %d entries", len(entries))
	}
	if again := plan(); again != first {
		t.Fatalf("from the cache:\n%s\nloaded:\n%s", again, first)
	}
	t.Setenv("TAG", "two")
	if out := plan(); !strings.Contains(out, "app:two") {
		t.Fatalf("a changed variable was not seen:\n%s", out)
	}
	writeFile(t, dir, "docker-bake.hcl", `target "app" { tags = ["app:edited"] }`)
	if out := plan(); !strings.Contains(out, "app:edited") {
		t.Fatalf("an edited file was not seen:\n%s", out)
	}

	off := t.TempDir()
	t.Setenv("XBAKE_SPEC_CACHE", "off")
	t.Setenv("XDG_CACHE_HOME", off)
	plan()
	if entries, _ := os.ReadDir(off); len(entries) != 0 {
		t.Fatalf("XBAKE_SPEC_CACHE=off kept %d entries", len(entries))
	}
}
