package main

import (
	"encoding/base64"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/xbake/xbake/internal/builder"
	"github.com/xbake/xbake/internal/testenv"
)

// TestDockerContainerDriver walks the tutorial's journey with nothing but
// a Docker engine: a docker-container builder declared in the spec is
// created by `builders inspect --bootstrap`, shows the platforms the
// engine's emulation gives it, builds two platforms with a target: link
// and pushes them to a registry, loads one platform into the same engine
// (and `docker run` runs it), keeps its cache across `builders stop`, and
// leaves no container and no volume after `builders rm`.
func TestDockerContainerDriver(t *testing.T) {
	realBuilder(t) // root, bin/buildkitd, a state directory of the test's own
	testenv.Dockerd(t)
	testenv.BuildKitImage(t, "../..", builder.DefaultImage())
	// The registry wants a login, as any real one does: the push goes
	// through only if the user's credentials (docker login's config.json,
	// in the DOCKER_CONFIG the test engine's CLI uses) reach the container.
	reg := httptest.NewServer(basicAuth("xbake", "s3cret", registry.New(registry.Logger(log.New(io.Discard, "", 0)))))
	t.Cleanup(reg.Close)
	host := strings.TrimPrefix(reg.URL, "http://")
	login := base64.StdEncoding.EncodeToString([]byte("xbake:s3cret"))
	writeFile(t, os.Getenv("DOCKER_CONFIG"), "config.json", `{"auths": {"`+host+`": {"auth": "`+login+`"}}}`)

	dir := t.TempDir()
	for _, arch := range []string{"amd64", "arm64"} {
		b, err := os.ReadFile("../../bin/busybox-" + arch)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "busybox-"+arch), b, 0o755)
	}
	writeFile(t, dir, "buildkitd.toml", "[registry.\""+host+"\"]\n  http = true\n")
	writeFile(t, dir, "xbuild.hcl", `
builder "dc" {
  driver           = "docker-container"
  network          = "host"
  buildkitd-config = "buildkitd.toml"
  env              = { XBAKE_TEST = "1" }
}
target "base" {
  builder           = "dc"
  platforms         = ["linux/amd64", "linux/arm64"]
  dockerfile-inline = "FROM scratch\nARG TARGETARCH\nCOPY busybox-$${TARGETARCH} /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n"
}
target "app" {
  builder           = "dc"
  platforms         = ["linux/amd64", "linux/arm64"]
  contexts          = { base = "target:base" }
  dockerfile-inline = "FROM base\nRUN uname -m > /arch\nENTRYPOINT [\"cat\", \"/arch\"]\n"
  tags              = ["`+host+`/app:1"]
  output            = ["type=image,push=true"]
}
target "local" {
  inherits  = ["app"]
  platforms = ["linux/amd64"]
  tags      = ["app:local"]
  output    = ["type=docker"]
}
`)
	containers := func() string { return testenv.Docker(t, "ps", "--all", "--format", "{{.Names}} {{.State}}") }

	code, out, errOut := xbake(t, dir, "", "builders", "inspect", "dc")
	if code != 0 || !strings.Contains(out, "Status:    inactive") || containers() != "" {
		t.Fatalf("before bootstrap: exit %d\n%s%s\ncontainers: %q", code, out, errOut, containers())
	}
	code, out, errOut = xbake(t, dir, "", "builders", "inspect", "--bootstrap", "dc")
	if code != 0 || !strings.Contains(out, "Status:    running") || !strings.Contains(out, "linux/arm64") || !strings.Contains(out, "BuildKit:  v0.") {
		t.Fatalf("inspect --bootstrap: exit %d\n%s%s", code, out, errOut)
	}
	// One container, named after the builder and its configuration.
	got := containers()
	container, _, _ := strings.Cut(got, " ")
	if !strings.HasPrefix(container, "xbake_buildkit_dc_") || got != container+" running" {
		t.Fatalf("containers after bootstrap: %q", got)
	}
	if env := testenv.Docker(t, "inspect", "--format", "{{range .Config.Env}}{{println .}}{{end}}", container); !strings.Contains(env, "XBAKE_TEST=1") {
		t.Errorf("the builder's env is not in the container: %s", env)
	}

	code, out, errOut = xbake(t, dir, "", "run", "--progress", "plain", "app")
	if code != 0 {
		t.Fatalf("run app: exit %d\n%s%s", code, out, errOut)
	}
	idx, err := remote.Index(mustRef(t, host+"/app:1"), remote.WithAuth(&authn.Basic{Username: "xbake", Password: "s3cret"}))
	if err != nil {
		t.Fatalf("the pushed image: %v", err)
	}
	m, _ := idx.IndexManifest()
	var platforms []string
	for _, d := range m.Manifests {
		if d.Platform != nil && d.Platform.OS != "unknown" { // not the provenance attestations
			platforms = append(platforms, d.Platform.String())
		}
	}
	if strings.Join(platforms, " ") != "linux/amd64 linux/arm64" {
		t.Errorf("pushed index holds the platforms %v, want linux/amd64 linux/arm64", platforms)
	}

	code, out, errOut = xbake(t, dir, "", "run", "--progress", "plain", "local")
	if code != 0 {
		t.Fatalf("run local: exit %d\n%s%s", code, out, errOut)
	}
	if got := testenv.Docker(t, "run", "--rm", "app:local"); got != "x86_64" {
		t.Errorf("docker run app:local printed %q", got)
	}

	if code, out, errOut = xbake(t, dir, "", "builders", "stop", "dc"); code != 0 || strings.Contains(containers(), "running") {
		t.Fatalf("builders stop: exit %d\n%s%s\n%s", code, out, errOut, containers())
	}
	if code, out, errOut = xbake(t, dir, "", "builders", "ls"); code != 0 || !strings.Contains(out, "stopped") {
		t.Errorf("builders ls after stop should say stopped, as buildx does: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = xbake(t, dir, "", "run", "--progress", "quiet", "local")
	if code != 0 || !strings.Contains(out+errOut, "local   cached") {
		t.Errorf("after builders stop, the cache should remain: exit %d\n%s%s", code, out, errOut)
	}

	if code, out, errOut = xbake(t, dir, "", "builders", "rm", "dc"); code != 0 {
		t.Fatalf("builders rm: exit %d\n%s%s", code, out, errOut)
	}
	if got := containers(); got != "" {
		t.Errorf("containers after builders rm: %q", got)
	}
	if vols := testenv.Docker(t, "volume", "ls", "--quiet"); vols != "" {
		t.Errorf("volumes after builders rm: %q", vols)
	}
}

// basicAuth lets through only requests that carry user and password.
func basicAuth(user, password string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "login first", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	ref, err := name.ParseReference(s, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// TestDriversUseTheirEndpoint: the docker and docker-container drivers
// reach the engine their endpoint names, with no DOCKER_HOST, and --load
// puts the image into that engine.
func TestDriversUseTheirEndpoint(t *testing.T) {
	realBuilder(t)
	sock := testenv.Dockerd(t)
	testenv.BuildKitImage(t, "../..", builder.DefaultImage())
	t.Setenv("DOCKER_HOST", "") // only the endpoint says where the engine is

	dir := t.TempDir()
	b, err := os.ReadFile("../../bin/busybox-amd64")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "busybox"), b, 0o755)
	writeFile(t, dir, "xbuild.hcl", `
builder "engine" {
  driver   = "docker"
  endpoint = "unix://`+sock+`"
}
builder "box" {
  driver   = "docker-container"
  endpoint = "unix://`+sock+`"
}
target "_img" {
  dockerfile-inline = "FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT [\"/bin/busybox\", \"echo\", \"hello\"]\n"
  output            = ["type=docker"]
}
target "via-engine" {
  inherits = ["_img"]
  builder  = "engine"
  tags     = ["via-engine:1"]
}
target "via-box" {
  inherits = ["_img"]
  builder  = "box"
  tags     = ["via-box:1"]
}
`)
	code, out, errOut := xbake(t, dir, "", "run", "--progress", "plain", "via-engine", "via-box")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, img := range []string{"via-engine:1", "via-box:1"} {
		if got := testenv.Docker(t, "--host", "unix://"+sock, "run", "--rm", img); got != "hello" {
			t.Errorf("docker run %s printed %q", img, got)
		}
	}
	xbake(t, dir, "", "builders", "rm", "box")
}

// TestBuiltinFallsBackToDockerContainer: on a machine where the local
// driver cannot run (no buildkitd) but a Docker engine answers, the
// built-in builder is a docker-container one, and the plan says so.
func TestBuiltinFallsBackToDockerContainer(t *testing.T) {
	realBuilder(t)
	testenv.Dockerd(t)
	testenv.BuildKitImage(t, "../..", builder.DefaultImage())
	t.Setenv("XBAKE_BUILDKITD", "")
	t.Setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") // no bin/buildkitd
	if p, err := builder.FindBuildkitd(); err == nil {
		t.Fatalf("buildkitd is still found at %s", p)
	}
	dir := t.TempDir()
	writeFile(t, dir, "docker-bake.hcl", `target "default" {
  dockerfile-inline = "FROM scratch\nLABEL built=here\n"
  tags              = ["fallback:1"]
  output            = ["type=docker"]
}
`)
	code, out, errOut := xbake(t, dir, "", "plan")
	if code != 0 || !strings.Contains(out, "builder local: docker-container, because the local driver cannot run on this machine (no buildkitd was found)") {
		t.Fatalf("plan: exit %d\n%s%s", code, out, errOut)
	}
	t.Cleanup(func() { xbake(t, dir, "", "builders", "rm", "local") })
	if code, out, errOut = xbake(t, dir, "", "run", "--progress", "plain"); code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	if got := testenv.Docker(t, "image", "inspect", "--format", "{{.Config.Labels.built}}", "fallback:1"); got != "here" {
		t.Errorf("the image in the engine has label built=%q", got)
	}
	if got := testenv.Docker(t, "ps", "--format", "{{.Names}}"); !strings.HasPrefix(got, "xbake_buildkit_local_") || strings.Contains(got, "\n") {
		t.Errorf("containers: %q", got)
	}
}

// TestDockerDriverOnAnOldEngine: Debian's Docker 20.10 carries BuildKit
// 0.8, which knows no named contexts; the plan refuses a target: link on
// its docker driver at the contexts attribute, instead of a build that
// tries to pull docker.io/library/base.
func TestDockerDriverOnAnOldEngine(t *testing.T) {
	realBuilder(t)
	sock := testenv.Dockerd(t)
	version := testenv.Docker(t, "version", "--format", "{{.Server.Version}}")
	if !strings.HasPrefix(version, "20.") {
		t.Fatalf("this test expects Debian's Docker 20.10, the engine is %s", version)
	}
	dir := t.TempDir()
	writeFile(t, dir, "xbuild.hcl", `builder "engine" {
  driver   = "docker"
  endpoint = "unix://`+sock+`"
}
target "base" {
  builder           = "engine"
  dockerfile-inline = "FROM scratch"
}
target "app" {
  builder           = "engine"
  contexts          = { base = "target:base" }
  dockerfile-inline = "FROM base"
  output            = ["type=docker"]
}
target "multi" {
  builder           = "engine"
  platforms         = ["linux/amd64", "linux/arm64"]
  dockerfile-inline = "FROM scratch"
  output            = ["type=cacheonly"]
}
`)
	code, out, errOut := xbake(t, dir, "", "plan", "app")
	if code == 0 || !strings.Contains(out+errOut, "xbuild.hcl:11:32: Builder cannot do this") || !strings.Contains(out+errOut, "Docker "+version) {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	// Docker 20.10 keeps images in the classic store: its BuildKit builds
	// one platform at a time.
	code, out, errOut = xbake(t, dir, "", "plan", "multi")
	if code == 0 || !strings.Contains(out+errOut, "xbuild.hcl:17:24: Builder cannot do this") || !strings.Contains(out+errOut, "classic store") {
		t.Errorf("multi: exit %d\n%s%s", code, out, errOut)
	}
}
