package main

import (
	"bytes"
	"encoding/json"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// xbake runs the CLI in dir and returns exit code, stdout and stderr.
func xbake(t *testing.T, dir string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	if dir != "" {
		t.Chdir(dir)
	}
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPlanPrintMatchesBakeShape(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "docker-bake.hcl", `
group "default" { targets = ["app"] }
target "app" {
  contexts = { base = "target:base" }
  tags = ["example.com/app:1"]
}
target "base" {}`)
	code, out, errOut := xbake(t, dir, "", "plan", "--print")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Group  map[string]struct{ Targets []string }
		Target map[string]map[string]any
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got := doc.Group["default"].Targets; len(got) != 1 || got[0] != "app" {
		t.Errorf("default group = %v", got)
	}
	base := doc.Target["base"]
	if base == nil || base["output"].([]any)[0].(map[string]any)["type"] != "cacheonly" {
		t.Errorf("the linked target should be printed with a cacheonly output: %v", base)
	}
	if doc.Target["app"]["context"] != "." || doc.Target["app"]["dockerfile"] != "Dockerfile" {
		t.Errorf("defaults missing: %v", doc.Target["app"])
	}
}

func TestExitCodesAndDiagnostics(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "xbuild.hcl", "target \"app\" {\n  tagz = [\"a\"]\n}\n")
	code, out, errOut := xbake(t, dir, "", "plan")
	if code != 1 {
		t.Errorf("spec error: exit %d, want 1", code)
	}
	if out != "" {
		t.Errorf("nothing belongs on stdout on error, got %q", out)
	}
	for _, want := range []string{
		`xbuild.hcl:2:3: Unsupported argument: An argument named "tagz" is not expected here. Did you mean "tags"?`,
		`  2 |   tagz = ["a"]`,
		`    |   ^^^^`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	for _, args := range [][]string{
		{"plan", "--format", "xml"},
		{"plan", "--nope"},
		{"plan", "--list", "things"},
		{"nope"},
		{"plan", "--var", "NOEQUALS"},
		{"plan", "--set", "app.tagz=x"},
	} {
		if code, _, errOut := xbake(t, dir, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage)\n%s", args, code, errOut)
		}
	}
}

