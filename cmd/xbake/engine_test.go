package main

import (
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/xbake/xbake/internal/builder"
	"github.com/xbake/xbake/internal/testenv"
)

// containerSpec is a project with a docker-container builder "dc" (its
// builder block's extra lines in attrs) and a one-step target on it.
func containerSpec(t *testing.T, attrs string) string {
	dir := t.TempDir()
	writeFile(t, dir, "xbuild.hcl", `builder "dc" {
  driver = "docker-container"
`+attrs+`
}
target "app" {
  builder           = "dc"
  platforms         = ["linux/amd64"]
  dockerfile-inline = "FROM scratch\nLABEL dir=`+filepath.Base(dir)+`\n"
  output            = ["type=cacheonly"]
}
`)
	return dir
}

// xbakeProcess runs bin/xbake as a process of its own in dir.
func xbakeProcess(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	if _, err := os.Stat(xbakeBin); err != nil {
		t.Fatalf("bin/xbake missing (bash scripts/setup builds it): %v", err)
	}
	cmd := osexec.Command(xbakeBin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestConcurrentRunsBootstrapOneBuilder: two `xbake run` processes on a
// builder whose container does not exist yet, ten times over: both
// build, one container, no "already in use" failure.
func TestConcurrentRunsBootstrapOneBuilder(t *testing.T) {
	realBuilder(t)
	testenv.Dockerd(t)
	testenv.BuildKitImage(t, "../..", builder.DefaultImage())
	dir := containerSpec(t, `  buildkitd-config = "buildkitd.toml"`)
	writeFile(t, dir, "buildkitd.toml", "[worker.oci]\n  max-parallelism = 4\n")
	for round := range 10 {
		var wg sync.WaitGroup
		outs := make([]string, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i], errs[i] = xbakeProcess(t, dir, "run", "--progress", "plain")
			}()
		}
		wg.Wait()
		for i := range 2 {
			if errs[i] != nil {
				t.Fatalf("round %d, run %d: %v\n%s", round, i, errs[i], outs[i])
			}
		}
		if got := testenv.Docker(t, "ps", "--all", "--format", "{{.Names}}"); strings.Count(got, "xbake_buildkit_dc_") != 1 || strings.Contains(got, "\n") {
			t.Fatalf("round %d: containers %q, want one", round, got)
		}
		if out, err := xbakeProcess(t, dir, "builders", "rm", "dc"); err != nil {
			t.Fatalf("builders rm: %v\n%s", err, out)
		}
	}
}

