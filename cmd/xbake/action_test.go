package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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
	goCache := t.TempDir()
	run := func(inputs ...string) (string, error) {
		cmd := exec.Command("bash", filepath.Join(root, "scripts/action.sh"))
		// A Go build cache of the test's own: the action's build of xbake
		// stays out of the user's (it then compiles everything, ~2 min).
		cmd.Env = append(os.Environ(), "GITHUB_ACTION_PATH="+root, "RUNNER_TEMP="+temp, "GITHUB_OUTPUT="+output, "INPUT_WORKDIR="+work,
			"GOCACHE="+goCache)
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

	out, err = run("INPUT_CALL=plan", "INPUT_FILES=xbuild.hcl")
	if err != nil || !strings.Contains(out, "xbake plan -f xbuild.hcl") || !strings.Contains(out, "1 target in 1 level") {
		t.Errorf("call=plan: %v\n%s", err, out)
	}
	out, err = run("INPUT_CALL=deploy")
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 2 || !strings.Contains(out, `input call is "deploy"`) {
		t.Errorf("an unknown call should be refused: %v\n%s", err, out)
	}
}
