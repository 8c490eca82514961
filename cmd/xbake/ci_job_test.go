package main

import (
	"encoding/json"
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
)

// TestCIJobNamesOnlyTagsThatExist runs xbake as a GitHub Actions job
// would, against a real registry, with one target failing under an
// atomic push: the metadata file must name no tag the registry does not
// hold, say for each tag that it was held back, and the step summary
// must say so too. Once nothing fails, the tags it names exist.
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
	writeFile(t, dir, "bad.Dockerfile", "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"false\"]\n")
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

	code, out, errOut := xbake(t, dir, "", "run", "--progress", "plain", "--keep-going", "--metadata-file", "meta.json")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errOut)
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