// TestBuilderConfigurationIsItsIdentity: two projects' "dc" builders
// configured differently are two containers; changing one project's
// configuration replaces its container (saying what changed, keeping
// the cache when the image is the same) and leaves the other's; a
// builder removed from the spec is listed as orphaned, and prune or rm
// remove it with its volume. Start-up errors show buildkitd's own words.
func TestBuilderConfigurationIsItsIdentity(t *testing.T) {
	realBuilder(t)
	testenv.Dockerd(t)
	testenv.BuildKitImage(t, "../..", builder.DefaultImage())
	a := containerSpec(t, `  env = { WHO = "a" }`)
	b := containerSpec(t, `  env = { WHO = "b" }`)
	for _, dir := range []string{a, b} {
		if code, out, errOut := xbake(t, dir, "", "run", "--progress", "plain"); code != 0 {
			t.Fatalf("run in %s: exit %d\n%s%s", dir, code, out, errOut)
		}
	}
	names := func() []string {
		return strings.Fields(testenv.Docker(t, "ps", "--all", "--format", "{{.Names}}"))
	}
	if got := names(); len(got) != 2 {
		t.Fatalf("two projects, two configurations: containers %v", got)
	}
	before := names()

	// Project a changes its builder's env: a new container, b's stays,
	// and the run says so.
	spec := readFile(t, a, "xbuild.hcl")
	writeFile(t, a, "xbuild.hcl", strings.Replace(spec, `WHO = "a"`, `WHO = "a2"`, 1))
	code, out, errOut := xbake(t, a, "", "run", "--progress", "plain")
	if code != 0 || !strings.Contains(out+errOut, "builder dc: its configuration changed (env); recreating its container") || !strings.Contains(out+errOut, "keeping its cache") {
		t.Fatalf("after changing env: exit %d\n%s%s", code, out, errOut)
	}
	after := names()
	if len(after) != 2 {
		t.Fatalf("containers after the change: %v (before %v)", after, before)
	}
	if vols := strings.Fields(testenv.Docker(t, "volume", "ls", "--quiet")); len(vols) != 2 {
		t.Errorf("volumes after the change: %v, want project a's (kept) and b's", vols)
	}
	if env := testenv.Docker(t, "inspect", "--format", "{{range .Config.Env}}{{println .}}{{end}}", builderContainer(t, a)); !strings.Contains(env, "WHO=a2") {
		t.Errorf("project a's container does not have its new env:\n%s", env)
	}

	// Project a drops the builder: its container is an orphan there
	// (not b's), and prune removes it and its volume.
	writeFile(t, a, "xbuild.hcl", "target \"app\" {\n  dockerfile-inline = \"FROM scratch\"\n}\n")
	code, out, errOut = xbake(t, a, "", "builders", "ls")
	if code != 0 || !strings.Contains(out, "dc (orphaned") || strings.Count(out, "orphaned") != 2 { // the builder row and its node row
		t.Errorf("builders ls after dropping dc: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ = xbake(t, b, "", "builders", "ls"); strings.Contains(out, "orphaned") {
		t.Errorf("project b sees project a's container as its orphan:\n%s", out)
	}
	if code, out, errOut = xbake(t, a, "", "builders", "prune"); code != 0 {
		t.Errorf("builders prune: exit %d\n%s%s", code, out, errOut)
	}
	if got := names(); len(got) != 1 {
		t.Errorf("after prune: containers %v, want b's only", got)
	}
	if vols := strings.Fields(testenv.Docker(t, "volume", "ls", "--quiet")); len(vols) != 1 {
		t.Errorf("after prune: volumes %v", vols)
	}

	// buildkitd refuses a flag: the error shows why, in its own words,
	// and the failed create leaves no volume.
	bad := containerSpec(t, `  buildkitd-flags = "--no-such-flag"`)
	code, out, errOut = xbake(t, bad, "", "builders", "inspect", "--bootstrap", "dc")
	if code != 1 || !strings.Contains(out+errOut, "flag provided but not defined") {
		t.Errorf("a bad buildkitd flag: exit %d\n%s%s", code, out, errOut)
	}
	xbake(t, bad, "", "builders", "rm", "dc")
	xbake(t, b, "", "builders", "rm", "dc")
	if vols := testenv.Docker(t, "volume", "ls", "--quiet"); vols != "" {
		t.Errorf("volumes left: %q", vols)
	}
}

// builderContainer is the container of dir's builder dc.
func builderContainer(t *testing.T, dir string) string {
	t.Helper()
	_, out, _ := xbake(t, dir, "", "builders", "inspect", "dc", "--format", "json")
	i := strings.Index(out, `"name": "xbake_buildkit_dc_`)
	if i < 0 {
		t.Fatalf("no container in:\n%s", out)
	}
	name := out[i+len(`"name": "`):]
	return name[:strings.Index(name, `"`)]
}

// TestEngineAsTheDockerCLIFindsIt: with no endpoint in the spec, the
// builder's container goes to the engine DOCKER_HOST names (here one on
// tcp), then to the one the current docker context names; an engine that
// does not answer, or refuses the user, is said in the engine's words,
// and inspect --bootstrap exits 1.
func TestEngineAsTheDockerCLIFindsIt(t *testing.T) {
	realBuilder(t)
	testenv.Dockerd(t) // the default engine: nothing must land there
	defaultHost := os.Getenv("DOCKER_HOST")
	tcp := testenv.DockerdTCP(t)
	t.Setenv("DOCKER_HOST", tcp)
	testenv.BuildKitImage(t, "../..", builder.DefaultImage())
	dir := containerSpec(t, "")
	t.Cleanup(func() { xbake(t, dir, "", "builders", "rm", "dc") })

	code, out, errOut := xbake(t, dir, "", "builders", "inspect", "--bootstrap", "dc")
	if code != 0 {
		t.Fatalf("bootstrap with DOCKER_HOST=%s: exit %d\n%s%s", tcp, code, out, errOut)
	}
	onTCP := testenv.Docker(t, "--host", tcp, "ps", "--format", "{{.Names}}")
	onDefault := testenv.Docker(t, "--host", defaultHost, "ps", "--all", "--format", "{{.Names}}")
	if !strings.HasPrefix(onTCP, "xbake_buildkit_dc_") || onDefault != "" {
		t.Fatalf("DOCKER_HOST=%s: containers there %q, on the default engine %q", tcp, onTCP, onDefault)
	}
	xbake(t, dir, "", "builders", "rm", "dc")

	// A docker context: DOCKER_HOST unset, the current context names the
	// tcp engine (what Docker Desktop and rootless Docker set up).
	t.Setenv("DOCKER_HOST", "")
	if out, err := osexec.Command("docker", "context", "create", "elsewhere", "--docker", "host="+tcp).CombinedOutput(); err != nil {
		t.Fatalf("docker context create: %v\n%s", err, out)
	}
	if out, err := osexec.Command("docker", "context", "use", "elsewhere").CombinedOutput(); err != nil {
		t.Fatalf("docker context use: %v\n%s", err, out)
	}
	if code, out, errOut = xbake(t, dir, "", "run", "--progress", "plain"); code != 0 {
		t.Fatalf("run on the current context: exit %d\n%s%s", code, out, errOut)
	}
	if onTCP = testenv.Docker(t, "--host", tcp, "ps", "--format", "{{.Names}}"); !strings.HasPrefix(onTCP, "xbake_buildkit_dc_") {
		t.Errorf("the current context's engine has %q", onTCP)
	}
	osexec.Command("docker", "context", "use", "default").Run()

	// No engine there: said, and inspect --bootstrap fails.
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	code, out, errOut = xbake(t, dir, "", "builders", "inspect", "--bootstrap", "dc")
	if code != 1 || !strings.Contains(out+errOut, "no Docker engine answers at unix:///nonexistent/docker.sock") {
		t.Errorf("no engine: exit %d\n%s%s", code, out, errOut)
	}

	// An engine that refuses the user: said as such, not as "start Docker".
	t.Setenv("DOCKER_HOST", defaultHost)
	sock := strings.TrimPrefix(defaultHost, "unix://")
	os.Chmod(sock, 0o660)
	userDir, err := os.MkdirTemp("/tmp", "xbake-user-") // a directory another user can enter
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(userDir) })
	os.Chmod(userDir, 0o777)
	writeFile(t, userDir, "xbuild.hcl", readFile(t, dir, "xbuild.hcl"))
	os.Chmod(filepath.Join(userDir, "xbuild.hcl"), 0o644)
	cmd := osexec.Command(xbakeBin, "builders", "inspect", "--bootstrap", "dc")
	cmd.Dir = userDir
	cmd.Env = append(os.Environ(), "HOME="+userDir, "XBAKE_STATE_DIR="+filepath.Join(userDir, "state"), "XBAKE_SPEC_CACHE="+filepath.Join(userDir, "cache"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 4242, Gid: 4242}}
	b, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(b), "refuses this user") || !strings.Contains(string(b), "permission denied") {
		t.Errorf("a user the engine refuses: %v\n%s", err, b)
	}
}