// TestCommandLineMistakes: a name that is no target, a --var that names
// no variable, an --affected ref that does not exist and a builders
// command without its builder are usage mistakes (exit 2), each said in
// plain words, never passed over.
func TestCommandLineMistakes(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "Dockerfile", "FROM scratch\n")
	writeFile(t, dir, "xbuild.hcl", "variable \"TAG\" { default = \"1\" }\ntarget \"app\" {\n  output = [\"type=cacheonly\"]\n}\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plan", "ap"}, `Did you mean "app"?`},
		{[]string{"run", "ap"}, `Did you mean "app"?`},
		{[]string{"plan", "--var", "TAGG=2"}, `--var TAGG: the spec has no variable "TAGG" (it declares TAG). Did you mean "TAG"?`},
		{[]string{"builders", "stop"}, "xbake builders stop needs the name of one builder"},
	} {
		code, out, errOut := xbake(t, dir, "", c.args...)
		if code != 2 || !strings.Contains(out+errOut, c.want) {
			t.Errorf("%v: exit %d, want 2 and %q\n%s%s", c.args, code, c.want, out, errOut)
		}
	}
	if _, err := osexec.LookPath("git"); err != nil {
		t.Fatal("git is needed")
	}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "one"}} {
		cmd := osexec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	code, out, errOut := xbake(t, dir, "", "plan", "--affected=mian")
	if code != 2 || !strings.Contains(errOut, `no branch, tag or commit "mian"`) || !strings.Contains(errOut, `Did you mean "main"?`) {
		t.Errorf("--affected with a ref that does not exist: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := xbake(t, dir, "", "plan", "--affected=main"); code != 0 {
		t.Errorf("--affected=main: exit %d\n%s%s", code, out, errOut)
	}
}

func TestPlanFromStdinAndLists(t *testing.T) {
	spec := "variables:\n  TAG:\n    default: \"1\"\n    description: the tag\ntargets:\n  app:\n    description: The app\n    tags: [\"x:${TAG}\"]\n"
	code, out, errOut := xbake(t, t.TempDir(), spec, "plan", "-f", "-", "--list", "variables", "--var", "TAG=2")
	if code != 0 || !strings.Contains(out, "TAG") || !strings.Contains(out, `"2"`) || !strings.Contains(out, "--var") {
		t.Errorf("exit %d, out:\n%s\nerr: %s", code, out, errOut)
	}
	code, out, _ = xbake(t, t.TempDir(), spec, "plan", "-f", "-", "--list", "targets", "--format", "json")
	var rows []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || rows[0]["name"] != "app" || rows[0]["description"] != "The app" {
		t.Errorf("--list targets --format json: exit %d\n%s", code, out)
	}
}

func TestSchemaCommand(t *testing.T) {
	code, out, _ := xbake(t, "", "", "schema")
	var doc map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || doc["$schema"] == nil {
		t.Errorf("xbake schema: exit %d, not a JSON Schema:\n%.200s", code, out)
	}
}

// TestExamplesLoad keeps examples/ working: each loads without errors.
func TestExamplesLoad(t *testing.T) {
	specs, _ := filepath.Glob("../../examples/*/xbuild.*")
	if len(specs) < 2 {
		t.Fatalf("want at least two examples, found %v", specs)
	}
	for _, s := range specs {
		abs, _ := filepath.Abs(s)
		t.Run(filepath.Base(filepath.Dir(s)), func(t *testing.T) {
			code, _, errOut := xbake(t, filepath.Dir(abs), "", "plan", "--print", "-f", filepath.Base(abs))
			if code != 0 {
				t.Errorf("exit %d:\n%s", code, errOut)
			}
		})
	}
}

// An unknown attribute is a warning in a bake file (bake ignores it), an
// error in an xbuild file and under --strict.
func TestUnknownAttributeInBakeFiles(t *testing.T) {
	for _, c := range []struct {
		file   string
		args   []string
		code   int
		prefix string
	}{
		{"docker-bake.hcl", nil, 0, "docker-bake.hcl:2:3: warning: Unsupported argument"},
		{"docker-bake.hcl", []string{"--strict"}, 1, "docker-bake.hcl:2:3: Unsupported argument"},
		{"xbuild.hcl", nil, 1, "xbuild.hcl:2:3: Unsupported argument"},
	} {
		dir := t.TempDir()
		writeFile(t, dir, c.file, "target \"default\" {\n  tagz = [\"x\"]\n}\n")
		code, _, errOut := xbake(t, dir, "", append([]string{"plan", "--print"}, c.args...)...)
		if code != c.code || !strings.HasPrefix(errOut, c.prefix) || !strings.Contains(errOut, `Did you mean "tags"?`) {
			t.Errorf("%s %v: exit %d\n%s", c.file, c.args, code, errOut)
		}
	}
}

// bake's flags: run --print is plan --print, the shorthands are --set on
// every target, and an unknown flag points at --set.
func TestBakeFlags(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "docker-bake.hcl", "target \"default\" {\n  tags = [\"x/app:1\"]\n}\n")
	code, planOut, errOut := xbake(t, dir, "", "plan", "--print", "--no-cache", "--pull", "--check")
	if code != 0 || !strings.Contains(planOut, `"no-cache": true`) || !strings.Contains(planOut, `"pull": true`) || !strings.Contains(planOut, `"call": "lint"`) {
		t.Errorf("plan --print with shorthands: exit %d\n%s%s", code, planOut, errOut)
	}
	if code, runOut, errOut := xbake(t, dir, "", "run", "--print", "--no-cache", "--pull", "--check"); code != 0 || runOut != planOut {
		t.Errorf("run --print: exit %d, differs from plan --print:\n%s%s", code, runOut, errOut)
	}
	if code, out, _ := xbake(t, dir, "", "run", "--list", "targets"); code != 0 || !strings.Contains(out, "default") {
		t.Errorf("run --list targets: exit %d\n%s", code, out)
	}
	if code, _, errOut := xbake(t, dir, "", "run", "--platform", "linux/arm64"); code != 2 || !strings.Contains(errOut, "--set TARGET.KEY=VALUE") {
		t.Errorf("an unknown flag: exit %d\n%s", code, errOut)
	}
}

