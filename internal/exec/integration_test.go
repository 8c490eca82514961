package exec_test

import (
	"archive/tar"
	"context"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/xbake/xbake/internal/builder"
	"github.com/xbake/xbake/internal/builder/desc"
	"github.com/xbake/xbake/internal/exec"
	"github.com/xbake/xbake/internal/plan"
	"github.com/xbake/xbake/spec"
)

// The integration tests share one real buildkitd (started by the local
// driver in a temporary state directory) and build FROM scratch images
// with a static busybox per architecture, which scripts/setup puts in
// bin/.
var stateDir string

func TestMain(m *testing.M) {
	code := func() int {
		// Every test has a state directory of the run's own, daemon or
		// not: the fake-solver tests recover publishes and write
		// history too, never in the user's ~/.local/state.
		dir, err := os.MkdirTemp("/tmp", "xbx")
		if err != nil {
			panic(err)
		}
		os.Setenv("XBAKE_STATE_DIR", dir)
		defer os.RemoveAll(dir)
		bin, _ := filepath.Abs("../../bin/buildkitd")
		if _, err := os.Stat(bin); err != nil || os.Geteuid() != 0 {
			if os.Getenv("CI") != "" {
				println("integration tests need bin/buildkitd and root in CI:", err)
				return 1
			}
			return m.Run() // each test that needs the daemon skips itself
		}
		os.Setenv("XBAKE_BUILDKITD", bin)
		stateDir = dir
		defer builder.NewLocal(builder.BuiltinName, desc.Local{}).Stop()
		return m.Run()
	}()
	os.Exit(code)
}

func needDaemon(t *testing.T) {
	t.Helper()
	if stateDir == "" {
		t.Skip("needs root and bin/buildkitd (bash scripts/setup)")
	}
}

// project writes files into a fresh directory, with the busybox binaries
// beside them.
func project(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, arch := range []string{"amd64", "arm64"} {
		src, err := os.ReadFile("../../bin/busybox-" + arch)
		if err != nil {
			t.Fatalf("bin/busybox-%s: %v (bash scripts/setup)", arch, err)
		}
		os.WriteFile(filepath.Join(dir, "busybox-"+arch), src, 0o755)
	}
	return dir
}

const busyboxBase = "FROM scratch\nARG TARGETARCH\nCOPY busybox-${TARGETARCH} /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n"

type runOpts struct {
	targets []string
	opts    exec.Options
	plan    plan.Options
}

// build loads dir/xbuild.hcl, plans and runs it.
func build(t *testing.T, ctx context.Context, dir string, o runOpts) *exec.Result {
	t.Helper()
	s, diags := spec.Load(spec.Options{Dir: dir, Files: []string{"xbuild.hcl"}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	sel, diags := s.Select(o.targets)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	o.plan.Allow.WritePaths = append(o.plan.Allow.WritePaths, "*")
	p, diags := plan.New(s, sel, o.plan)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	clients := builder.NewClients(p.Builders)
	defer clients.Close()
	if o.opts.Progress == "" {
		o.opts.Progress = "quiet"
	}
	res, err := exec.Run(ctx, p, clients, o.opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func status(res *exec.Result) map[string]exec.Status {
	out := map[string]exec.Status{}
	for _, t := range res.Targets {
		out[t.Name] = t.Status
	}
	return out
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	return c
}

// fileInTar reads one file from a tar stream.
func fileInTar(r io.Reader, want string) (string, bool) {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err != nil {
			return "", false
		}
		if strings.TrimPrefix(h.Name, "./") == want || strings.TrimPrefix(h.Name, "/") == want {
			b, _ := io.ReadAll(tr)
			return string(b), true
		}
	}
}

// fileInImage looks for a file in the layers of an image, top layer first.
func fileInImage(t *testing.T, img v1.Image, path string) string {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for i := len(layers) - 1; i >= 0; i-- {
		rc, err := layers[i].Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		content, ok := fileInTar(rc, path)
		rc.Close()
		if ok {
			return content
		}
	}
	t.Fatalf("%s not found in any layer", path)
	return ""
}

// startRegistry runs a registry on loopback for the test.
func startRegistry(t *testing.T) string {
	srv := httptest.NewServer(registry.New(registry.Logger(nopLogger())))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return u.Host
}

func tags(t *testing.T, repo string) []string {
	r, err := name.NewRepository(repo)
	if err != nil {
		t.Fatal(err)
	}
	list, err := remote.List(r)
	if err != nil {
		return nil // no such repository: nothing tagged
	}
	return list
}

// checkArchIndex checks that the image at ref is an index holding linux/amd64
// and linux/arm64 images whose /arch.txt (written by RUN uname -m) says
// x86_64 and aarch64: each platform really ran on its architecture.
func checkArchIndex(t *testing.T, ref string) {
	t.Helper()
	r, _ := name.ParseReference(ref)
	idx, err := remote.Index(r)
	if err != nil {
		t.Fatalf("the tag was not published: %v", err)
	}
	m, _ := idx.IndexManifest()
	want := map[string]string{"amd64": "x86_64\n", "arm64": "aarch64\n"}
	seen := 0
	for _, d := range m.Manifests {
		if d.Platform == nil || want[d.Platform.Architecture] == "" {
			continue
		}
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if got := fileInImage(t, img, "arch.txt"); got != want[d.Platform.Architecture] {
			t.Errorf("%s: arch.txt = %q, want %q", d.Platform.Architecture, got, want[d.Platform.Architecture])
		}
		seen++
	}
	if seen != 2 {
		t.Errorf("index has %d of the two platforms: %+v", seen, m.Manifests)
	}
}
