package exec_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xbake/xbake/internal/exec"
)

// TestSkipUnchanged runs the same spec twice against a loopback registry:
// the second run builds nothing; after a one-line change exactly one
// target is rebuilt; a tag added to the spec is added in the registry
// without a rebuild.
func TestSkipUnchanged(t *testing.T) {
	needDaemon(t)
	reg := startRegistry(t)
	spec := func(extraTag string) string {
		return fmt.Sprintf(`target "a" {
  context   = "a"
  platforms = ["linux/amd64"]
  tags      = ["%[1]s/xbake/a:1"%[2]s]
  output    = ["type=image,push=true"]
}
target "b" {
  context   = "b"
  platforms = ["linux/amd64"]
  tags      = ["%[1]s/xbake/b:1"]
  output    = ["type=image,push=true"]
}
target "files" {
  context   = "b"
  platforms = ["linux/amd64"]
  output    = ["type=local,dest=out/files"]
}`, reg, extraTag)
	}
	dir := project(t, map[string]string{
		"a/Dockerfile": "FROM scratch\nCOPY busybox-amd64 /bin/busybox\nCOPY a.txt /\n",
		"a/a.txt":      "one\n",
		"b/Dockerfile": "FROM scratch\nCOPY busybox-amd64 /bin/busybox\nCOPY b.txt /\n",
		"b/b.txt":      "bee\n",
		"xbuild.hcl":   spec(""),
	})
	for _, sub := range []string{"a", "b"} {
		b, _ := os.ReadFile(filepath.Join(dir, "busybox-amd64"))
		os.WriteFile(filepath.Join(dir, sub, "busybox-amd64"), b, 0o755)
	}
	opts := exec.Options{SkipUnchanged: true, StateFile: filepath.Join(dir, ".xbake/state.json")}
	want := func(res *exec.Result, expect map[string]exec.Status) {
		t.Helper()
		got := status(res)
		for name, s := range got {
			if s == exec.Cached { // built from BuildKit's cache (go test -count=2): still a build
				got[name] = exec.Built
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(expect) {
			t.Errorf("statuses = %v, want %v", got, expect)
		}
	}
	first := build(t, ctx(t), dir, runOpts{opts: opts})
	logFailures(t, first)
	want(first, map[string]exec.Status{"a": exec.Built, "b": exec.Built, "files": exec.Built})

	second := build(t, ctx(t), dir, runOpts{opts: opts})
	want(second, map[string]exec.Status{"a": exec.UpToDate, "b": exec.UpToDate, "files": exec.UpToDate})

	os.WriteFile(filepath.Join(dir, "a/a.txt"), []byte("two\n"), 0o644)
	third := build(t, ctx(t), dir, runOpts{opts: opts})
	want(third, map[string]exec.Status{"a": exec.Built, "b": exec.UpToDate, "files": exec.UpToDate})

	os.WriteFile(filepath.Join(dir, "xbuild.hcl"), []byte(spec(fmt.Sprintf(`, "%s/xbake/a:latest"`, reg))), 0o644)
	fourth := build(t, ctx(t), dir, runOpts{opts: opts})
	want(fourth, map[string]exec.Status{"a": exec.UpToDate, "b": exec.UpToDate, "files": exec.UpToDate})
	if got := tags(t, reg+"/xbake/a"); len(got) != 2 {
		t.Errorf("the new tag should be added without a rebuild: tags %v", got)
	}
	if len(fourth.Tags) != 1 {
		t.Errorf("pushed tags = %v", fourth.Tags)
	}
	// An up-to-date target carries the metadata keys a built one has,
	// naming every tag that points to its image (the one it had and the
	// one just added) and the digest the registry holds.
	built := targetOf(third, "a").Response
	for _, r := range []*exec.Result{second, fourth} {
		a := targetOf(r, "a")
		for key := range built {
			if a.Response[key] == "" && key != "buildx.build.ref" { // no build, no build reference
				t.Errorf("up-to-date a has no %s: %v (built: %v)", key, a.Response, built)
			}
		}
		if r == fourth && a.Response["containerimage.digest"] != built["containerimage.digest"] {
			t.Errorf("up-to-date a: digest %s, the build made %s", a.Response["containerimage.digest"], built["containerimage.digest"])
		}
	}
	if got := targetOf(fourth, "a").Response["image.name"]; got != reg+"/xbake/a:1,"+reg+"/xbake/a:latest" {
		t.Errorf("image.name of the up-to-date a with a tag added = %q", got)
	}
}

func targetOf(res *exec.Result, name string) *exec.TargetResult {
	for _, t := range res.Targets {
		if t.Name == name {
			return t
		}
	}
	return &exec.TargetResult{}
}

func logFailures(t *testing.T, res *exec.Result) {
	for _, r := range res.Targets {
		if r.Err != nil {
			t.Logf("%s: %v", r.Name, r.Err)
		}
	}
}

// TestSkipUnchangedLeavesAnUnusedBase: on a fresh runner (no state
// file), a cache-only base whose only user is up to date in the
// registry is not built for nobody; it is built again when its user is.
func TestSkipUnchangedLeavesAnUnusedBase(t *testing.T) {
	needDaemon(t)
	reg := startRegistry(t)
	dir := project(t, map[string]string{
		"base/Dockerfile": "FROM scratch\nCOPY busybox-amd64 /bin/busybox\n",
		"app/Dockerfile":  "FROM base\nCOPY app.txt /\n",
		"app/app.txt":     "one\n",
		"xbuild.hcl": fmt.Sprintf(`target "base" {
  context   = "base"
  platforms = ["linux/amd64"]
  output    = ["type=cacheonly"]
}
target "app" {
  context   = "app"
  contexts  = { base = "target:base" }
  platforms = ["linux/amd64"]
  tags      = ["%s/xbake/app:1"]
  output    = ["type=image,push=true"]
}`, reg),
	})
	b, _ := os.ReadFile(filepath.Join(dir, "busybox-amd64"))
	os.WriteFile(filepath.Join(dir, "base", "busybox-amd64"), b, 0o755)
	runner := func(state string) exec.Options {
		return exec.Options{SkipUnchanged: true, StateFile: filepath.Join(dir, state)}
	}
	first := build(t, ctx(t), dir, runOpts{opts: runner("first.json")})
	logFailures(t, first)
	fresh := build(t, ctx(t), dir, runOpts{opts: runner("fresh.json")})
	if got := status(fresh); got["base"] != exec.UpToDate || got["app"] != exec.UpToDate {
		t.Errorf("a fresh runner with app up to date: %v, want both up to date (base not built)", got)
	}
	if st, _ := os.ReadFile(filepath.Join(dir, "fresh.json")); strings.Contains(string(st), `"base"`) {
		t.Errorf("base was not built, yet its build is recorded: %s", st)
	}
	os.WriteFile(filepath.Join(dir, "app/app.txt"), []byte("two\n"), 0o644)
	changed := build(t, ctx(t), dir, runOpts{opts: runner("fresh.json")})
	if got := status(changed); got["base"] == exec.UpToDate || got["app"] == exec.UpToDate {
		t.Errorf("app changed: %v, want base and app built", got)
	}
}
