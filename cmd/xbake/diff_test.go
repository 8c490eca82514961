package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/xbake/xbake/schema"
)

// gitRepo is a repository made by the test, committing as it goes.
type gitRepo struct {
	t   *testing.T
	dir string
}

func newGitRepo(t *testing.T) *gitRepo {
	r := &gitRepo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	return r
}

func (r *gitRepo) git(args ...string) {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.email=t@example.com", "-c", "user.name=t"}, args...)...)
	cmd.Dir = r.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		r.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// commit writes the files (an empty content removes one) and commits.
func (r *gitRepo) commit(msg string, files map[string]string) {
	r.t.Helper()
	for name, content := range files {
		path := filepath.Join(r.dir, name)
		if content == "" {
			os.Remove(path)
			continue
		}
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
	r.git("add", "-A")
	r.git("commit", "-q", "-m", msg)
}

type diffDoc struct {
	Targets []struct {
		Name, Change string
		Rebuilt      bool
		Attributes   []struct {
			Name, Position string
			OldPosition    string `json:"old_position"`
			Old, New       any
		}
		Files, Parents, Tags []string
		BaseImages           []struct{ Old, New string } `json:"base_images"`
	}
	Groups    struct{ Added, Removed, Changed []string }
	Unchanged int
}

// diffOf runs plan --diff HEAD~1 in text and JSON, with --exit-code.
func diffOf(t *testing.T, dir string) (string, diffDoc, int) {
	t.Helper()
	code, text, errOut := xbake(t, dir, "", "plan", "--diff", "HEAD~1", "--exit-code")
	if code != 0 && code != exitChanges {
		t.Fatalf("plan --diff: exit %d\n%s%s", code, text, errOut)
	}
	_, js, errOut := xbake(t, dir, "", "plan", "--diff=HEAD~1", "--format", "json")
	var doc diffDoc
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s%s", err, js, errOut)
	}
	v, _ := jsonschema.UnmarshalJSON(strings.NewReader(js))
	if err := diffSchema(t).Validate(v); err != nil {
		t.Errorf("the diff does not match schema/plan-diff.schema.json: %v\n%s", err, js)
	}
	return text, doc, code
}

func diffSchema(t *testing.T) *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.DiffDocument))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schema.DiffURL, doc); err != nil {
		t.Fatal(err)
	}
	return c.MustCompile(schema.DiffURL)
}

