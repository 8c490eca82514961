package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"gopkg.in/yaml.v3"
)

// bakeActionInputs are docker/bake-action's inputs that the xbake action
// takes under the same names, so a workflow switches by changing `uses:`.
var bakeActionInputs = []string{"builder", "files", "targets", "set", "push", "load", "no-cache", "pull", "allow", "provenance", "sbom", "call", "workdir"}

// TestActionInputsReachTheScript: every input of action.yml is passed to
// scripts/action.sh as INPUT_<NAME>, and bake-action's names are there.
func TestActionInputsReachTheScript(t *testing.T) {
	b, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Inputs map[string]struct{ Description string }
		Runs   struct {
			Using string
			Steps []struct {
				Run string
				Env map[string]string
			}
		}
	}
	if err := yaml.Unmarshal(b, &action); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if action.Runs.Using != "composite" {
		t.Errorf("runs.using = %q, want composite", action.Runs.Using)
	}
	for _, name := range bakeActionInputs {
		if _, ok := action.Inputs[name]; !ok {
			t.Errorf("action.yml lacks bake-action's input %q", name)
		}
	}
	var env map[string]string
	for _, s := range action.Runs.Steps {
		if strings.Contains(s.Run, "scripts/action.sh") {
			env = s.Env
		}
	}
	script, _ := os.ReadFile("../../scripts/action.sh")
	for name, in := range action.Inputs {
		if in.Description == "" {
			t.Errorf("input %q has no description", name)
		}
		if name == "go-version-file" { // read by the setup-go step
			continue
		}
		key := "INPUT_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if env[key] != "${{ inputs."+name+" }}" {
			t.Errorf("input %q is not passed to the script as %s (env: %q)", name, key, env[key])
		}
		if !strings.Contains(string(script), key) {
			t.Errorf("scripts/action.sh never reads %s", key)
		}
	}
}

