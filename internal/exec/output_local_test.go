package exec_test

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xbake/xbake/internal/builder"
	xexec "github.com/xbake/xbake/internal/exec"
	"github.com/xbake/xbake/internal/plan"
	"github.com/xbake/xbake/spec"
)

// A local output writes into its destination and never removes what it
// did not write: not the project around ".", not the spec, not .git.
func TestLocalOutputNeverDeletesTheUsersFiles(t *testing.T) {
	needDaemon(t)
	const dockerfile = "FROM scratch\nCOPY keep.txt /artifact.txt\nCOPY keep.txt /sub/nested.txt\n"
	cases := []struct {
		name    string
		specDir string // where xbuild.hcl lives, below the project
		dest    string // as written in the spec
		outDir  string // where the artifact lands, below the project
	}{
		{"dot is the project", ".", ".", "."},
		{"the spec's own directory", "svc", ".", "svc"},
		{"a parent of the spec's directory", "svc", "..", "."},
		{"a directory holding other files", ".", "out", "out"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := project(t, map[string]string{
				filepath.Join(c.specDir, "keep.txt"):   "mine\n",
				filepath.Join(c.specDir, "Dockerfile"): dockerfile,
				filepath.Join(c.specDir, "xbuild.hcl"): `target "t" {
  context = "."
  output  = ["type=local,dest=` + c.dest + `"]
}
`,
				"README.md":                       "the project\n",
				"out/unrelated.txt":               "not the build's\n",
				"out/artifact.txt":                "an older build\n",
				"out/sub/other.txt":               "beside the build's\n",
				filepath.Join(c.outDir, "src.go"): "package main\n",
			})
			gitInit(t, dir)
			before := tree(t, dir)

			runIn(t, filepath.Join(dir, c.specDir))

			after := tree(t, dir)
			for path, content := range before {
				want := content
				if path == filepath.Join(c.outDir, "artifact.txt") {
					want = "mine\n" // the build's file replaces the old one of that name
				}
				if after[path] != want {
					t.Errorf("%s: %q before the run, %q after, want %q", path, content, after[path], want)
				}
			}
			for _, f := range []string{"artifact.txt", "sub/nested.txt"} {
				if got := after[filepath.Join(c.outDir, f)]; got != "mine\n" {
					t.Errorf("%s in %s: %q, want the build's file", f, c.outDir, got)
				}
			}
			for path := range after {
				if strings.Contains(path, ".xbake-tmp-") {
					t.Errorf("temporary left behind: %s", path)
				}
			}
		})
	}
}

// A file in the destination where the build makes a directory stops the
// target before anything is moved: nothing of the build appears.
func TestLocalOutputConflictMovesNothing(t *testing.T) {
	needDaemon(t)
	dir := project(t, map[string]string{
		"keep.txt":   "mine\n",
		"Dockerfile": "FROM scratch\nCOPY keep.txt /a.txt\nCOPY keep.txt /sub/b.txt\n",
		"xbuild.hcl": `target "t" {
  context = "."
  output  = ["type=local,dest=out"]
}
`,
		"out/sub": "a file where the build makes a directory\n",
	})
	// A second output of the same target, fine on its own, must not
	// appear either: a target's outputs appear all or none.
	os.WriteFile(filepath.Join(dir, "xbuild.hcl"), []byte(`target "t" {
  context = "."
  output  = ["type=oci,dest=x.tar", "type=local,dest=out"]
}
`), 0o644)
	res, err := runExpectingError(t, dir, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Targets[0]
	if tr.Status != xexec.Failed || tr.Err == nil || !strings.Contains(tr.Err.Error(), "the build made a directory sub, but the destination holds a file there") {
		t.Fatalf("status %v, error %v; want a conflict on sub", tr.Status, tr.Err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "out"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"sub"}) {
		t.Errorf("out holds %v after the failed target, want only the user's sub", names)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.tar")); err == nil {
		t.Error("x.tar was written although the target's other output failed")
	}
	if left := strings.Join(temporariesIn(t, dir), " "); left != "" {
		t.Errorf("temporaries left: %s", left)
	}
}

// runIn loads the spec in dir and runs it, allowing writes anywhere.
func runIn(t *testing.T, dir string) {
	t.Helper()
	s, diags := spec.Load(spec.Options{Dir: dir, Files: []string{"xbuild.hcl"}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	sel, _ := s.Select(nil)
	p, diags := plan.New(s, sel, plan.Options{Allow: plan.Allow{WritePaths: []string{"*"}}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	clients := builder.NewClients(p.Builders)
	defer clients.Close()
	res, err := xexec.Run(ctx(t), p, clients, xexec.Options{Progress: "quiet"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed() {
		t.Fatalf("run failed: %v", res.Targets[0].Err)
	}
}

func gitInit(t *testing.T, dir string) {
	t.Helper()
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"-c", "user.email=t@x", "-c", "user.name=t", "commit", "-qm", "init"}} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
}

// tree maps every regular file below dir to its content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A full disk fails the target with a message that names the output and
// says the disk is full, and leaves nothing in the destination.
func TestDiskFull(t *testing.T) {
	needDaemon(t)
	for _, out := range []string{"type=oci,dest=full/x.tar", "type=local,dest=full/dir"} {
		t.Run(strings.SplitN(out, ",", 2)[0], func(t *testing.T) {
			dir := project(t, map[string]string{
				"Dockerfile": "FROM scratch\nCOPY big /big\n",
				"xbuild.hcl": "target \"t\" {\n  context = \".\"\n  output = [\"" + out + "\"]\n}\n",
			})
			big := make([]byte, 30<<20)
			rand.NewChaCha8([32]byte{}).Read(big) // does not compress away
			os.WriteFile(filepath.Join(dir, "big"), big, 0o644)
			full := filepath.Join(dir, "full")
			os.Mkdir(full, 0o755)
			if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", full).CombinedOutput(); err != nil {
				if os.Getenv("CI") != "" {
					t.Fatalf("cannot mount a tmpfs in CI: %v %s", err, out)
				}
				t.Skipf("cannot mount a tmpfs: %v %s", err, out)
			}
			defer exec.Command("umount", full).Run()

			res, err := runExpectingError(t, dir, plan.Options{})
			if err != nil {
				t.Fatal(err)
			}
			tr := res.Targets[0]
			if tr.Status != xexec.Failed || tr.Err == nil || !strings.Contains(tr.Err.Error(), "the disk is full") {
				t.Fatalf("status %v, error %v; want the disk is full", tr.Status, tr.Err)
			}
			if !strings.Contains(tr.Err.Error(), "full/") {
				t.Errorf("error %q does not name the output", tr.Err)
			}
			entries, _ := os.ReadDir(full)
			if len(entries) != 0 {
				t.Errorf("the full disk holds %d entries after the failed run: %v", len(entries), entries)
			}
		})
	}
}

func temporariesIn(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".xbake-tmp-") {
			out = append(out, path)
		}
		return nil
	})
	return out
}
