package exec_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/xbake/xbake/internal/exec"
	"github.com/xbake/xbake/internal/exec/display"
)

// TestAttributesReachTheBuild checks that spec attributes arrive in the
// build: args, the target stage, secrets from a file and from the
// environment, extra hosts, and cache-to.
func TestAttributesReachTheBuild(t *testing.T) {
	needDaemon(t)
	t.Setenv("XBAKE_TEST_TOKEN", "from-env")
	dir := project(t, map[string]string{
		"Dockerfile": `FROM scratch AS base
ARG TARGETARCH
COPY busybox-${TARGETARCH} /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
FROM scratch AS unused
COPY busybox-amd64 /never
FROM base AS final
ARG GREETING
RUN echo "$GREETING" > /greeting.txt
RUN --mount=type=secret,id=file cat /run/secrets/file > /secret-file.txt
RUN --mount=type=secret,id=token cat /run/secrets/token > /secret-env.txt
RUN grep -c db.internal /etc/hosts > /hosts.txt
RUN cat /sys/fs/cgroup/memory.max 2>/dev/null > /memory.txt || cat /sys/fs/cgroup/memory/memory.limit_in_bytes > /memory.txt
`,
		"secret.txt": "from-file",
		"xbuild.hcl": `target "attrs" {
  platforms   = ["linux/amd64"]
  target      = "final"
  args        = { GREETING = "hello-arg" }
  secret      = ["id=file,src=secret.txt", "id=token,env=XBAKE_TEST_TOKEN"]
  extra-hosts = { "db.internal" = "10.1.2.3" }
  resources   = { memory = "64m" }
  cache-to    = ["type=local,dest=cache,mode=max"]
  output      = ["type=local,dest=out"]
}`,
	})
	res := build(t, ctx(t), dir, runOpts{})
	if res.Failed() {
		r := res.Targets[0]
		t.Fatalf("%v at %s: %v", r.Err, r.FailedStep, r.Logs)
	}
	for file, want := range map[string]string{
		"greeting.txt":    "hello-arg\n",
		"secret-file.txt": "from-file",
		"secret-env.txt":  "from-env",
		"hosts.txt":       "1\n",
		"memory.txt":      "67108864\n", // the step's cgroup has the limit
	} {
		got, err := os.ReadFile(filepath.Join(dir, "out", file))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", file, got, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out/never")); err == nil {
		t.Error("the target stage was not respected: a file of another stage is in the output")
	}
	if _, err := os.Stat(filepath.Join(dir, "cache/index.json")); err != nil {
		t.Errorf("cache-to wrote no cache: %v", err)
	}
}

// TestCallCheck runs the Dockerfile linter: a clean Dockerfile passes and
// its answer is kept; one with a lint error fails the target.
func TestCallCheck(t *testing.T) {
	needDaemon(t)
	dir := project(t, map[string]string{
		"good/Dockerfile": "FROM scratch\nCOPY x /\n",
		"bad/Dockerfile":  "# check=error=true\nFROM scratch as base\nCOPY x /\n",
		"xbuild.hcl": `target "good" {
  context = "good"
  call    = "check"
}
target "bad" {
  context = "bad"
  call    = "check"
}`,
	})
	res := build(t, ctx(t), dir, runOpts{opts: exec.Options{KeepGoing: true}})
	st := status(res)
	if st["good"] != exec.Built || st["bad"] != exec.Failed {
		t.Fatalf("statuses %v: %+v", st, res.Targets)
	}
	good := res.Targets[indexOf(res, "good")]
	if !strings.Contains(good.CallResult, "no problems found") {
		t.Errorf("the check's answer is not kept: %q", good.CallResult)
	}
	if bad := res.Targets[indexOf(res, "bad")]; bad.Err == nil || !strings.Contains(bad.Err.Error(), "FromAsCasing") {
		t.Errorf("the lint error should be named: %v", bad.Err)
	}
}

// TestCallCheckOnALinkedTarget: checking a target that builds on another
// through target: lints it against that target's result (built for it),
// not against an image of the same name in a registry.
func TestCallCheckOnALinkedTarget(t *testing.T) {
	needDaemon(t)
	dir := project(t, map[string]string{
		"base/Dockerfile": "FROM scratch\nENV FROM_BASE=1\nCOPY x /\n",
		"base/x":          "x\n",
		"app/Dockerfile":  "FROM base\nCOPY y /\n",
		"app/y":           "y\n",
		"xbuild.hcl": `target "base" {
  context = "base"
  call    = "check"
}
target "app" {
  context  = "app"
  contexts = { base = "target:base" }
  call     = "check"
}`,
	})
	res := build(t, ctx(t), dir, runOpts{opts: exec.Options{KeepGoing: true}})
	if st := status(res); st["base"] != exec.Built || st["app"] != exec.Built {
		t.Fatalf("statuses %v: %v", st, res.Targets[indexOf(res, "app")].Err)
	}
	if app := res.Targets[indexOf(res, "app")]; !strings.Contains(app.CallResult, "no problems found") {
		t.Errorf("app's check answered %q", app.CallResult)
	}
}

