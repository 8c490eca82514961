package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/xbake/xbake/internal/exec"
	"github.com/xbake/xbake/internal/plan"
)

// TestCIJobNamesOnlyTagsThatExist runs xbake as a GitHub Actions job
// would, against a real registry, with one target failing under an
// atomic push: the failure is annotated on its line, the metadata file
// must name no tag the registry does not hold and say for each tag that
// it was held back, and the step summary must say so too. Once nothing
// fails, the tags it names exist.
func TestCIJobNamesOnlyTagsThatExist(t *testing.T) {
	realBuilder(t)
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	reg := u.Host

	dir := t.TempDir()
	b, err := os.ReadFile("../../bin/busybox-amd64")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "busybox"), b, 0o755)
	writeFile(t, dir, "ok.Dockerfile", fmt.Sprintf("FROM scratch\nCOPY busybox /bin/busybox\nENV N=%d\n", time.Now().UnixNano()))
	// The failing step prints what would end the step summary's code
	// block and forge workflow commands if xbake wrote it as it is.
	// Its "as" in lower case is a finding of the Dockerfile linter.
	writeFile(t, dir, "bad.Dockerfile", "FROM scratch as base\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"sh\", \"-c\", \"echo '```'; echo '## Injected'; echo '</details>'; echo '::add-mask::x'; exit 1\"]\n")
	writeFile(t, dir, "xbuild.hcl", fmt.Sprintf(`group "default" { targets = ["notifier", "broken"] }
target "notifier" {
  dockerfile = "ok.Dockerfile"
  platforms  = ["linux/amd64"]
  tags       = ["%[1]s/acme/notifier:ci2"]
  output     = ["type=image,push=true"]
}
target "broken" {
  dockerfile = "bad.Dockerfile"
  platforms  = ["linux/amd64"]
  tags       = ["%[1]s/acme/broken:ci2"]
  output     = ["type=image,push=true"]
}
`, reg))
	summary := filepath.Join(dir, "step-summary.md")
	t.Setenv("GITHUB_ACTIONS", "true")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	t.Setenv("GITHUB_WORKSPACE", filepath.Dir(dir))

	code, out, errOut := xbake(t, dir, "", "run", "--progress", "plain", "--keep-going", "--metadata-file", "meta.json")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	// The failure is annotated on the target's declaration, the path
	// relative to the repository's root.
	want := "title=broken failed::at "
	if !strings.Contains(errOut, want) {
		t.Errorf("no annotation %q on stderr:\n%s", want, errOut)
	}
	// The failing instruction and the linter's finding are annotated
	// on their lines of the Dockerfile.
	for _, want := range []string{
		"::error file=" + filepath.Base(dir) + "/bad.Dockerfile,line=3,",
		"::warning file=" + filepath.Base(dir) + "/bad.Dockerfile,line=1,",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("no annotation %q on stderr:\n%s", want, errOut)
		}
	}
	meta := readMetadata(t, filepath.Join(dir, "meta.json"))
	checkNamedTagsExist(t, meta)
	tags, _ := meta["notifier"]["xbake.tags"].(map[string]any)
	if tags[reg+"/acme/notifier:ci2"] != "held back" {
		t.Errorf("xbake.tags of notifier should say its tag was held back: %v", meta["notifier"])
	}
	if d, _ := meta["notifier"]["containerimage.digest"].(string); !strings.HasPrefix(d, "sha256:") {
		t.Errorf("the digest that was uploaded is still reported: %v", meta["notifier"])
	}
	md, _ := os.ReadFile(summary)
	checkNoForgedCommands(t, errOut)
	if open := strings.Index(string(md), "\n````\n"); open < 0 || !strings.Contains(string(md)[open:], "## Injected\n</details>\n::add-mask::x\n") ||
		!strings.Contains(string(md), "</summary>") || strings.Contains(string(md), "failed at </summary>") {
		t.Errorf("the failing step's log must sit in a code block whose fence it cannot close:\n%s", md)
	}
	if !strings.Contains(string(md), "Tags held back") || !strings.Contains(string(md), "broken did not build") {
		t.Errorf("the step summary should say the tags were held back, and why:\n%s", md)
	}

	// Without the failing target, the tag is published and named.
	os.Remove(summary)
	code, out, errOut = xbake(t, dir, "", "run", "--progress", "plain", "--metadata-file", "meta.json", "notifier")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	meta = readMetadata(t, filepath.Join(dir, "meta.json"))
	if meta["notifier"]["image.name"] != reg+"/acme/notifier:ci2" {
		t.Errorf("image.name = %v, want the published tag", meta["notifier"]["image.name"])
	}
	checkNamedTagsExist(t, meta)
}

