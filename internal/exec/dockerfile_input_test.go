package exec_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIgnoreRulesReachTheBuild: the Dockerfile and the ignore rules go to
// BuildKit as a definition (dockerfileInput). The build must still leave
// out what BuildKit's rules say: DOCKERFILE.dockerignore beside the
// Dockerfile first, else the context's .dockerignore, for a Dockerfile in
// the context, named otherwise, outside it, or written inline, and
// nothing when no ignore file applies. No build asks this process for
// the .dockerignore any more.
func TestIgnoreRulesReachTheBuild(t *testing.T) {
	copyAll := "FROM scratch\nCOPY . /\n"
	dir := project(t, map[string]string{
		"Dockerfile":                         copyAll,
		".dockerignore":                      "secret\nout\nbusybox-*\n",
		"Dockerfile.special":                 copyAll,
		"Dockerfile.special.dockerignore":    "keep\nout\nbusybox-*\n",
		"keep":                               "k",
		"secret":                             "s",
		"app/keep":                           "k",
		"app/secret":                         "s",
		"app/.dockerignore":                  "secret\n",
		"docker/app.Dockerfile":              copyAll,
		"docker/app.Dockerfile.dockerignore": "keep\n",
		"bare/keep":                          "k",
		"bare/.hidden":                       "h",
		"bare/Dockerfile":                    copyAll,
		"xbuild.hcl": `
target "plain" { output = ["type=local,dest=out/plain"] }
target "special" {
  dockerfile = "Dockerfile.special"
  output     = ["type=local,dest=out/special"]
}
target "inline" {
  dockerfile-inline = "FROM scratch\nCOPY . /\n"
  output            = ["type=local,dest=out/inline"]
}
target "elsewhere" {
  context    = "app"
  dockerfile = "../docker/app.Dockerfile"
  output     = ["type=local,dest=out/elsewhere"]
}
target "none" {
  context = "bare"
  output  = ["type=local,dest=out/none"]
}`,
	})
	res := build(t, ctx(t), dir, runOpts{targets: []string{"plain", "special", "inline", "elsewhere", "none"}})
	for _, r := range res.Targets {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Name, r.Err)
		}
		for _, s := range r.Steps {
			if strings.Contains(s.Name, "load .dockerignore") {
				t.Errorf("%s: BuildKit still loaded the .dockerignore from the client: %q", r.Name, s.Name)
			}
		}
	}
	for _, c := range []struct {
		target  string
		present []string
		absent  []string
	}{
		{"plain", []string{"keep", "Dockerfile"}, []string{"secret", "out", "busybox-amd64"}},
		{"special", []string{"secret"}, []string{"keep", "out"}},
		{"inline", []string{"keep"}, []string{"secret", "out"}},
		{"elsewhere", []string{"secret"}, []string{"keep"}},
		{"none", []string{"keep", ".hidden", "Dockerfile"}, nil},
	} {
		out := filepath.Join(dir, "out", c.target)
		for _, f := range c.present {
			if _, err := os.Stat(filepath.Join(out, f)); err != nil {
				t.Errorf("%s: %s is missing from the build: %v", c.target, f, err)
			}
		}
		for _, f := range c.absent {
			if _, err := os.Stat(filepath.Join(out, f)); err == nil {
				t.Errorf("%s: %s reached the build, though the ignore rules leave it out", c.target, f)
			}
		}
	}
}

// TestRemoteContextDockerfile: with a git context the Dockerfile comes
// from the repository, unless the spec writes one inline; then the
// inline one is built, as in bake. The repository is served by git's
// own smart-HTTP backend on loopback.
func TestRemoteContextDockerfile(t *testing.T) {
	needDaemon(t)
	url, commit := gitRepo(t)
	commit(map[string]string{"Dockerfile": "FROM scratch\nCOPY from-repo /used-the-repo-dockerfile\n", "from-repo": "r"})

	dir := project(t, map[string]string{"xbuild.hcl": `
target "repo" {
  context = "` + url + `"
  output  = ["type=local,dest=out/repo"]
}
target "inline" {
  context           = "` + url + `"
  dockerfile-inline = "FROM scratch\nCOPY from-repo /used-the-inline-dockerfile\n"
  output            = ["type=local,dest=out/inline"]
}`})
	res := build(t, ctx(t), dir, runOpts{targets: []string{"repo", "inline"}})
	for _, r := range res.Targets {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Name, r.Err)
		}
	}
	for target, file := range map[string]string{"repo": "used-the-repo-dockerfile", "inline": "used-the-inline-dockerfile"} {
		if _, err := os.Stat(filepath.Join(dir, "out", target, file)); err != nil {
			entries, _ := os.ReadDir(filepath.Join(dir, "out", target))
			t.Errorf("%s: built with the wrong Dockerfile, %s is missing (the output holds %v)", target, file, entries)
		}
	}
}
