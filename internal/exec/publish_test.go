package exec_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/xbake/xbake/internal/exec"
	"github.com/xbake/xbake/internal/exec/display"
	"github.com/xbake/xbake/internal/exec/outputs"
)

// A registry that fails in the middle of tagging: the tags already moved
// are put back, the registry ends as it was before the run, and the
// result says what each tag holds.
func TestAtomicPushRollsBackWhenTaggingFails(t *testing.T) {
	needDaemon(t)
	var failing atomic.Bool
	var refused atomic.Int32
	inner := registry.New(registry.Logger(nopLogger()))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The tag "b" cannot be written while failing is set.
		if failing.Load() && r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/manifests/b") {
			refused.Add(1)
			http.Error(w, "injected failure", http.StatusInternalServerError)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	reg := u.Host

	// Before the run, tag "a" holds an older image and "b" does not exist.
	old, _ := random.Image(64, 1)
	oldRef, _ := name.NewTag(reg + "/xbake/app:a")
	if err := remote.Write(oldRef, old); err != nil {
		t.Fatal(err)
	}
	oldDigest, _ := old.Digest()

	dir := project(t, map[string]string{
		"Dockerfile": "FROM scratch\nCOPY busybox-amd64 /bin/busybox\n",
		"xbuild.hcl": fmt.Sprintf(`target "app" {
  platforms = ["linux/amd64"]
  tags      = ["%[1]s/xbake/app:a", "%[1]s/xbake/app:b"]
  output    = ["type=image,push=true"]
}`, reg),
	})
	failing.Store(true)
	res := build(t, ctx(t), dir, runOpts{})
	if res.PublishErr == nil || !res.Failed() {
		t.Fatalf("the run should fail to publish: %+v, target %+v", res, *res.Targets[0])
	}
	if refused.Load() < 3 {
		t.Errorf("the tag was tried %d times, want 3 (retries)", refused.Load())
	}
	desc, err := remote.Head(oldRef)
	if err != nil || desc.Digest != oldDigest {
		t.Errorf("tag a: %v %v, want it back on the older image %s", desc, err, oldDigest)
	}
	if _, err := remote.Head(mustTag(t, reg+"/xbake/app:b")); err == nil {
		t.Error("tag b exists after the failed publish")
	}
	states := map[string]string{}
	for _, s := range res.TagStates {
		states[s.Tag] = s.Text()
	}
	if states[reg+"/xbake/app:a"] != "restored to "+oldDigest.String() || states[reg+"/xbake/app:b"] != "absent" {
		t.Errorf("tag states: %v", states)
	}
	var summary strings.Builder
	display.WriteSummary(&summary, res)
	if !strings.Contains(summary.String(), "restored to "+oldDigest.String()) {
		t.Errorf("the summary does not say what the registry holds:\n%s", summary.String())
	}

	// With the registry healthy again, both tags are published.
	failing.Store(false)
	res = build(t, ctx(t), dir, runOpts{})
	if res.Failed() {
		t.Fatalf("second run: %v", res.PublishErr)
	}
	if got, want := res.Targets[0].Response["image.name"], reg+"/xbake/app:a,"+reg+"/xbake/app:b"; got != want {
		t.Errorf("metadata image.name = %q, want every name with its tag: %q", got, want)
	}
	a, _ := remote.Head(oldRef)
	b, err := remote.Head(mustTag(t, reg+"/xbake/app:b"))
	if err != nil || a.Digest != b.Digest || a.Digest == oldDigest {
		t.Errorf("after a good run: a=%v b=%v (%v), want both on the new image", a.Digest, b, err)
	}
}