// TestPlanDiff walks a repository through the changes a pull request
// makes, each checked in text and JSON against the commit before.
func TestPlanDiff(t *testing.T) {
	r := newGitRepo(t)
	r.commit("start", map[string]string{
		"xbuild.hcl": `include = ["services.hcl"]
variable "TAG" { default = "1" }
group "default" { targets = ["api", "web"] }
target "base" {
  context = "base"
}
`,
		"services.hcl": `target "api" {
  context  = "api"
  contexts = { base = "target:base" }
  args     = { MODE = "fast" }
  tags     = ["registry.example.com/api:${TAG}"]
  output   = ["type=image,push=true"]
}
target "web" {
  context = "web"
  tags    = ["registry.example.com/web:${TAG}"]
  output  = ["type=image,push=true"]
}
`,
		"base/Dockerfile":   "FROM alpine:3.19\n",
		"api/Dockerfile":    "FROM base\nCOPY . /app\n",
		"api/.dockerignore": "notes.txt\n",
		"api/notes.txt":     "one\n",
		"web/Dockerfile":    "FROM scratch\nCOPY . /\n",
		"web/index.html":    "<h1>hi</h1>\n",
	})

	// A Dockerfile edit: only web rebuilds.
	r.commit("web", map[string]string{"web/Dockerfile": "FROM scratch\nCOPY . /srv\n"})
	text, doc, code := diffOf(t, r.dir)
	if code != exitChanges || len(doc.Targets) != 1 || doc.Targets[0].Name != "web" || !doc.Targets[0].Rebuilt ||
		strings.Join(doc.Targets[0].Files, ",") != "web/Dockerfile" || strings.Join(doc.Targets[0].Tags, ",") != "registry.example.com/web:1" || doc.Unchanged != 2 {
		t.Errorf("Dockerfile edit: exit %d %+v\n%s", code, doc, text)
	}
	if !strings.Contains(text, "~ web  rebuilt\n    file changed: web/Dockerfile\n    publishes: registry.example.com/web:1") || !strings.Contains(text, "1 rebuilt, 2 unchanged") {
		t.Errorf("Dockerfile edit, text:\n%s", text)
	}

	// An attribute in an included file: api rebuilds, with both positions.
	r.commit("args", map[string]string{"services.hcl": strings.Replace(readFile(t, r.dir, "services.hcl"), `MODE = "fast"`, `MODE = "safe"`, 1)})
	text, doc, _ = diffOf(t, r.dir)
	if len(doc.Targets) != 1 || doc.Targets[0].Name != "api" || len(doc.Targets[0].Attributes) != 1 {
		t.Fatalf("attribute edit: %+v\n%s", doc, text)
	}
	a := doc.Targets[0].Attributes[0]
	if a.Name != "args" || a.Position != "services.hcl:4" || a.OldPosition != "services.hcl:4" || !strings.Contains(text, `args: {"MODE":"fast"} -> {"MODE":"safe"}  (services.hcl:4)`) {
		t.Errorf("attribute edit: %+v\n%s", a, text)
	}

	// A target added (and the default group changed).
	r.commit("cron", map[string]string{
		"xbuild.hcl":     strings.Replace(readFile(t, r.dir, "xbuild.hcl"), `["api", "web"]`, `["api", "web", "cron"]`, 1) + "target \"cron\" {\n  context = \"web\"\n  target  = \"cron\"\n}\n",
		"web/Dockerfile": "FROM scratch\nCOPY . /srv\nFROM scratch AS cron\n",
	})
	text, doc, _ = diffOf(t, r.dir)
	changes := map[string]string{}
	for _, tg := range doc.Targets {
		changes[tg.Name] = tg.Change
	}
	if changes["cron"] != "added" || changes["web"] != "changed" || strings.Join(doc.Groups.Changed, ",") != "default" || !strings.Contains(text, "+ cron  added (xbuild.hcl:") {
		t.Errorf("target added: %v %+v\n%s", changes, doc.Groups, text)
	}

	// A base image bumped: base, and api built on it, rebuild.
	r.commit("alpine", map[string]string{"base/Dockerfile": "FROM alpine:3.20\n"})
	text, doc, _ = diffOf(t, r.dir)
	if len(doc.Targets) != 2 || doc.Targets[0].Name != "base" || len(doc.Targets[0].BaseImages) != 1 ||
		doc.Targets[0].BaseImages[0].Old != "docker.io/library/alpine:3.19" && doc.Targets[0].BaseImages[0].Old != "alpine:3.19" ||
		doc.Targets[1].Name != "api" || strings.Join(doc.Targets[1].Parents, ",") != "base" {
		t.Errorf("base image bump: %+v\n%s", doc, text)
	}
	if !strings.Contains(text, "base image: ") || !strings.Contains(text, "builds on base, which is rebuilt") {
		t.Errorf("base image bump, text:\n%s", text)
	}

	// An edit to a file the .dockerignore excludes: nothing rebuilds.
	r.commit("notes", map[string]string{"api/notes.txt": "two\n"})
	text, doc, code = diffOf(t, r.dir)
	if code != 0 || len(doc.Targets) != 0 || !strings.Contains(text, "no change (4 targets unchanged)") {
		t.Errorf("ignored file edit: exit %d %+v\n%s", code, doc, text)
	}

	// A group renamed.
	r.commit("rename", map[string]string{"xbuild.hcl": strings.Replace(readFile(t, r.dir, "xbuild.hcl"), `group "default" { targets = ["api", "web", "cron"] }`,
		"group \"default\" { targets = [\"all\"] }\ngroup \"all\" { targets = [\"api\", \"web\", \"cron\"] }", 1)})
	text, doc, _ = diffOf(t, r.dir)
	if strings.Join(doc.Groups.Added, ",") != "all" || strings.Join(doc.Groups.Changed, ",") != "default" || len(doc.Targets) != 0 {
		t.Errorf("group rename: %+v\n%s", doc.Groups, text)
	}

	// A spec that did not load at the base, and a REF that does not exist.
	services := readFile(t, r.dir, "services.hcl")
	r.commit("broken", map[string]string{"services.hcl": "target \"api\" {\n"})
	r.commit("fixed", map[string]string{"services.hcl": services})
	code, text, errOut := xbake(t, r.dir, "", "plan", "--diff", "HEAD~1")
	if code != 0 || !strings.Contains(text, "the spec does not load at") || !strings.Contains(text, "services.hcl:") {
		t.Errorf("spec broken at the base: exit %d\n%s%s", code, text, errOut)
	}
	code, _, errOut = xbake(t, r.dir, "", "plan", "--diff=no-such-branch")
	if code != exitUsage || !strings.Contains(errOut, "no-such-branch") {
		t.Errorf("unknown REF: exit %d\n%s", code, errOut)
	}
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPlanDiffOnTheMonorepo is the pull request the issue asks about: a
// one-line change to one service's Dockerfile, as a Markdown comment,
// names that service, its file and its tags, nothing else, in under 40
// lines.
func TestPlanDiffOnTheMonorepo(t *testing.T) {
	dir := copyExample(t, "monorepo")
	r := &gitRepo{t: t, dir: dir}
	r.git("init", "-q", "-b", "main")
	r.git("add", "-A")
	r.git("commit", "-q", "-m", "start")
	r.commit("api", map[string]string{"api/Dockerfile": readFile(t, dir, "api/Dockerfile") + "ENV MODE=prod\n"})
	code, md, errOut := xbake(t, dir, "", "plan", "--diff", "HEAD~1", "--format", "markdown", "--exit-code")
	if code != exitChanges {
		t.Fatalf("exit %d\n%s%s", code, md, errOut)
	}
	for _, want := range []string{"1 rebuilt, 2 unchanged", "| `api` | rebuilt |", "file changed: `api/Dockerfile`", "publishes: `localhost:5000/xbake/api:dev`"} {
		if !strings.Contains(md, want) {
			t.Errorf("the comment lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "worker") || strings.Contains(md, "`base`") {
		t.Errorf("the comment names targets that do not change:\n%s", md)
	}
	if lines := strings.Count(md, "\n"); lines >= 40 {
		t.Errorf("%d lines: too long for a pull request", lines)
	}
}