// TestOCILayoutContext writes an image as an OCI layout directory, then
// builds on it through an oci-layout:// named context.
func TestOCILayoutContext(t *testing.T) {
	needDaemon(t)
	dir := project(t, map[string]string{
		"base/Dockerfile": "FROM scratch\nCOPY marker.txt /from-layout.txt\n",
		"base/marker.txt": "in the layout\n",
		"app/Dockerfile":  "FROM base\nCOPY x.txt /\n",
		"app/x.txt":       "x\n",
		"xbuild.hcl": `target "layout" {
  context   = "base"
  platforms = ["linux/amd64"]
  output    = ["type=oci,dest=layout,tar=false"]
}
target "app" {
  context   = "app"
  platforms = ["linux/amd64"]
  contexts  = { base = "oci-layout://layout" }
  output    = ["type=local,dest=out"]
}`,
	})
	if res := build(t, ctx(t), dir, runOpts{targets: []string{"layout"}}); res.Failed() {
		t.Fatalf("%+v", res.Targets[0])
	}
	if _, err := os.Stat(filepath.Join(dir, "layout/index.json")); err != nil {
		t.Fatalf("tar=false should write an OCI layout directory: %v", err)
	}
	res := build(t, ctx(t), dir, runOpts{targets: []string{"app"}})
	if res.Failed() {
		r := res.Targets[0]
		t.Fatalf("%v %s %v", r.Err, r.FailedStep, r.Logs)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out/from-layout.txt")); err != nil || string(b) != "in the layout\n" {
		t.Errorf("from-layout.txt = %q, %v", b, err)
	}
}

// TestAnnotationsAndProvenance: annotations reach the image index and a
// provenance attestation is attached, in an OCI archive.
func TestAnnotationsAndProvenance(t *testing.T) {
	needDaemon(t)
	dir := project(t, map[string]string{
		"Dockerfile": "FROM scratch\nCOPY busybox-amd64 /bin/busybox\n",
		"xbuild.hcl": `target "annotated" {
  platforms   = ["linux/amd64"]
  annotations = ["index:org.opencontainers.image.title=xbake-test"]
  attest      = ["type=provenance,mode=min"]
  output      = ["type=oci,dest=out/a.tar"]
}`,
	})
	res := build(t, ctx(t), dir, runOpts{})
	if res.Failed() {
		r := res.Targets[0]
		t.Fatalf("%v %s %v", r.Err, r.FailedStep, r.Logs)
	}
	f, err := os.Open(filepath.Join(dir, "out/a.tar"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	layoutDir := t.TempDir()
	if err := untar(f, layoutDir); err != nil {
		t.Fatal(err)
	}
	idx, err := layout.ImageIndexFromPath(layoutDir)
	if err != nil {
		t.Fatal(err)
	}
	top, _ := idx.IndexManifest()
	inner, err := idx.ImageIndex(top.Manifests[0].Digest)
	if err != nil {
		t.Fatalf("the archive should hold an index (image + attestation): %v", err)
	}
	m, _ := inner.IndexManifest()
	if m.Annotations["org.opencontainers.image.title"] != "xbake-test" {
		t.Errorf("index annotations = %v", m.Annotations)
	}
	attestations := 0
	for _, d := range m.Manifests {
		if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			attestations++
		}
	}
	if attestations != 1 {
		t.Errorf("want one attestation manifest, index has %+v", m.Manifests)
	}
	meta := filepath.Join(dir, "meta.json")
	if err := display.WriteMetadata(meta, res); err != nil {
		t.Fatal(err)
	}
	var doc map[string]map[string]any
	b, _ := os.ReadFile(meta)
	json.Unmarshal(b, &doc)
	prov, keys := doc["annotated"]["buildx.build.provenance"].(map[string]any), []string{}
	for k := range doc["annotated"] {
		keys = append(keys, k)
	}
	if prov["buildDefinition"] == nil && prov["buildType"] == nil { // SLSA 1, or 0.2
		t.Errorf("metadata has no provenance predicate (keys %v): %v", keys, prov)
	}
}

// The frontend's warnings of a normal build (a lint finding) are kept
// and written to the metadata file as buildx.build.warnings, as bake
// writes them.
func TestBuildWarningsInMetadata(t *testing.T) {
	needDaemon(t)
	dir := project(t, map[string]string{
		"Dockerfile": "FROM scratch as base\nCOPY busybox-amd64 /b\n",
		"xbuild.hcl": "target \"app\" {\n  platforms = [\"linux/amd64\"]\n  output = [\"type=cacheonly\"]\n}\n",
	})
	res := build(t, ctx(t), dir, runOpts{})
	if res.Failed() || len(res.Targets[0].Warnings) == 0 {
		t.Fatalf("no warnings recorded: %+v", *res.Targets[0])
	}
	path := filepath.Join(dir, "meta.json")
	if err := display.WriteMetadata(path, res); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"buildx.build.warnings"`) || !strings.Contains(string(b), "rule/from-as-casing") {
		t.Errorf("metadata without the warning:\n%s", b)
	}
}