// Shell completion offers the spec's targets and groups, builders, and
// the values of fixed-set flags.
func TestCompletion(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "xbuild.hcl", "variable \"TAG\" {}\ngroup \"all\" {\n  targets = [\"api\"]\n}\ntarget \"api\" {}\nbuilder \"farm\" {\n  driver = \"remote\"\n  endpoint = \"tcp://x:1\"\n}\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "run", ""}, "all\napi\n"},
		{[]string{"__complete", "plan", "--builder", ""}, "local\nfarm\n"},
		{[]string{"__complete", "builders", "inspect", ""}, "local\nfarm\n"},
		{[]string{"__complete", "run", "--push-mode", ""}, "atomic\neager\n"},
		{[]string{"__complete", "plan", "--format", ""}, "text\njson\ndot\nmermaid\nhtml\nmarkdown\n"},
		{[]string{"__complete", "plan", "--var", ""}, "TAG=\n"},
		{[]string{"__complete", "run", "--allow", ""}, "network.host\nsecurity.insecure\n"},
	} {
		_, out, _ := xbake(t, dir, "", c.args...)
		if !strings.HasPrefix(out, c.want) {
			t.Errorf("%v: %q, want it to start with %q", c.args, out, c.want)
		}
	}
}

// Help is text: no control characters (a flag's hidden default once put
// a NUL byte in it, and grep took the help for a binary file).
func TestHelpIsPlainText(t *testing.T) {
	for _, command := range [][]string{{"--help"}, {"plan", "--help"}, {"run", "--help"}, {"builders", "--help"}} {
		_, out, _ := xbake(t, "", "", command...)
		for i, r := range out {
			if r < 0x20 && r != '\n' && r != '\t' {
				t.Errorf("xbake %v: control character %q at byte %d", command, r, i)
				break
			}
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, _ := xbake(t, "", "", args...)
		if code != 0 || !strings.HasPrefix(out, "xbake ") || !strings.Contains(out, "buildkit  v0.") || !strings.Contains(out, "commit ") {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
	}
}

// TestPlanTakesBakesPrintFlags: a `docker buildx bake --print` command
// line works as `xbake plan --print`: the flags that only matter to a
// build are accepted and change nothing.
func TestPlanTakesBakesPrintFlags(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "docker-bake.hcl", "group \"default\" { targets = [\"app\"] }\ntarget \"app\" {}\n")
	_, want, _ := xbake(t, dir, "", "plan", "--print")
	code, got, errOut := xbake(t, dir, "", "plan", "--print", "--progress", "plain", "--metadata-file", "m.json", "--jobs", "4", "-D")
	if code != 0 || got != want {
		t.Errorf("exit %d\n%s\nwant the same print as without the flags:\n%s\n%s", code, got, want, errOut)
	}
	// bake's older spellings of --list.
	_, want, _ = xbake(t, dir, "", "plan", "--list", "targets")
	if code, got, errOut := xbake(t, dir, "", "plan", "--list-targets"); code != 0 || got != want || !strings.Contains(got, "app") {
		t.Errorf("--list-targets: exit %d\n%s\nwant\n%s\n%s", code, got, want, errOut)
	}
	_, want, _ = xbake(t, dir, "", "plan", "--list", "variables")
	if code, got, _ := xbake(t, dir, "", "plan", "--list-variables"); code != 0 || got != want {
		t.Errorf("--list-variables: exit %d\n%s\nwant\n%s", code, got, want)
	}
}

// TestSmallPromises: what the help and the docs promise in passing.
func TestSmallPromises(t *testing.T) {
	if _, out, _ := xbake(t, "", "", "run", "--help"); !strings.Contains(out, "quiet, or none") {
		t.Errorf("run --help does not name --progress none:\n%s", out)
	}
	dir := t.TempDir()
	writeFile(t, dir, "xbuild.hcl", "target \"a\" {\n  tags = [\n}\n")
	code, out, _ := xbake(t, dir, "", "plan", "--format", "html")
	if code != 1 || !strings.Contains(out, "<html") || !strings.Contains(out, "xbuild.hcl") {
		t.Errorf("plan --format html of a spec that does not load: exit %d, %d bytes", code, len(out))
	}
	if code, _, errOut := xbake(t, dir, "", "builders", "ls", "--set", "a.tags=x"); code != 2 || !strings.Contains(errOut, "unknown flag: --set") {
		t.Errorf("builders ls --set: exit %d\n%s", code, errOut)
	}
	writeFile(t, dir, "xbuild.hcl", "target \"a\" {\n  contexts = { b = \"target:b\" }\n  dockerfile-inline = \"FROM b\"\n}\ntarget \"b\" {\n  contexts = { a = \"target:a\" }\n  dockerfile-inline = \"FROM a\"\n}\n")
	code, out, _ = xbake(t, dir, "", "plan")
	if code != 1 || strings.Contains(out, "level 0") || !strings.Contains(out, "2 targets in a cycle: 1 error") {
		t.Errorf("a plan with a cycle shows levels:\n%s", out)
	}
}
