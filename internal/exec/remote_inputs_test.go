package exec_test

import (
	"fmt"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/xbake/xbake/internal/exec"
	"github.com/xbake/xbake/internal/plan"
)

// TestSkipUnchangedSeesEveryInput changes each kind of input a target
// can read from outside its context directory, one at a time, and
// requires --skip-unchanged to rebuild exactly the targets that read it
// (and their users), and nothing on a run where nothing changed:
//   - an oci-layout:// context whose index.json is rewritten,
//   - a base image (FROM) moved to new content in the registry,
//   - a docker-image:// context moved likewise,
//   - a target: parent whose own base image moved,
//   - a git context whose branch got a new commit.
func TestSkipUnchangedSeesEveryInput(t *testing.T) {
	needDaemon(t)
	reg := startRegistry(t)
	pushBase(t, reg+"/xbake/base:1", "one")
	pushBase(t, reg+"/xbake/ctx:1", "one")
	gitURL, commitFiles := gitRepo(t)
	gitURL += "#main"
	commit := func(version string) {
		commitFiles(map[string]string{"Dockerfile": "FROM scratch\nCOPY version /\n", "version": version})
	}
	commit("one")

	dir := project(t, map[string]string{
		"layout-src/Dockerfile": "FROM scratch\nARG N\nCOPY marker /layout-marker\nLABEL n=$N\n",
		"layout-src/marker":     "m",
		"oci/Dockerfile":        "FROM base\nCOPY marker /\n",
		"oci/marker":            "m",
		"from/Dockerfile":       fmt.Sprintf("FROM %s/xbake/base:1\nCOPY marker /\n", reg),
		"from/marker":           "m",
		"imagectx/Dockerfile":   "FROM base\nCOPY marker /\n",
		"imagectx/marker":       "m",
		"child/Dockerfile":      "FROM parent\nCOPY marker /child\n",
		"child/marker":          "m",
		"xbuild.hcl": fmt.Sprintf(`
variable "N" { default = "1" }
target "layout" {
  context   = "layout-src"
  platforms = ["linux/amd64"]
  args      = { N = N }
  output    = ["type=oci,dest=layout,tar=false"]
}
group "default" { targets = ["oci", "from", "imagectx", "child", "git"] }
target "oci" {
  context   = "oci"
  platforms = ["linux/amd64"]
  contexts  = { base = "oci-layout://layout" }
  output    = ["type=local,dest=out/oci"]
}
target "from" {
  context   = "from"
  platforms = ["linux/amd64"]
  output    = ["type=local,dest=out/from"]
}
target "imagectx" {
  context   = "imagectx"
  platforms = ["linux/amd64"]
  contexts  = { base = "docker-image://%[1]s/xbake/ctx:1" }
  output    = ["type=local,dest=out/imagectx"]
}
target "parent" {
  context   = "from"
  platforms = ["linux/amd64"]
  output    = ["type=local,dest=out/parent"]
}
target "child" {
  context   = "child"
  platforms = ["linux/amd64"]
  contexts  = { parent = "target:parent" }
  output    = ["type=local,dest=out/child"]
}
target "git" {
  context   = "%[2]s"
  platforms = ["linux/amd64"]
  output    = ["type=local,dest=out/git"]
}`, reg, gitURL),
	})
	layout := func(n string) {
		t.Helper()
		t.Setenv("N", n)
		if res := build(t, ctx(t), dir, runOpts{targets: []string{"layout"}}); res.Failed() {
			t.Fatalf("the layout: %+v", res.Targets[0])
		}
	}
	layout("1")
	state := filepath.Join(dir, "state.json")
	run := func(step string, want ...string) {
		t.Helper()
		var errOut strings.Builder
		res := build(t, ctx(t), dir, runOpts{opts: exec.Options{SkipUnchanged: true, StateFile: state, ProgressOut: &errOut}, plan: plan.Options{RemoteInputs: true}})
		rebuilt := map[string]bool{}
		for _, r := range res.Targets {
			switch r.Status {
			case exec.UpToDate:
			case exec.Built, exec.Cached:
				rebuilt[r.Name] = true
			default:
				t.Fatalf("%s: %s is %s: %v %v", step, r.Name, r.Status, r.Err, r.Logs)
			}
		}
		wanted := map[string]bool{}
		for _, w := range want {
			wanted[w] = true
		}
		if fmt.Sprint(rebuilt) != fmt.Sprint(wanted) {
			t.Errorf("%s: rebuilt %v, want %v\n%s", step, keys(rebuilt), want, errOut.String())
		}
	}
	run("first run", "oci", "from", "imagectx", "parent", "child", "git")
	run("nothing changed")

	layout("2") // index.json now names another manifest
	run("oci-layout rewritten", "oci")

	pushBase(t, reg+"/xbake/base:1", "two")
	run("base image moved", "from", "parent", "child")

	pushBase(t, reg+"/xbake/ctx:1", "two")
	run("image context moved", "imagectx")

	commit("two")
	run("git branch moved", "git")
	run("nothing changed again")
}

// pushBase writes an empty linux/amd64 image whose config says which
// version it is, so that each version has its own digest.
func pushBase(t *testing.T, ref, version string) {
	t.Helper()
	img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: "linux", Architecture: "amd64",
		Config: v1.Config{Env: []string{"VERSION=" + version}}, RootFS: v1.RootFS{Type: "layers"}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
}

// gitRepo serves a repository over git's smart-HTTP backend on
// loopback, at the returned URL; commit commits files (name: content) on
// its main branch and pushes them there.
func gitRepo(t *testing.T) (string, func(files map[string]string)) {
	t.Helper()
	gitBin, err := osexec.LookPath("git")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("git is needed in CI")
		}
		t.Skip("needs git")
	}
	root := t.TempDir()
	bare := filepath.Join(root, "repo.git")
	work := filepath.Join(root, "work")
	git := func(args ...string) {
		t.Helper()
		if out, err := osexec.Command(gitBin, args...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q", "--bare", "-b", "main", bare)
	git("init", "-q", "-b", "main", work)
	srv := httptest.NewServer(&cgi.Handler{Path: gitBin, Args: []string{"http-backend"},
		Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}})
	t.Cleanup(srv.Close)
	return srv.URL + "/repo.git", func(files map[string]string) {
		t.Helper()
		for name, content := range files {
			os.WriteFile(filepath.Join(work, name), []byte(content), 0o644)
		}
		git("-C", work, "add", "-A")
		git("-C", work, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "a commit")
		git("-C", work, "push", "-q", bare, "main")
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
