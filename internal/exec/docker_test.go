package exec_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xbake/xbake/internal/builder"
	"github.com/xbake/xbake/internal/exec/outputs"
	"github.com/xbake/xbake/internal/plan"
	"github.com/xbake/xbake/internal/testenv"
	"github.com/xbake/xbake/spec"
)

// startDockerd runs a Docker engine of the test's own.
func startDockerd(t *testing.T) { testenv.Dockerd(t) }

func docker(t *testing.T, args ...string) string { return testenv.Docker(t, args...) }

// TestLoadIntoDocker: --load of one platform puts a runnable image into
// a real engine, for the machine's platform and an emulated one; a
// docker tarball output loads with docker load -i.
func TestLoadIntoDocker(t *testing.T) {
	needDaemon(t)
	startDockerd(t)
	dir := project(t, map[string]string{
		"Dockerfile": busyboxBase,
		"xbuild.hcl": `target "amd" {
  platforms = ["linux/amd64"]
  tags      = ["xbake-test/amd:1"]
}
target "arm" {
  platforms = ["linux/arm64"]
  tags      = ["xbake-test/arm:1"]
}
target "file" {
  platforms = ["linux/amd64"]
  tags      = ["xbake-test/file:1"]
  output    = ["type=docker,dest=out/file.tar"]
}
`,
	})
	res := build(t, ctx(t), dir, runOpts{targets: []string{"amd", "arm"}, plan: plan.Options{Load: true}})
	if res.Failed() {
		t.Fatalf("%+v %+v", *res.Targets[0], *res.Targets[1])
	}
	if got := docker(t, "run", "--rm", "--platform", "linux/amd64", "xbake-test/amd:1", "uname", "-m"); got != "x86_64" {
		t.Errorf("the loaded amd64 image runs as %q", got)
	}
	if got := docker(t, "run", "--rm", "--platform", "linux/arm64", "xbake-test/arm:1", "uname", "-m"); got != "aarch64" {
		t.Errorf("the loaded arm64 image runs as %q (through qemu)", got)
	}
	if res := build(t, ctx(t), dir, runOpts{targets: []string{"file"}}); res.Failed() {
		t.Fatalf("%+v", *res.Targets[0])
	}
	docker(t, "load", "-i", filepath.Join(dir, "out/file.tar"))
	if got := docker(t, "run", "--rm", "xbake-test/file:1", "echo", "loaded"); got != "loaded" {
		t.Errorf("the docker tarball's image runs as %q", got)
	}
}

// TestDockerDriver builds with the engine's own BuildKit (no daemon of
// xbake's): the image lands in the engine's store and runs, and the
// builder reports the engine's platforms.
func TestDockerDriver(t *testing.T) {
	needDaemon(t)
	startDockerd(t)
	dir := project(t, map[string]string{
		"Dockerfile": "FROM scratch\nCOPY busybox-amd64 /bin/busybox\n",
		"xbuild.hcl": `builder "desktop" {
  driver   = "docker"
  endpoint = "` + os.Getenv("DOCKER_HOST") + `"
}
target "app" {
  builder   = "desktop"
  platforms = ["linux/amd64"]
  tags      = ["xbake-test/driver:1"]
  output    = ["type=docker"]
}
`,
	})
	res := build(t, ctx(t), dir, runOpts{})
	if res.Failed() {
		t.Fatalf("%+v", *res.Targets[0])
	}
	if got := docker(t, "run", "--rm", "xbake-test/driver:1", "/bin/busybox", "uname", "-m"); got != "x86_64" {
		t.Errorf("the image built by the engine runs as %q", got)
	}
	s, diags := spec.Load(spec.Options{Dir: dir, Files: []string{"xbuild.hcl"}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	info, err := builder.Describe(ctx(t), plan.BuildersOf(s), "desktop", false)
	if err != nil || info.Driver != "docker" || len(info.Nodes) != 1 || info.Nodes[0].Status != builder.StatusRunning ||
		!slices.Contains(info.Nodes[0].Reported, "linux/amd64") {
		t.Errorf("builders inspect desktop: %+v, %v", info, err)
	}
}

// Two platforms with --load are refused at plan time by an engine
// without the containerd image store (Debian's Docker 20.10), which the
// CLI asks.
func TestMultiPlatformLoadAsksTheEngine(t *testing.T) {
	startDockerd(t)
	if outputs.EngineStoresMultiPlatform() {
		t.Fatal("Docker 20.10 reported the containerd image store")
	}
}

// TestLoadKeepsTheTTYDisplayClean runs the real binary in tmux at 120x30
// with the tty display: docker load's own progress bars and messages
// must not land in the scrollback between xbake's display and summary.
func TestLoadKeepsTheTTYDisplayClean(t *testing.T) {
	needDaemon(t)
	startDockerd(t)
	dir := project(t, map[string]string{
		"Dockerfile": busyboxBase,
		"xbuild.hcl": "target \"app\" {\n  platforms = [\"linux/amd64\"]\n  tags = [\"xbake-test/tty:1\"]\n}\n",
	})
	capture := tmux(t, dir, []string{"DOCKER_HOST=" + os.Getenv("DOCKER_HOST")}, "run --load --progress tty")
	screen := waitScreen(capture, "XBAKE-DONE")
	if !strings.Contains(screen, "XBAKE-DONE") || !strings.Contains(screen, "TARGET") {
		t.Fatalf("the run did not finish with its summary:\n%s", screen)
	}
	for _, noise := range []string{"Loaded image", "Loading layer", "=>]"} {
		if strings.Contains(screen, noise) {
			t.Errorf("docker load's %q is in the display:\n%s", noise, screen)
		}
	}
	if got := docker(t, "image", "inspect", "--format", "{{.Architecture}}", "xbake-test/tty:1"); got != "amd64" {
		t.Errorf("the image was not loaded: %q", got)
	}
}
