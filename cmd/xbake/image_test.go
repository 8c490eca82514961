package main

import (
	"archive/tar"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xbake/xbake/internal/testenv"
)

// TestOwnImage builds xbake's own image from the repository's xbuild.hcl
// with xbake on the local builder, loads it into a Docker engine, and
// uses it as a CI job would: `xbake version` names the BuildKit inside,
// and `xbake run` in a container (with the capabilities the
// docker-container driver gives BuildKit) builds the hello example for
// two platforms into the mounted directory.
func TestOwnImage(t *testing.T) {
	realBuilder(t)
	testenv.Dockerd(t)
	dir := t.TempDir()
	work := copyExample(t, "hello") // before xbake() changes directory
	spec, err := os.ReadFile("../../xbuild.hcl")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "xbuild.hcl", string(spec))
	if out, err := exec.Command("bash", "../../scripts/image-rootfs", filepath.Join(dir, "bin/image-rootfs")).CombinedOutput(); err != nil {
		t.Fatalf("scripts/image-rootfs: %v\n%s", err, out)
	}
	code, out, errOut := xbake(t, dir, "", "run", "--progress", "plain", "--load", "--set", "image.tags=xbake-test:ci")
	if code != 0 {
		t.Fatalf("building xbake's image: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "bin/xbake-image.tar")); err != nil {
		t.Errorf("the OCI archive the spec names was not written: %v", err)
	}
	if v := testenv.Docker(t, "run", "--rm", "xbake-test:ci", "version"); !strings.Contains(v, "buildkit  v0.") {
		t.Errorf("xbake version in the image printed:\n%s", v)
	}

	got := testenv.Docker(t, "run", "--rm",
		"--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
		"--mount", "type=bind,source=/sys/fs/cgroup,target=/sys/fs/cgroup",
		"--tmpfs", "/var/lib/xbake",
		"--volume", work+":/src", "xbake-test:ci", "run", "--progress", "plain")
	if !strings.Contains(got, "hello") {
		t.Errorf("xbake run in its image printed:\n%s", got)
	}
	checkOCIArchivePlatforms(t, filepath.Join(work, "out/hello.tar"), "linux/amd64", "linux/arm64")

	// git is in the image: --affected works in it, on a checkout owned by
	// another user (as a CI runner's often is).
	repo := newGitRepo(t)
	repo.commit("start", map[string]string{
		"xbuild.hcl":     "target \"app\" {\n  context = \"app\"\n  output = [\"type=cacheonly\"]\n}\ntarget \"other\" {\n  context = \"other\"\n  output = [\"type=cacheonly\"]\n}\n",
		"app/Dockerfile": "FROM scratch\n", "app/a.txt": "1\n", "other/Dockerfile": "FROM scratch\n",
	})
	writeFile(t, repo.dir, "app/a.txt", "2\n")
	if out, err := exec.Command("chown", "-R", "4321:4321", repo.dir).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v %s", err, out)
	}
	if got := testenv.Docker(t, "run", "--rm", "--volume", repo.dir+":/src", "xbake-test:ci", "plan", "--affected=main", "app", "other"); !strings.Contains(got, "1 of 2 selected targets changed") {
		t.Errorf("xbake plan --affected in its image printed:\n%s", got)
	}
}

// checkOCIArchivePlatforms reads an OCI archive's index (and the image
// index it points to) and checks it holds exactly the platforms want.
func checkOCIArchivePlatforms(t *testing.T, path string, want ...string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("the archive: %v", err)
	}
	defer f.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if h.Name == "index.json" || strings.HasPrefix(h.Name, "blobs/") && h.Size < 1<<20 {
			files[h.Name], _ = io.ReadAll(tr)
		}
	}
	type index struct {
		Manifests []struct {
			MediaType string
			Digest    string
			Platform  *struct{ OS, Architecture string }
		}
	}
	var got []string
	var walk func(name string, depth int)
	walk = func(name string, depth int) {
		var idx index
		if err := json.Unmarshal(files[name], &idx); err != nil || depth > 2 {
			t.Fatalf("%s in %s: %v", name, path, err)
		}
		for _, m := range idx.Manifests {
			switch {
			case strings.HasSuffix(m.MediaType, "index.v1+json") || strings.HasSuffix(m.MediaType, "manifest.list.v2+json"):
				walk("blobs/"+strings.Replace(m.Digest, ":", "/", 1), depth+1)
			case m.Platform != nil && m.Platform.OS != "unknown": // not an attestation
				got = append(got, m.Platform.OS+"/"+m.Platform.Architecture)
			}
		}
	}
	walk("index.json", 0)
	slices.Sort(got)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%s holds the platforms %v, want %v", path, got, want)
	}
}
