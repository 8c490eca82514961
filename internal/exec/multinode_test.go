package exec_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	controlapi "github.com/moby/buildkit/api/services/control"
	"github.com/moby/buildkit/client"

	xexec "github.com/xbake/xbake/internal/exec"
	"github.com/xbake/xbake/internal/plan"
	"github.com/xbake/xbake/internal/testenv"
	"github.com/xbake/xbake/spec"
)

// startDaemon runs a buildkitd that offers only one platform, on its own
// socket, for the duration of the test.
func startDaemon(t *testing.T, platform string) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "xbn")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "bk.sock")
	os.WriteFile(filepath.Join(dir, "buildkitd.toml"), []byte("[worker.containerd]\n  enabled = false\n"), 0o600)
	cmd := exec.Command(os.Getenv("XBAKE_BUILDKITD"), "--root", filepath.Join(dir, "root"), "--addr", "unix://"+sock,
		"--config", filepath.Join(dir, "buildkitd.toml"), "--oci-worker-platform", platform)
	testenv.StartInBackground(t, cmd, dir, nil)
	testenv.WaitForBuildkitd(t, dir, "buildkitd for "+platform, func(ctx context.Context) (*client.Client, error) {
		return client.New(ctx, "unix://"+sock)
	})
	return sock
}

// builtPlatforms asks a daemon's build history which platforms it built.
func builtPlatforms(t *testing.T, sock string) []string {
	c, err := client.New(context.Background(), "unix://"+sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	stream, err := c.ControlClient().ListenBuildHistory(context.Background(), &controlapi.BuildHistoryRequest{EarlyExit: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		ev, err := stream.Recv()
		if err != nil {
			return out
		}
		if ev.Record != nil {
			out = append(out, ev.Record.FrontendAttrs["platform"])
		}
	}
}

// TestBuilderSpanningTwoNodes builds a two-platform image on a builder of
// two daemons, each offering one platform: each platform must be built on
// its own node (as the daemons' build histories show), and the pushed
// index must hold both.
func TestBuilderSpanningTwoNodes(t *testing.T) {
	needDaemon(t)
	amd, arm := startDaemon(t, "linux/amd64"), startDaemon(t, "linux/arm64")
	reg := startRegistry(t)
	dir := project(t, map[string]string{
		"Dockerfile":      busyboxBase + "RUN uname -m > /arch.txt\n",
		"Dockerfile.free": busyboxBase + "ARG N\nRUN sleep 2 && echo $N > /n.txt\n",
		"xbuild.hcl": fmt.Sprintf(`builder "farm" {
  driver = "remote"
  node "amd" {
    endpoint  = "unix://%s"
    platforms = ["linux/amd64"]
  }
  node "arm" {
    endpoint  = "unix://%s"
    platforms = ["linux/arm64"]
  }
}
target "free1" {
  builder    = "farm"
  dockerfile = "Dockerfile.free"
  args       = { N = "1" }
  output     = ["type=cacheonly"]
}
target "free2" {
  builder    = "farm"
  dockerfile = "Dockerfile.free"
  args       = { N = "2" }
  output     = ["type=cacheonly"]
}
target "both" {
  builder   = "farm"
  platforms = ["linux/amd64", "linux/arm64"]
  tags      = ["%s/xbake/farm:1"]
  output    = ["type=image,push=true"]
}`, amd, arm, reg),
	})
	// What the plan says (xbake plan --format json shows this placement)...
	planned := plannedPlacement(t, dir, "both")
	// --history: the test reads where each platform built from the
	// daemons' build histories.
	history := xexec.Options{History: true}
	res := build(t, ctx(t), dir, runOpts{targets: []string{"both"}, opts: history})
	if res.Failed() {
		t.Fatalf("%+v", res.Targets[0])
	}
	// ...is what the daemons' histories show.
	for node, sock := range map[string]string{"amd": amd, "arm": arm} {
		if got := builtPlatforms(t, sock); len(got) != 1 || got[0] != planned[node] {
			t.Errorf("node %s built %v; the plan placed %q there", node, got, planned[node])
		}
	}
	// Two targets without platforms, started together: the least busy
	// node takes each.
	if free := build(t, ctx(t), dir, runOpts{targets: []string{"free1", "free2"}, opts: history}); free.Failed() {
		t.Fatalf("%+v", free.Targets)
	}
	// Each node built its own platform of "both", and one of the two
	// targets without platforms (they start together, so the least busy
	// node takes the second one).
	for _, c := range []struct{ sock, platform string }{{amd, "linux/amd64"}, {arm, "linux/arm64"}} {
		got := builtPlatforms(t, c.sock)
		own, free := 0, 0
		for _, p := range got {
			switch p {
			case c.platform:
				own++
			case "":
				free++
			default:
				t.Errorf("%s node built %s", c.platform, p)
			}
		}
		if own != 1 || free != 1 {
			t.Errorf("the %s node built %v: want its platform once and one target without platforms", c.platform, got)
		}
	}
	checkArchIndex(t, reg+"/xbake/farm:1")
	if res.Targets[0].Digest == "" {
		t.Error("the joined index's digest is not reported")
	}
}

// plannedPlacement plans one target of dir's spec and returns the
// platforms the plan puts on each node, comma-joined as BuildKit records
// them.
func plannedPlacement(t *testing.T, dir, target string) map[string]string {
	t.Helper()
	s, diags := spec.Load(spec.Options{Dir: dir, Files: []string{"xbuild.hcl"}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	sel, _ := s.Select([]string{target})
	p, diags := plan.New(s, sel, plan.Options{SkipDigests: true})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	out := map[string]string{}
	for _, pl := range p.Node(target).Placement {
		out[pl.Node] = strings.Join(pl.Platforms, ",")
	}
	if len(out) == 0 {
		t.Fatalf("the plan has no placement for %s", target)
	}
	return out
}

func TestUnreachableNodeIsNamed(t *testing.T) {
	needDaemon(t)
	dir := project(t, map[string]string{
		"Dockerfile": busyboxBase,
		"xbuild.hcl": `builder "farm" {
  driver = "remote"
  node "gone" {
    endpoint = "unix:///tmp/xbake-no-such-daemon.sock"
  }
}
target "t" {
  builder = "farm"
  output  = ["type=cacheonly"]
}`,
	})
	res := build(t, ctx(t), dir, runOpts{})
	err := res.Targets[0].Err
	if res.Targets[0].Status != "failed" || err == nil {
		t.Fatalf("%+v", res.Targets[0])
	}
	for _, want := range []string{`builder "farm"`, `node "gone"`, "unix:///tmp/xbake-no-such-daemon.sock"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

// A registry cache written by one builder serves a fresh builder with an
// empty state: every step comes from the cache, as CI runners without
// local state rely on.
func TestRegistryCacheAcrossBuilders(t *testing.T) {
	needDaemon(t)
	reg := startRegistry(t)
	nonce := fmt.Sprint(time.Now().UnixNano())
	files := map[string]string{
		"Dockerfile": busyboxBase + "ARG NONCE\nRUN echo $NONCE > /n.txt\n",
	}
	spec := func(builder string) string {
		return fmt.Sprintf(`%s
target "app" {
  %s
  platforms  = ["linux/amd64"]
  args       = { NONCE = "%s" }
  cache-from = ["type=registry,ref=%[4]s/xbake/cache:1"]
  cache-to   = ["type=registry,ref=%[4]s/xbake/cache:1,mode=max"]
  output     = ["type=cacheonly"]
}`, builder, map[bool]string{true: `builder = "fresh"`, false: ""}[builder != ""], nonce, reg)
	}
	files["xbuild.hcl"] = spec("")
	dir := project(t, files)
	if res := build(t, ctx(t), dir, runOpts{}); res.Failed() || res.Targets[0].Status != xexec.Built {
		t.Fatalf("first build: %+v", *res.Targets[0])
	}
	fresh := startDaemon(t, "linux/amd64")
	os.WriteFile(filepath.Join(dir, "xbuild.hcl"), []byte(spec(fmt.Sprintf("builder \"fresh\" {\n  driver   = \"remote\"\n  endpoint = \"unix://%s\"\n}", fresh))), 0o644)
	res := build(t, ctx(t), dir, runOpts{})
	tr := res.Targets[0]
	if res.Failed() || tr.Status != xexec.Cached || tr.CachedSteps != tr.TotalSteps {
		t.Errorf("on a fresh builder: %s, %d of %d steps cached; want all from the registry cache", tr.Status, tr.CachedSteps, tr.TotalSteps)
	}
}

// A build goes into the daemon's build history only with History (or
// when its provenance is read back from there): recording costs BuildKit
// half the time of a fully cached run.
func TestHistoryOnlyWhenAsked(t *testing.T) {
	needDaemon(t)
	dir := project(t, map[string]string{
		"Dockerfile": fmt.Sprintf("FROM scratch\nARG TARGETARCH\nCOPY busybox-${TARGETARCH} /bin/busybox\nENV NONCE=%d\n", time.Now().UnixNano()),
		"xbuild.hcl": "target \"t\" {\n  platforms = [\"linux/amd64\"]\n  output = [\"type=cacheonly\"]\n}\n",
	})
	sock := filepath.Join(stateDir, "builders", "local", "buildkitd.sock")
	for _, history := range []bool{false, true} {
		res := build(t, ctx(t), dir, runOpts{opts: xexec.Options{History: history}})
		if res.Failed() {
			t.Fatalf("history %v: %v", history, res.Targets[0].Err)
		}
		ref := res.Targets[0].Response["buildx.build.ref"]
		ref = ref[strings.LastIndex(ref, "/")+1:]
		if recorded := inHistory(t, sock, ref); recorded != history {
			t.Errorf("with History %v, the build is recorded: %v", history, recorded)
		}
	}
}

// inHistory reports whether a daemon's build history holds the build ref.
func inHistory(t *testing.T, sock, ref string) bool {
	c, err := client.New(context.Background(), "unix://"+sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	stream, err := c.ControlClient().ListenBuildHistory(context.Background(), &controlapi.BuildHistoryRequest{Ref: ref, EarlyExit: true})
	if err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := stream.Recv()
		if err != nil {
			return false
		}
		if ev.Record != nil && ev.Record.Ref == ref {
			return true
		}
	}
}
