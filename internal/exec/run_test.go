package exec_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/xbake/xbake/internal/exec"
	"github.com/xbake/xbake/internal/plan"
)

func TestOCITarballHoldsTheFile(t *testing.T) {
	needDaemon(t)
	dir := project(t, map[string]string{
		"Dockerfile": busyboxBase + "RUN echo hello-oci > /hello.txt\n",
		"xbuild.hcl": `target "app" {
  platforms = ["linux/amd64"]
  output    = ["type=oci,dest=out/app.tar"]
}`,
	})
	res := build(t, ctx(t), dir, runOpts{})
	if res.Failed() {
		t.Fatalf("%+v", res.Targets[0])
	}
	// Unpack the OCI archive and read the file back from its layers.
	layoutDir := t.TempDir()
	f, err := os.Open(filepath.Join(dir, "out/app.tar"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := untar(f, layoutDir); err != nil {
		t.Fatal(err)
	}
	idx, err := layout.ImageIndexFromPath(layoutDir)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := idx.IndexManifest()
	img, err := idx.Image(m.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	if got := fileInImage(t, img, "hello.txt"); got != "hello-oci\n" {
		t.Errorf("hello.txt = %q", got)
	}
	if res.Targets[0].Digest == "" || !strings.HasPrefix(res.Targets[0].Digest, "sha256:") {
		t.Errorf("digest = %q", res.Targets[0].Digest)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "out"))
	if len(entries) != 1 {
		t.Errorf("temporary files left beside the output: %v", entries)
	}
}

func TestMultiPlatformPushRunsEachArchitecture(t *testing.T) {
	needDaemon(t)
	reg := startRegistry(t)
	dir := project(t, map[string]string{
		"Dockerfile": busyboxBase + "RUN uname -m > /arch.txt\n",
		"xbuild.hcl": fmt.Sprintf(`target "multi" {
  platforms = ["linux/amd64", "linux/arm64"]
  tags      = ["%s/xbake/multi:1"]
  output    = ["type=image,push=true"]
}`, reg),
	})
	res := build(t, ctx(t), dir, runOpts{})
	if res.Failed() {
		t.Fatalf("%+v", res.Targets[0])
	}
	checkArchIndex(t, reg+"/xbake/multi:1")
}

func TestTargetLinkAndLocalAndDockerOutputs(t *testing.T) {
	needDaemon(t)
	dir := project(t, map[string]string{
		"base/Dockerfile": busyboxBase + "RUN echo from-parent > /parent.txt\n",
		"app/Dockerfile":  "FROM base\nRUN cat /parent.txt > /child.txt && echo child >> /child.txt\n",
		"xbuild.hcl": `target "base" {
  context = "base"
}
target "app" {
  context   = "app"
  contexts  = { base = "target:base" }
  platforms = ["linux/amd64"]
  tags      = ["example.com/app:1"]
  output    = ["type=local,dest=out/rootfs", "type=docker,dest=out/app-docker.tar"]
}
group "default" {
  targets = ["app"]
}`,
	})
	for _, f := range []string{"busybox-amd64", "busybox-arm64"} {
		os.Rename(filepath.Join(dir, f), filepath.Join(dir, "base", f))
	}
	res := build(t, ctx(t), dir, runOpts{})
	if res.Failed() {
		for _, r := range res.Targets {
			t.Logf("%s: %s %v %s %v", r.Name, r.Status, r.Err, r.FailedStep, r.Logs)
		}
		t.FailNow()
	}
	got, err := os.ReadFile(filepath.Join(dir, "out/rootfs/child.txt"))
	if err != nil || string(got) != "from-parent\nchild\n" {
		t.Errorf("child.txt = %q, %v", got, err)
	}
	img, err := tarball.ImageFromPath(filepath.Join(dir, "out/app-docker.tar"), nil)
	if err != nil {
		t.Fatalf("the docker output is not a docker image tarball: %v", err)
	}
	if got := fileInImage(t, img, "child.txt"); got != "from-parent\nchild\n" {
		t.Errorf("child.txt in the docker tarball = %q", got)
	}
	if st := status(res); st["base"] == exec.Failed || len(res.Targets) != 2 {
		t.Errorf("statuses = %v", st)
	}
}

func TestFailFastKeepGoingAndAtomicPush(t *testing.T) {
	needDaemon(t)
	reg := startRegistry(t)
	dir := project(t, map[string]string{
		"bad/Dockerfile":  "FROM scratch\nCOPY busybox-amd64 /bin/busybox\nRUN [\"/bin/busybox\", \"sh\", \"-c\", \"echo going wrong; exit 3\"]\n",
		"good/Dockerfile": busyboxBase + "ARG N\nRUN sleep 4 && echo $N > /n.txt\n",
		"xbuild.hcl": fmt.Sprintf(`target "bad" {
  context = "bad"
  tags    = ["%[1]s/xbake/bad:1"]
  output  = ["type=image,push=true"]
}
target "good" {
  context   = "good"
  platforms = ["linux/amd64"]
  args      = { N = N }
  tags      = ["%[1]s/xbake/good:1"]
  output    = ["type=image,push=true"]
}
target "after-bad" {
  context    = "good"
  depends_on = ["bad"]
  output     = ["type=cacheonly"]
}
variable "N" {
  default = "1"
}`, reg),
	})
	for _, sub := range []string{"bad", "good"} {
		for _, f := range []string{"busybox-amd64", "busybox-arm64"} {
			b, _ := os.ReadFile(filepath.Join(dir, f))
			os.WriteFile(filepath.Join(dir, sub, f), b, 0o755)
		}
	}
	os.Setenv("N", fmt.Sprint(time.Now().UnixNano())) // a fresh build of good each run
	defer os.Unsetenv("N")

	res := build(t, ctx(t), dir, runOpts{})
	st := status(res)
	if st["bad"] != exec.Failed || st["good"] != exec.Cancelled || st["after-bad"] != exec.Skipped {
		t.Errorf("fail-fast: statuses = %v", st)
	}
	bad := res.Targets[indexOf(res, "bad")]
	if !strings.Contains(bad.FailedStep, "exit 3") || !strings.Contains(strings.Join(bad.Logs, "\n"), "going wrong") {
		t.Errorf("the failure should name the step and show its log: step %q, logs %q", bad.FailedStep, bad.Logs)
	}

	res = build(t, ctx(t), dir, runOpts{opts: exec.Options{KeepGoing: true}})
	st = status(res)
	if st["bad"] != exec.Failed || st["good"] != exec.Built || st["after-bad"] != exec.Skipped {
		t.Errorf("--keep-going: statuses = %v", st)
	}
	if got := tags(t, reg+"/xbake/good"); len(got) != 0 {
		t.Errorf("a failed run must publish no tag, registry has good:%v", got)
	}
	if res.Withheld == "" {
		t.Error("the result should say why no tag was pushed")
	}

	// Without the failing target the same push publishes its tag.
	res = build(t, ctx(t), dir, runOpts{targets: []string{"good"}})
	if res.Failed() || len(tags(t, reg+"/xbake/good")) != 1 {
		t.Errorf("good alone: failed %v, tags %v", res.Failed(), tags(t, reg+"/xbake/good"))
	}
}

func indexOf(res *exec.Result, name string) int {
	for i, t := range res.Targets {
		if t.Name == name {
			return i
		}
	}
	return -1
}

func TestSecondRunIsCached(t *testing.T) {
	needDaemon(t)
	dir := project(t, map[string]string{
		"Dockerfile": busyboxBase + "RUN echo cached > /c.txt\n",
		"xbuild.hcl": `target "c" {
  platforms = ["linux/amd64"]
  output    = ["type=local,dest=out"]
}`,
	})
	first := build(t, ctx(t), dir, runOpts{})
	second := build(t, ctx(t), dir, runOpts{})
	if first.Failed() || second.Failed() {
		t.Fatalf("%+v %+v", first.Targets[0], second.Targets[0])
	}
	if s := second.Targets[0]; s.Status != exec.Cached || s.CachedSteps != s.TotalSteps {
		t.Errorf("second run: %s, %d/%d steps cached", s.Status, s.CachedSteps, s.TotalSteps)
	}
}

func TestInterruptLeavesNoOutput(t *testing.T) {
	needDaemon(t)
	dir := project(t, map[string]string{
		"Dockerfile": busyboxBase + fmt.Sprintf("RUN sleep 30 # %d\n", time.Now().UnixNano()),
		"xbuild.hcl": `target "slow" {
  platforms = ["linux/amd64"]
  output    = ["type=oci,dest=out/slow.tar", "type=local,dest=out/dir"]
}`,
	})
	c, cancel := context.WithCancel(ctx(t))
	time.AfterFunc(3*time.Second, cancel)
	res := build(t, c, dir, runOpts{})
	if res.Targets[0].Status != exec.Cancelled {
		t.Errorf("status = %s", res.Targets[0].Status)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "out"))
	if len(entries) != 0 {
		t.Errorf("an interrupted run left %v in out/", entries)
	}
}

func TestLoadWithoutDockerFailsBeforeBuilding(t *testing.T) {
	needDaemon(t)
	dir := project(t, map[string]string{
		"Dockerfile": busyboxBase,
		"xbuild.hcl": `target "l" {
  platforms = ["linux/amd64"]
  tags      = ["example.com/l:1"]
}`,
	})
	t.Setenv("PATH", t.TempDir()) // no docker client, so no engine
	res, err := runExpectingError(t, dir, plan.Options{Load: true})
	if err == nil || !strings.Contains(err.Error(), "Docker engine") || res != nil {
		t.Errorf("got %v, %v", res, err)
	}
}

// TestRemoteBuilder builds on a builder declared with driver = "remote",
// pointed at the test daemon's socket.
func TestRemoteBuilder(t *testing.T) {
	needDaemon(t)
	sock := filepath.Join(stateDir, "builders", "local", "buildkitd.sock")
	if _, err := os.Stat(sock); err != nil {
		build(t, ctx(t), project(t, map[string]string{"Dockerfile": busyboxBase, "xbuild.hcl": `target "warm" {
  platforms = ["linux/amd64"]
  output = ["type=cacheonly"]
}`}), runOpts{})
	}
	dir := project(t, map[string]string{
		"Dockerfile": busyboxBase + "RUN echo remote > /r.txt\n",
		"xbuild.hcl": fmt.Sprintf(`builder "elsewhere" {
  driver   = "remote"
  endpoint = "unix://%s"
}
target "r" {
  builder   = "elsewhere"
  platforms = ["linux/amd64"]
  output    = ["type=local,dest=out"]
}`, sock),
	})
	res := build(t, ctx(t), dir, runOpts{})
	if res.Failed() {
		t.Fatalf("%+v", res.Targets[0])
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out/r.txt")); err != nil || string(b) != "remote\n" {
		t.Errorf("r.txt = %q, %v", b, err)
	}
}

// A target that uses p as a context and also depends_on p builds: the
// run used to wait forever (p stayed alive for u, u waited for p to be
// done).
func TestContextAndDependsOnTheSameParent(t *testing.T) {
	needDaemon(t)
	dir := project(t, map[string]string{
		"f":            "from p\n",
		"p/Dockerfile": "FROM scratch\nCOPY f /f\n",
		"u/Dockerfile": "FROM base\n",
		"xbuild.hcl": `target "p" {
  context = "."
  dockerfile = "p/Dockerfile"
  output = ["type=oci,dest=out/p.tar"]
}
target "u" {
  context    = "u"
  contexts   = { base = "target:p" }
  depends_on = ["p"]
  output     = ["type=local,dest=out/u"]
}
`,
	})
	c, cancel := context.WithTimeout(ctx(t), 60*time.Second)
	defer cancel()
	res := build(t, c, dir, runOpts{})
	if c.Err() != nil {
		t.Fatal("the run did not end within 60 s")
	}
	if st := status(res); (st["p"] != exec.Built && st["p"] != exec.Cached) || (st["u"] != exec.Built && st["u"] != exec.Cached) {
		t.Fatalf("statuses %v: %v", st, res.Targets[indexOf(res, "u")].Err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out/u/f")); err != nil || string(b) != "from p\n" {
		t.Errorf("u's output: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "out/p.tar")); err != nil {
		t.Errorf("p's output: %v", err)
	}
}

// TestPushSpellingsAreAtomicAlike: push=1, push=True and push=true are
// one thing to BuildKit, so they are one thing to xbake: each is held
// back by an atomic push while another target fails (read as "not a
// push", push=1 would have gone to BuildKit with its tag and been
// published at once), and each is published once nothing fails.
func TestPushSpellingsAreAtomicAlike(t *testing.T) {
	needDaemon(t)
	reg := startRegistry(t)
	spellings := []string{"1", "True", "true"}
	hcl := fmt.Sprintf("target \"bad\" {\n  dockerfile-inline = \"FROM scratch\\nCOPY busybox-amd64 /bin/busybox\\nRUN [\\\"/bin/busybox\\\", \\\"false\\\"]\\n\"\n  output = [\"type=cacheonly\"]\n}\n" +
		"group \"good\" { targets = [\"p0\", \"p1\", \"p2\"] }\n")
	for i, s := range spellings {
		hcl += fmt.Sprintf("target \"p%d\" {\n  dockerfile-inline = \"FROM scratch\\nCOPY busybox-amd64 /bin/busybox\\nENV N=%d-%d\\n\"\n  tags = [\"%s/xbake/p%d:1\"]\n  output = [\"type=image,push=%s\"]\n}\n",
			i, i, time.Now().UnixNano(), reg, i, s)
	}
	dir := project(t, map[string]string{"xbuild.hcl": hcl})

	res := build(t, ctx(t), dir, runOpts{targets: []string{"bad", "good"}, opts: exec.Options{KeepGoing: true}})
	st := status(res)
	for i, s := range spellings {
		name := fmt.Sprintf("p%d", i)
		if st[name] != exec.Built && st[name] != exec.Cached {
			t.Errorf("push=%s: %s is %s", s, name, st[name])
		}
		if got := tags(t, reg+"/xbake/"+name); len(got) != 0 {
			t.Errorf("push=%s: a failed atomic run published %v", s, got)
		}
	}
	if st["bad"] != exec.Failed || res.Withheld == "" {
		t.Errorf("bad is %s; withheld: %q", st["bad"], res.Withheld)
	}

	res = build(t, ctx(t), dir, runOpts{targets: []string{"good"}})
	if res.Failed() {
		t.Fatalf("the three alone failed: %v", status(res))
	}
	for i, s := range spellings {
		if got := tags(t, fmt.Sprintf("%s/xbake/p%d", reg, i)); len(got) != 1 || got[0] != "1" {
			t.Errorf("push=%s: tags %v, want [1]", s, got)
		}
	}
}