// TestActionScript runs the action's script as the runner would (its
// inputs in INPUT_*, GITHUB_OUTPUT, RUNNER_TEMP): it builds xbake from the
// action's checkout, builds one platform of the hello example with an
// override, and hands the metadata on as a step output.
func TestActionScript(t *testing.T) {
	realBuilder(t)
	root, _ := filepath.Abs("../..")
	work := copyExample(t, "hello")
	temp := t.TempDir()
	output := filepath.Join(temp, "github-output")
	goCache, toolCache := t.TempDir(), t.TempDir()
	run := func(inputs ...string) (string, error) {
		cmd := exec.Command("bash", filepath.Join(root, "scripts/action.sh"))
		// A Go build cache of the test's own: the action's build of xbake
		// stays out of the user's (it then compiles everything, ~2 min).
		cmd.Env = append(os.Environ(), "GITHUB_ACTION_PATH="+root, "RUNNER_TEMP="+temp, "GITHUB_OUTPUT="+output, "INPUT_WORKDIR="+work,
			"GOCACHE="+goCache, "RUNNER_TOOL_CACHE="+toolCache)
		cmd.Env = append(cmd.Env, inputs...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("INPUT_TARGETS=hello", "INPUT_SET=hello.platform=linux/amd64\n  hello.tags=localhost:5000/action:1\n", "INPUT_PUSH=false", "INPUT_CALL=build")
	if err != nil {
		t.Fatalf("the action failed: %v\n%s", err, out)
	}
	if !strings.Contains(out, "xbake run --progress plain --set hello.platform=linux/amd64 --set hello.tags=localhost:5000/action:1") {
		t.Errorf("the command line the inputs make:\n%s", out)
	}
	checkOCIArchivePlatforms(t, filepath.Join(work, "out/hello.tar"), "linux/amd64")
	got, _ := os.ReadFile(output)
	if !strings.HasPrefix(string(got), "metadata<<") || !strings.Contains(string(got), `"containerimage.digest"`) || !strings.Contains(string(got), "localhost:5000/action:1") {
		t.Errorf("GITHUB_OUTPUT:\n%s", got)
	}

	// The second job of the same version finds the binary its cache
	// restored: it compiles nothing (no Go on its PATH at all).
	out, err = run("INPUT_CALL=plan", "INPUT_FILES=xbuild.hcl", "PATH="+pathWithout(t, "go"))
	if err != nil || !strings.Contains(out, "xbake source: cached in "+toolCache) || !strings.Contains(out, "xbake plan -f xbuild.hcl") || !strings.Contains(out, "1 target in 1 level") {
		t.Errorf("call=plan with the binary cached: %v\n%s", err, out)
	}
	out, err = run("INPUT_CALL=deploy\n::add-mask::x")
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 2 || !strings.Contains(out, `input call is "deploy%0A::add-mask::x"`) {
		t.Errorf("an unknown call should be refused: %v\n%s", err, out)
	}
	checkNoForgedCommands(t, out, "::error::input call")

	// A hostile --set: nothing it holds starts a line of the log.
	out, _ = run("INPUT_CALL=plan", "INPUT_SET=hello.tags=x\n::add-mask::b", "INPUT_TARGETS=::add-mask::c", "GITHUB_ACTIONS=true")
	checkNoForgedCommands(t, out, "::error::input call")
	if !strings.Contains(out, `--set ::add-mask::b`) {
		t.Errorf("the hostile --set did not reach xbake:\n%s", out)
	}

	// xbake's monorepo inputs: the diff first (an output and the step
	// summary), then the run with --affected, --skip-unchanged,
	// --keep-going and --report, whose path is an output.
	writeFile(t, work, ".gitignore", "out/\nreport.json\n")
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "."}, {"-c", "user.email=t@x", "-c", "user.name=t", "commit", "-qm", "init"}} {
		if out, err := exec.Command("git", append([]string{"-C", work}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	writeFile(t, work, "hello.txt", "changed\n")
	summary := filepath.Join(temp, "summary.md")
	os.Remove(output)
	out, err = run("INPUT_TARGETS=hello", "INPUT_SET=hello.platform=linux/amd64", "INPUT_AFFECTED=main", "INPUT_SKIP_UNCHANGED=true",
		"INPUT_KEEP_GOING=true", "INPUT_REPORT=report.json", "INPUT_DIFF=true", "GITHUB_STEP_SUMMARY="+summary)
	if err != nil {
		t.Fatalf("the action with the monorepo inputs failed: %v\n%s", err, out)
	}
	for _, want := range []string{
		"xbake plan --diff --format markdown --set hello.platform=linux/amd64 hello",
		"xbake run --progress plain --set hello.platform=linux/amd64 --affected=main --skip-unchanged --keep-going --report report.json --metadata-file",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the action ran no %q:\n%s", want, out)
		}
	}
	got, _ = os.ReadFile(output)
	if !strings.Contains(string(got), "diff<<") || !strings.Contains(string(got), "### xbake plan") || !strings.Contains(string(got), "report="+filepath.Join(work, "report.json")+"\n") {
		t.Errorf("GITHUB_OUTPUT lacks the diff or the report:\n%s", got)
	}
	if md, _ := os.ReadFile(summary); !strings.Contains(string(md), "### xbake plan") {
		t.Errorf("the step summary lacks the diff:\n%s", md)
	}
	if _, err := os.Stat(filepath.Join(work, "report.json")); err != nil {
		t.Errorf("no report: %v", err)
	}
}

// checkNoForgedCommands fails when a line of a job's log would be read by
// the runner as a workflow command other than those xbake means to write:
// its annotations (which have a title) and the allowed prefixes.
func checkNoForgedCommands(t *testing.T, log string, allowed ...string) {
	t.Helper()
	allowed = append(allowed, "::error file=", "::warning file=", "::error title=", "::warning title=")
	for _, line := range strings.FieldsFunc(log, func(r rune) bool { return r == '\n' || r == '\r' }) {
		l := strings.TrimLeftFunc(line, unicode.IsSpace)
		ours := slices.ContainsFunc(allowed, func(p string) bool { return strings.HasPrefix(l, p) })
		if strings.HasPrefix(l, "##[") || strings.HasPrefix(l, "::") && !ours {
			t.Errorf("a line of the log reads as a workflow command: %q\n%s", line, log)
		}
	}
}

// pathWithout is $PATH without the directories that hold program.
func pathWithout(t *testing.T, program string) string {
	var keep []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, program)); err != nil {
			keep = append(keep, dir)
		}
	}
	return strings.Join(keep, string(filepath.ListSeparator))
}