func mustTag(t *testing.T, s string) name.Tag {
	ref, err := name.NewTag(s)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// The image a user pushes is what BuildKit built: the same build pushed
// under two tags has one digest, with --skip-unchanged too (its record
// depends on the inputs alone).
func TestDigestDoesNotDependOnTags(t *testing.T) {
	needDaemon(t)
	reg := startRegistry(t)
	for _, skip := range []bool{false, true} {
		var digests []string
		for _, tag := range []string{"one", "two"} {
			dir := project(t, map[string]string{
				"ctx/Dockerfile": "FROM scratch\nCOPY f /f\n",
				"ctx/f":          "same inputs\n",
				// The spec is outside the context: only its tags differ.
				// No provenance: it records when the build ran, so two
				// builds of the same inputs would differ by it alone.
				"xbuild.hcl": fmt.Sprintf(`target "app" {
  context   = "ctx"
  platforms = ["linux/amd64", "linux/arm64"]
  tags      = ["%s/xbake/same:%s"]
  output    = ["type=image,push=true"]
  attest    = ["type=provenance,disabled=true"]
}`, reg, tag),
			})
			res := build(t, ctx(t), dir, runOpts{opts: exec.Options{SkipUnchanged: skip, StateFile: filepath.Join(dir, "state.json")}})
			if res.Failed() {
				t.Fatalf("%+v", *res.Targets[0])
			}
			desc, err := remote.Head(mustTag(t, reg+"/xbake/same:"+tag))
			if err != nil {
				t.Fatal(err)
			}
			digests = append(digests, desc.Digest.String())
		}
		if digests[0] != digests[1] {
			t.Errorf("skip-unchanged %v: the same build has digests %v under two tags", skip, digests)
		}
	}
}

// TestDefaultProvenanceIsAttached: as with bake, a pushed image carries a
// minimal provenance attestation unless it is turned off.
func TestDefaultProvenanceIsAttached(t *testing.T) {
	needDaemon(t)
	reg := startRegistry(t)
	for _, off := range []bool{false, true} {
		tag := fmt.Sprintf("%s/xbake/prov:%v", reg, off)
		dir := project(t, map[string]string{
			"Dockerfile": "FROM scratch\nCOPY busybox-amd64 /bin/busybox\n",
			"xbuild.hcl": fmt.Sprintf("target \"app\" {\n  platforms = [\"linux/amd64\"]\n  tags = [%q]\n  output = [\"type=image,push=true\"]\n}\n", tag),
		})
		if off {
			t.Setenv("BUILDX_NO_DEFAULT_ATTESTATIONS", "1")
		}
		if res := build(t, ctx(t), dir, runOpts{}); res.Failed() {
			t.Fatalf("%+v", *res.Targets[0])
		}
		desc, err := remote.Get(mustTag(t, tag))
		if err != nil {
			t.Fatal(err)
		}
		attested := false
		if desc.MediaType.IsIndex() {
			idx, err := desc.ImageIndex()
			if err != nil {
				t.Fatal(err)
			}
			m, _ := idx.IndexManifest()
			for _, d := range m.Manifests {
				attested = attested || d.Annotations["vnd.docker.reference.type"] == "attestation-manifest"
			}
		}
		if attested == off {
			t.Errorf("BUILDX_NO_DEFAULT_ATTESTATIONS set %v: attestation manifest %v (%s)", off, attested, desc.MediaType)
		}
	}
}

// interruptedPublish sets up what an interrupted atomic push leaves: tag
// a existed (on the returned digest), the run moved it, then the
// registry went away before tag b was created and before the rollback.
// The registry is back when it returns; dir is the project.
func interruptedPublish(t *testing.T) (reg, dir string, oldDigest v1.Hash) {
	t.Helper()
	var down, armed atomic.Bool
	inner := registry.New(registry.Logger(nopLogger()))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "injected outage", http.StatusServiceUnavailable)
			return
		}
		inner.ServeHTTP(w, r)
		if armed.Load() && r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/manifests/a") {
			down.Store(true) // the first tag moved: the registry goes away
		}
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	reg = u.Host
	old, _ := random.Image(64, 1)
	if err := remote.Write(mustTag(t, reg+"/xbake/j:a"), old); err != nil {
		t.Fatal(err)
	}
	oldDigest, _ = old.Digest()

	dir = project(t, map[string]string{
		"Dockerfile": "FROM scratch\nCOPY busybox-amd64 /bin/busybox\n",
		"xbuild.hcl": fmt.Sprintf(`target "app" {
  platforms = ["linux/amd64"]
  tags      = ["%[1]s/xbake/j:a", "%[1]s/xbake/j:b"]
  output    = ["type=image,push=true"]
}
target "other" {
  output = ["type=cacheonly"]
}`, reg),
	})
	armed.Store(true)
	res := build(t, ctx(t), dir, runOpts{targets: []string{"app"}})
	armed.Store(false)
	if res.PublishErr == nil || !strings.Contains(res.PublishErr.Error(), "the next xbake run") {
		t.Fatalf("the publish should fail and say the next run finishes it: %v", res.PublishErr)
	}
	down.Store(false)
	if a, err := remote.Head(mustTag(t, reg+"/xbake/j:a")); err != nil || a.Digest == oldDigest {
		t.Fatalf("the outage should have left tag a moved (the test's premise): %v %v", a, err)
	}
	return reg, dir, oldDigest
}