// TestReducedIsolationIsSaidAndRefusable: where the engine refuses a
// privileged container (a nested engine, as this machine's is), the
// fallback is said once, when the container is made, and a builder with
// isolation-fallback = false refuses it; where the engine grants it,
// neither happens.
func TestReducedIsolationIsSaidAndRefusable(t *testing.T) {
	realBuilder(t)
	testenv.Dockerd(t)
	testenv.BuildKitImage(t, "../..", builder.DefaultImage())
	dir := containerSpec(t, "")
	t.Cleanup(func() { xbake(t, dir, "", "builders", "rm", "dc") })
	_, out, errOut := xbake(t, dir, "", "run", "--progress", "plain")
	reduced := strings.Contains(out+errOut, "refused a privileged container")
	isolation := testenv.Docker(t, "inspect", "--format", `{{index .Config.Labels "dev.xbake.isolation"}} {{.HostConfig.Privileged}}`, builderContainer(t, dir))
	if reduced != (isolation == "reduced false") || !reduced && isolation != " true" {
		t.Fatalf("said reduced=%v, container: %q\n%s%s", reduced, isolation, out, errOut)
	}
	if _, out, errOut = xbake(t, dir, "", "run", "--progress", "plain"); strings.Contains(out+errOut, "refused a privileged container") {
		t.Errorf("the fallback is said again on the next run:\n%s%s", out, errOut)
	}

	strict := containerSpec(t, "  isolation-fallback = false")
	t.Cleanup(func() { xbake(t, strict, "", "builders", "rm", "dc") })
	code, out, errOut := xbake(t, strict, "", "builders", "inspect", "--bootstrap", "dc")
	switch {
	case reduced && (code != 1 || !strings.Contains(out+errOut, "isolation-fallback = false")):
		t.Errorf("isolation-fallback = false on an engine that refuses --privileged: exit %d\n%s%s", code, out, errOut)
	case !reduced && code != 0:
		t.Errorf("isolation-fallback = false on an engine that grants --privileged: exit %d\n%s%s", code, out, errOut)
	}
}
