package inputs

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/xbake/xbake/spec"
)

func run(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// monorepo makes a git repository with three services: api builds on
// base through a target: context; web ignores *.md.
func monorepo(t *testing.T) string {
	dir := t.TempDir()
	write(t, dir, "xbuild.hcl", `include = ["services/*/xbuild.hcl"]
target "base" {
  context = "base"
}
`)
	write(t, dir, "base/Dockerfile", "FROM scratch\n")
	write(t, dir, "services/api/xbuild.hcl", "target \"api\" {\n  context = \".\"\n  contexts = { base = \"target:base\" }\n}\n")
	write(t, dir, "services/api/Dockerfile", "FROM base\n")
	write(t, dir, "services/api/main.go", "package main\n")
	write(t, dir, "services/web/xbuild.hcl", "target \"web\" {\n  context = \".\"\n}\n")
	write(t, dir, "services/web/Dockerfile", "FROM scratch\nCOPY . /\n")
	write(t, dir, "services/web/.dockerignore", "*.md\n")
	write(t, dir, "services/web/index.html", "<p>hi</p>\n")
	write(t, dir, "services/web/README.md", "docs\n")
	run(t, dir, "git", "init", "-q", "-b", "main")
	run(t, dir, "git", "add", "-A")
	run(t, dir, "git", "commit", "-q", "-m", "start")
	run(t, dir, "git", "checkout", "-q", "-b", "feature")
	return dir
}

func affectedNames(t *testing.T, dir, ref string) ([]string, *ChangeSet) {
	t.Helper()
	s, diags := spec.Load(spec.Options{Dir: dir, LookupEnv: func(string) (string, bool) { return "", false }})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	cs, err := Changes(context.Background(), dir, ref)
	if err != nil {
		t.Fatal(err)
	}
	if cs.All {
		return nil, cs
	}
	got := []string{}
	for name := range Affected(s, cs.Paths, nil, func(t *spec.Target) string { return filepath.Join(t.Context.Value, "Dockerfile") }) {
		got = append(got, name)
	}
	sort.Strings(got)
	return got, cs
}

func TestAffected(t *testing.T) {
	cases := []struct {
		name   string
		change func(t *testing.T, dir string)
		want   []string
	}{
		{"nothing changed", func(*testing.T, string) {}, []string{}},
		{"one service, committed", func(t *testing.T, dir string) {
			write(t, dir, "services/web/index.html", "<p>changed</p>\n")
			run(t, dir, "git", "commit", "-qam", "web")
		}, []string{"web"}},
		{"one service, uncommitted", func(t *testing.T, dir string) {
			write(t, dir, "services/web/index.html", "<p>changed</p>\n")
		}, []string{"web"}},
		{"a file .dockerignore excludes", func(t *testing.T, dir string) {
			write(t, dir, "services/web/README.md", "more docs\n")
		}, []string{}},
		{"an untracked file", func(t *testing.T, dir string) {
			write(t, dir, "services/api/new.go", "package main\n")
		}, []string{"api"}},
		{"the shared base, and what builds on it", func(t *testing.T, dir string) {
			write(t, dir, "base/Dockerfile", "FROM scratch\nLABEL v=2\n")
		}, []string{"api", "base"}},
		{"the spec file that declares a target", func(t *testing.T, dir string) {
			write(t, dir, "services/web/xbuild.hcl", "target \"web\" {\n  context = \".\"\n  args = { V = \"2\" }\n}\n")
		}, []string{"web"}},
		{"an oci-layout context's index", func(t *testing.T, dir string) {
			write(t, dir, "services/oci/xbuild.hcl", "target \"oci\" {\n  context = \".\"\n  contexts = { base = \"oci-layout://../../layout\" }\n}\n")
			write(t, dir, "services/oci/Dockerfile", "FROM base\n")
			write(t, dir, "layout/index.json", `{"manifests":[]}`)
			run(t, dir, "git", "add", "-A")
			run(t, dir, "git", "commit", "-qm", "oci")
			run(t, dir, "git", "checkout", "-q", "main")
			run(t, dir, "git", "merge", "-q", "feature")
			run(t, dir, "git", "checkout", "-q", "feature")
			write(t, dir, "layout/index.json", `{"manifests":[{}]}`)
		}, []string{"oci"}},
		{"an ignored file", func(t *testing.T, dir string) {
			write(t, dir, ".gitignore", "*.log\n")
			run(t, dir, "git", "add", ".gitignore")
			run(t, dir, "git", "commit", "-qm", "ignore")
			run(t, dir, "git", "checkout", "-q", "main")
			run(t, dir, "git", "merge", "-q", "feature")
			run(t, dir, "git", "checkout", "-q", "feature")
			write(t, dir, "services/web/debug.log", "noise\n")
		}, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := monorepo(t)
			tc.change(t, dir)
			got, _ := affectedNames(t, dir, "main")
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("affected = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestShallowCloneAffectsEverything(t *testing.T) {
	origin := monorepo(t)
	write(t, origin, "services/web/index.html", "<p>2</p>\n")
	run(t, origin, "git", "commit", "-qam", "two")
	clone := filepath.Join(t.TempDir(), "clone")
	run(t, origin, "git", "clone", "-q", "--depth", "1", "--branch", "feature", "file://"+origin, clone)
	got, cs := affectedNames(t, clone, "main")
	if !cs.All || got != nil {
		t.Fatalf("a shallow clone must affect everything, got %v", got)
	}
	if !strings.Contains(cs.Warning, "git fetch --unshallow") || !strings.Contains(cs.Warning, "fetch-depth: 0") {
		t.Errorf("the warning should say how to fetch history: %s", cs.Warning)
	}
}

func TestDigestChangesWithInputsOnly(t *testing.T) {
	dir := monorepo(t)
	digest := func() string {
		s, diags := spec.Load(spec.Options{Dir: dir, LookupEnv: func(string) (string, bool) { return "", false }})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		tg := s.Targets["web"]
		d, err := NewHasher().Digest(tg, filepath.Join(tg.Context.Value, "Dockerfile"), nil)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	first := digest()
	if digest() != first {
		t.Fatal("the digest is not stable")
	}
	write(t, dir, "services/web/README.md", "ignored change\n")
	if digest() != first {
		t.Error("a change .dockerignore excludes must not change the digest")
	}
	write(t, dir, "services/web/index.html", "<p>new</p>\n")
	second := digest()
	if second == first {
		t.Error("a content change must change the digest")
	}
	os.Chmod(filepath.Join(dir, "services/web/index.html"), 0o755)
	if digest() == second {
		t.Error("a mode change must change the digest")
	}
	write(t, dir, "services/web/xbuild.hcl", "target \"web\" {\n  context = \".\"\n  args = { V = \"2\" }\n}\n")
	if digest() == second {
		t.Error("a build arg must change the digest")
	}
}

// depends_on on a group of groups reaches every target inside.
func TestAffectedThroughNestedGroups(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a/Dockerfile", "FROM scratch\n")
	write(t, dir, "c/Dockerfile", "FROM scratch\n")
	write(t, dir, "xbuild.hcl", `target "a" {
  context = "a"
}
group "inner" {
  targets = ["a"]
}
group "outer" {
  targets = ["inner"]
}
target "c" {
  context    = "c"
  depends_on = ["outer"]
}
`)
	s, diags := spec.Load(spec.Options{Dir: dir, Files: []string{"xbuild.hcl"}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	got := Affected(s, []string{filepath.Join(dir, "a/Dockerfile")}, nil, func(t *spec.Target) string {
		return filepath.Join(t.Context.Value, "Dockerfile")
	})
	if !got["a"] || !got["c"] {
		t.Errorf("affected = %v, want a and c (c waits for a through two groups)", got)
	}
}