func readMetadata(t *testing.T, path string) map[string]map[string]any {
	t.Helper()
	var meta map[string]map[string]any
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	return meta
}

// checkNamedTagsExist requires every tag in image.name to exist in its
// registry.
func checkNamedTagsExist(t *testing.T, meta map[string]map[string]any) {
	t.Helper()
	for target, m := range meta {
		names, _ := m["image.name"].(string)
		for _, n := range strings.Split(names, ",") {
			if n == "" {
				continue
			}
			ref, err := name.ParseReference(n)
			if err != nil {
				t.Errorf("%s: image.name %q: %v", target, n, err)
				continue
			}
			if _, err := remote.Head(ref); err != nil {
				t.Errorf("%s: the metadata names %s, which the registry does not hold: %v", target, n, err)
			}
		}
	}
}

// TestCIAnnotationsOfFindings: on GitHub Actions each finding of the
// spec and the plan is a workflow command on its file and line; the
// plan's JSON on stdout stays clean.
func TestCIAnnotationsOfFindings(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "xbuild.hcl", "target \"app\" {\n  tagz = [\"a\"]\n  dockerfile = \"missing.Dockerfile\"\n}\n")
	t.Setenv("GITHUB_ACTIONS", "true")
	t.Setenv("GITHUB_WORKSPACE", dir)
	code, out, errOut := xbake(t, dir, "", "plan", "--format", "json")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, want := range []string{
		"::error file=xbuild.hcl,line=2,col=3,endLine=2,endColumn=7,title=Unsupported argument::",
		"::error file=xbuild.hcl,line=3,col=16,endLine=3,endColumn=36,title=Missing Dockerfile::",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("no annotation %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(out, "::error") || !json.Valid([]byte(out)) {
		t.Errorf("stdout must stay the JSON document:\n%s", out)
	}
	t.Setenv("GITHUB_ACTIONS", "")
	if _, _, errOut := xbake(t, dir, "", "plan"); strings.Contains(errOut, "::error") {
		t.Errorf("annotations outside GitHub Actions:\n%s", errOut)
	}
}

// TestGitLabSections: on GitLab CI each failed target's log is a
// collapsed section of the job log, named after the target.
func TestGitLabSections(t *testing.T) {
	t.Setenv("GITLAB_CI", "true")
	t.Setenv("GITHUB_ACTIONS", "")
	var b strings.Builder
	res := &exec.Result{Targets: []*exec.TargetResult{
		{Name: "ok-one", Status: exec.Built},
		{Name: "Web.App", Status: exec.Failed, FailedStep: "[2/2] RUN make", Err: errors.New("exit code: 2"), Logs: []string{"make: *** no rule"}},
	}}
	reportFailures(&b, &plan.Plan{}, res)
	out := b.String()
	for _, want := range []string{"section_start:", ":xbake_web_app[collapsed=true]\r\x1b[0KWeb.App failed at [2/2] RUN make: exit code: 2\n", "make: *** no rule\n", ":xbake_web_app\r\x1b[0K\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%q", want, out)
		}
	}
	if strings.Contains(out, "ok-one") {
		t.Errorf("a target that built has no section:\n%q", out)
	}
}

// TestSkipUnchangedAsksForRemoteInputs: through the command line,
// --skip-unchanged looks up what a target reads from elsewhere; one that
// cannot be looked up is built, with a warning, never skipped.
func TestSkipUnchangedAsksForRemoteInputs(t *testing.T) {
	realBuilder(t)
	dir := t.TempDir()
	writeFile(t, dir, "Dockerfile", "FROM scratch\nCOPY Dockerfile /\n")
	writeFile(t, dir, "xbuild.hcl", "target \"app\" {\n  platforms = [\"linux/amd64\"]\n  contexts = { unused = \"docker-image://127.0.0.1:1/nothing:1\" }\n  output = [\"type=local,dest=out\"]\n}\n")
	for i := 0; i < 2; i++ {
		code, out, errOut := xbake(t, dir, "", "run", "--progress", "quiet", "--skip-unchanged", "--state-file", "state.json")
		if code != 0 || strings.Contains(out, "up to date") {
			t.Fatalf("run %d: exit %d, a target with an input that cannot be compared must be built\n%s%s", i, code, out, errOut)
		}
		if !strings.Contains(errOut, "warning: app will be built: an input cannot be compared with the last build") {
			t.Errorf("run %d: no warning:\n%s", i, errOut)
		}
	}
}