// TestUnfinishedPublishIsFinishedByTheNextRun: the registry goes away
// right after the first tag of an atomic push moved, so neither the
// publish nor its rollback can finish. Once the registry is back, the
// next run (of a target that pushes nothing) first finishes the
// rollback: every tag is as it was before, none half new.
func TestUnfinishedPublishIsFinishedByTheNextRun(t *testing.T) {
	needDaemon(t)
	reg, dir, oldDigest := interruptedPublish(t)

	var said strings.Builder
	res := build(t, ctx(t), dir, runOpts{targets: []string{"other"}, opts: exec.Options{ProgressOut: &said}})
	if res.Failed() {
		t.Fatalf("the next run: %+v", res)
	}
	a, err := remote.Head(mustTag(t, reg+"/xbake/j:a"))
	if err != nil || a.Digest != oldDigest {
		t.Errorf("tag a: %v %v, want it back on %s", a, err, oldDigest)
	}
	if _, err := remote.Head(mustTag(t, reg+"/xbake/j:b")); err == nil {
		t.Error("tag b exists: the registry holds half a publish")
	}
	if !strings.Contains(said.String(), "unfinished publish was rolled back") {
		t.Errorf("the run should say it finished the rollback:\n%s", said.String())
	}
	res = build(t, ctx(t), dir, runOpts{targets: []string{"other"}, opts: exec.Options{ProgressOut: &said}})
	if strings.Count(said.String(), "unfinished publish") != 1 {
		t.Errorf("a finished publish is not finished twice:\n%s", said.String())
	}
}

// TestRecoveryTouchesOnlyItsOwnTags: after an interrupted publish, a run
// of another project with the same state directory leaves the first
// project's tags alone; then someone else pushes to tag a, and the next
// run of the first project leaves a where they put it (compare and
// swap), says so, and closes the journal.
func TestRecoveryTouchesOnlyItsOwnTags(t *testing.T) {
	needDaemon(t)
	reg, dir, _ := interruptedPublish(t)
	moved, err := remote.Head(mustTag(t, reg+"/xbake/j:a"))
	if err != nil {
		t.Fatal(err)
	}

	other := project(t, map[string]string{"xbuild.hcl": "target \"other\" {\n  output = [\"type=cacheonly\"]\n}\n", "Dockerfile": "FROM scratch\n"})
	var said strings.Builder
	if res := build(t, ctx(t), other, runOpts{opts: exec.Options{ProgressOut: &said}}); res.Failed() {
		t.Fatalf("another project's run: %+v", res)
	}
	if a, err := remote.Head(mustTag(t, reg+"/xbake/j:a")); err != nil || a.Digest != moved.Digest {
		t.Errorf("another project's run changed tag a: %v %v", a, err)
	}
	if strings.Contains(said.String(), "publish") {
		t.Errorf("another project's run acted on this one's journal:\n%s", said.String())
	}

	theirs, _ := random.Image(64, 1)
	if err := remote.Write(mustTag(t, reg+"/xbake/j:a"), theirs); err != nil {
		t.Fatal(err)
	}
	theirDigest, _ := theirs.Digest()
	said.Reset()
	if res := build(t, ctx(t), dir, runOpts{targets: []string{"other"}, opts: exec.Options{ProgressOut: &said}}); res.Failed() {
		t.Fatalf("the next run: %+v", res)
	}
	if a, err := remote.Head(mustTag(t, reg+"/xbake/j:a")); err != nil || a.Digest != theirDigest {
		t.Errorf("tag a: %v %v, want it left on the image someone else pushed (%s)", a, err, theirDigest)
	}
	if !strings.Contains(said.String(), "someone else has moved since") || !strings.Contains(said.String(), "now "+theirDigest.String()) {
		t.Errorf("the run should say it left tag a where someone else put it:\n%s", said.String())
	}
	said.Reset()
	build(t, ctx(t), dir, runOpts{targets: []string{"other"}, opts: exec.Options{ProgressOut: &said}})
	if strings.Contains(said.String(), "publish") {
		t.Errorf("the journal was not closed:\n%s", said.String())
	}
}

// TestDamagedJournalIsKept: a journal that cannot be read is kept and
// reported, never deleted silently.
func TestDamagedJournalIsKept(t *testing.T) {
	t.Setenv("XBAKE_STATE_DIR", t.TempDir())
	p := outputs.Project{Dir: t.TempDir(), Files: []string{"xbuild.hcl"}}
	dir := outputs.JournalDir(p)
	os.MkdirAll(dir, 0o700)
	path := filepath.Join(dir, "publish-1-x.json")
	os.WriteFile(path, []byte("{\"phase\": \"tag"), 0o600)
	var said strings.Builder
	outputs.RecoverPublishes(context.Background(), p, func(format string, args ...any) { fmt.Fprintf(&said, format+"\n", args...) })
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the damaged journal was removed: %v", err)
	}
	if !strings.Contains(said.String(), path) || !strings.Contains(said.String(), "cannot be read") {
		t.Errorf("the damaged journal was not reported:\n%s", said.String())
	}
}
