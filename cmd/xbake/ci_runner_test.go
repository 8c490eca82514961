package main

import (
	"encoding/json"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// affectedOf runs plan --affected=REF --format json in dir and returns
// the names of the targets it keeps and its note.
func affectedOf(t *testing.T, dir, ref string, extra ...string) ([]string, string) {
	t.Helper()
	args := append([]string{"plan", "--affected=" + ref, "--format", "json"}, extra...)
	code, out, errOut := xbake(t, dir, "", args...)
	if code != 0 {
		t.Fatalf("plan --affected=%s: exit %d\n%s%s", ref, code, out, errOut)
	}
	var doc struct {
		Targets []struct{ Name string }
		Note    string
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	var names []string
	for _, tg := range doc.Targets {
		names = append(names, tg.Name)
	}
	slices.Sort(names)
	return names, doc.Note
}

// servicesRepo commits a monorepo of n services described by one shared
// bake file, as most projects have it.
func servicesRepo(t *testing.T, n int) *gitRepo {
	r := newGitRepo(t)
	files := map[string]string{}
	var hcl strings.Builder
	hcl.WriteString("variable \"TAG\" { default = \"1\" }\ngroup \"default\" { targets = [")
	for i := range n {
		if i > 0 {
			hcl.WriteString(", ")
		}
		hcl.WriteString(`"s` + string(rune('a'+i)) + `"`)
	}
	hcl.WriteString("] }\n")
	for i := range n {
		name := "s" + string(rune('a'+i))
		hcl.WriteString("target \"" + name + "\" {\n  context = \"" + name + "\"\n  tags = [\"example.com/" + name + ":${TAG}\"]\n  args = { N = \"1\" }\n  output = [\"type=cacheonly\"]\n}\n")
		files[name+"/Dockerfile"] = "FROM scratch\nCOPY . /\n"
		files[name+"/main.txt"] = name + "\n"
	}
	files["docker-bake.hcl"] = hcl.String()
	r.commit("start", files)
	return r
}

// TestAffectedThroughASymlinkedCheckout: a runner whose workspace is a
// symbolic link to the checkout selects what changed, as from the
// checkout itself (it selected nothing: git's paths are real, the
// spec's were the link's).
func TestAffectedThroughASymlinkedCheckout(t *testing.T) {
	r := servicesRepo(t, 3)
	link := filepath.Join(t.TempDir(), "workspace")
	if err := os.Symlink(r.dir, link); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(r.dir, "sb"), "main.txt", "changed\n")
	names, note := affectedOf(t, link, "main")
	if !slices.Equal(names, []string{"sb"}) {
		t.Errorf("--affected through a link kept %v (%s), want [sb]", names, note)
	}
	// An absolute -f reached through the link too.
	names, note = affectedOf(t, link, "main", "-f", filepath.Join(link, "docker-bake.hcl"))
	if !slices.Equal(names, []string{"sb"}) {
		t.Errorf("--affected -f LINK/docker-bake.hcl kept %v (%s), want [sb]", names, note)
	}

	// plan --diff through the link names the changed target, rebuilt.
	code, out, errOut := xbake(t, link, "", "plan", "--diff=main", "--format", "json", "--exit-code")
	var doc diffDoc
	json.Unmarshal([]byte(out), &doc)
	if code != exitChanges || len(doc.Targets) != 1 || doc.Targets[0].Name != "sb" || !doc.Targets[0].Rebuilt {
		t.Errorf("plan --diff through a link: exit %d, %+v\n%s", code, doc.Targets, errOut)
	}
}

// TestAffectedByOneSharedBakeFile: editing one target's attribute in the
// only bake file selects that target (and what depends on it), as
// plan --diff says, not every target the file declares.
func TestAffectedByOneSharedBakeFile(t *testing.T) {
	r := servicesRepo(t, 4)
	spec := readFile(t, r.dir, "docker-bake.hcl")
	edited := strings.Replace(spec, "target \"sc\" {\n  context = \"sc\"\n  tags = [\"example.com/sc:${TAG}\"]\n  args = { N = \"1\" }",
		"target \"sc\" {\n  context = \"sc\"\n  tags = [\"example.com/sc:${TAG}\"]\n  args = { N = \"2\" }", 1)
	if edited == spec {
		t.Fatal("the edit did not apply")
	}
	writeFile(t, r.dir, "docker-bake.hcl", edited)
	if names, note := affectedOf(t, r.dir, "main"); !slices.Equal(names, []string{"sc"}) {
		t.Errorf("one target's args edited: --affected kept %v (%s), want [sc]", names, note)
	}

	// A change every target resolves differently selects them all; a
	// comment changes no target.
	writeFile(t, r.dir, "docker-bake.hcl", strings.Replace(spec, `default = "1"`, `default = "2"`, 1))
	if names, note := affectedOf(t, r.dir, "main"); len(names) != 4 {
		t.Errorf("the shared variable edited: --affected kept %v (%s), want all 4", names, note)
	}
	writeFile(t, r.dir, "docker-bake.hcl", "# a comment\n"+spec)
	if names, note := affectedOf(t, r.dir, "main"); len(names) != 0 {
		t.Errorf("a comment added: --affected kept %v (%s), want none", names, note)
	}

	// A target added to the file is affected; its neighbours are not.
	writeFile(t, r.dir, "docker-bake.hcl", spec+"target \"new\" {\n  context = \"sa\"\n  output = [\"type=cacheonly\"]\n}\n")
	if names, note := affectedOf(t, r.dir, "main", "new", "sa"); !slices.Equal(names, []string{"new"}) {
		t.Errorf("a target added: --affected kept %v (%s), want [new]", names, note)
	}
}

// TestDiffReadsTheBaseAsGitHasIt: the base side is the commit's own
// files, not what git archive exports (export-ignore dropped a file and
// made an unchanged target "rebuilt"), and an absolute -f is read at the
// base too.
func TestDiffReadsTheBaseAsGitHasIt(t *testing.T) {
	r := newGitRepo(t)
	r.commit("start", map[string]string{
		".gitattributes":    "app/secret.txt export-ignore\napp/version.txt export-subst\n",
		"app/Dockerfile":    "FROM scratch\nCOPY . /\n",
		"app/secret.txt":    "kept\n",
		"app/version.txt":   "$Format:%H$\n",
		"docker-bake.hcl":   "target \"app\" {\n  context = \"app\"\n  output = [\"type=cacheonly\"]\n}\ntarget \"fromlayout\" {\n  context = \"other\"\n  contexts = { base = \"oci-layout://layout\" }\n  output = [\"type=cacheonly\"]\n}\n",
		"other/Dockerfile":  "FROM scratch\n",
		"other/placeholder": "x\n",
		// An OCI layout context: its digest must not hold the path it
		// was read from (the base's is a temporary copy).
		"layout/index.json": `{"schemaVersion":2,"manifests":[]}`,
		"layout/oci-layout": `{"imageLayoutVersion":"1.0.0"}`,
		"layout/Dockerfile": "FROM base\n",
	})
	r.commit("unrelated", map[string]string{"README": "hello\n"})
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	code, out, errOut := xbake(t, r.dir, "", "plan", "--diff=HEAD~1", "--format", "json", "--exit-code", "app", "fromlayout")
	if code != 0 {
		t.Errorf("nothing the target reads changed: exit %d\n%s%s", code, out, errOut)
	}

	// An absolute -f: the base side reads the file as committed.
	r.commit("tags", map[string]string{"docker-bake.hcl": "target \"app\" {\n  context = \"app\"\n  tags = [\"example.com/app:2\"]\n  output = [\"type=cacheonly\"]\n}\n"})
	code, out, errOut = xbake(t, r.dir, "", "plan", "--diff=HEAD~1", "--format", "json", "--exit-code", "-f", filepath.Join(r.dir, "docker-bake.hcl"), "app")
	var doc diffDoc
	json.Unmarshal([]byte(out), &doc)
	if code != exitChanges || len(doc.Targets) != 1 || len(doc.Targets[0].Attributes) != 1 || doc.Targets[0].Attributes[0].Name != "tags" {
		t.Errorf("an absolute -f whose tags changed: exit %d, %+v\n%s", code, doc.Targets, errOut)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("plan --diff left %v in $TMPDIR", left)
	}
}

// TestDiffExitCodesAndRefErrors: "changes" has its own exit code, not
// the usage errors' 2, and a bad ref is named by the flag it came from.
func TestDiffExitCodesAndRefErrors(t *testing.T) {
	r := servicesRepo(t, 1)
	if exitChanges == exitUsage || exitChanges == exitSpec {
		t.Errorf("exit code for changes %d is also a failure's", exitChanges)
	}
	code, _, errOut := xbake(t, r.dir, "", "plan", "--diff=mian")
	if code != exitUsage || !strings.Contains(errOut, "--diff=mian") || strings.Contains(errOut, "--affected") || !strings.Contains(errOut, `"main"`) {
		t.Errorf("plan --diff=mian: exit %d\n%s", code, errOut)
	}
}

// TestAffectedSuggestsTheRemoteBranch: a runner's clone often has
// origin/main and no main.
func TestAffectedSuggestsTheRemoteBranch(t *testing.T) {
	r := servicesRepo(t, 1)
	r.git("update-ref", "refs/remotes/origin/main", "HEAD")
	r.git("checkout", "-q", "-b", "feature")
	r.git("branch", "-D", "main")
	code, _, errOut := xbake(t, r.dir, "", "plan", "--affected=main")
	if code != exitUsage || !strings.Contains(errOut, `"origin/main"`) {
		t.Errorf("--affected=main with only origin/main: exit %d\n%s", code, errOut)
	}
}

// TestDiffInterruptedLeavesNoTree: a Ctrl-C while the base is being
// written stops git and removes the temporary tree and index. A git
// that hangs on checkout-index (a shim first in PATH) holds the diff
// there until the interrupt.
func TestDiffInterruptedLeavesNoTree(t *testing.T) {
	if _, err := os.Stat(xbakeBin); err != nil {
		t.Fatalf("bin/xbake missing (bash scripts/setup builds it): %v", err)
	}
	realGit, err := osexec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	r := servicesRepo(t, 1)
	writeFile(t, r.dir, "sa/main.txt", "changed\n")
	shim := t.TempDir()
	writeFile(t, shim, "git", "#!/bin/sh\ncase \" $* \" in *\" checkout-index \"*) exec sleep 60;; esac\nexec "+realGit+" \"$@\"\n")
	os.Chmod(filepath.Join(shim, "git"), 0o755)
	tmp := t.TempDir()
	cmd := osexec.Command(xbakeBin, "plan", "--diff=main")
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "PATH="+shim+":"+os.Getenv("PATH"), "TMPDIR="+tmp)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m, _ := filepath.Glob(filepath.Join(tmp, "xbake-diff-*")); len(m) > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no base tree appeared in 20 s\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // git is in checkout-index
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("plan --diff did not stop on an interrupt\n%s", out.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Errorf("interrupted plan --diff: exit %d, want %d\n%s", code, exitInterrupted, out.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("an interrupted plan --diff left %v in $TMPDIR", left)
	}
}

// TestNothingUserWrittenStartsALineOnGitHub: on GitHub Actions, a value
// from --set, a spec or a build that holds a line break followed by a
// workflow command is shown, never obeyed.
func TestNothingUserWrittenStartsALineOnGitHub(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "xbuild.hcl", "target \"b\" {\n  output = [\"type=cacheonly\"]\n  tags = [\"ok\"]\n  args = { A = \"1\\n::add-mask::spec\\n  ##[set-env name=X]y\" }\n}\n")
	writeFile(t, dir, "Dockerfile", "FROM scratch\n")
	t.Setenv("GITHUB_ACTIONS", "true")
	for _, args := range [][]string{
		{"plan", "--set", "b.tags=x\n::add-mask::b"},
		{"plan", "--set", "b.tags=x\r::stop-commands::tok"},
		{"plan", "--print"},
		{"plan", "--set", "b.args.A=\n   ::warning::forged"},
	} {
		_, out, errOut := xbake(t, dir, "", args...)
		checkNoForgedCommands(t, out)
		checkNoForgedCommands(t, errOut)
	}
}

// TestUnknownTargetChecksNoTemplate: a name that selects nothing is the
// error; the spec is still checked, but not a target that exists only to
// be inherited (it has no Dockerfile of its own, by design).
func TestUnknownTargetChecksNoTemplate(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "docker-bake.hcl", "target \"_common\" {\n  dockerfile = \"nope.Dockerfile\"\n}\ntarget \"app\" {\n  inherits = [\"_common\"]\n  dockerfile = \"Dockerfile\"\n  output = [\"type=cacheonly\"]\n}\ntarget \"broken\" {\n  dockerfile = \"missing.Dockerfile\"\n  output = [\"type=cacheonly\"]\n}\n")
	writeFile(t, dir, "Dockerfile", "FROM scratch\n")
	code, _, errOut := xbake(t, dir, "", "plan", "nosuch")
	if code != exitUsage || !strings.Contains(errOut, `no target or group named "nosuch"`) {
		t.Errorf("plan nosuch: exit %d\n%s", code, errOut)
	}
	if strings.Contains(errOut, "_common") {
		t.Errorf("plan nosuch reports the inherit-only _common:\n%s", errOut)
	}
	if !strings.Contains(errOut, "missing.Dockerfile") {
		t.Errorf("plan nosuch should still check the other targets:\n%s", errOut)
	}
}

// TestDiffReadsSubmodulesAtTheBase: a target whose context is a
// submodule is unchanged when nothing in it changed (git archive left
// the submodule empty at the base, so it was always "rebuilt").
func TestDiffReadsSubmodulesAtTheBase(t *testing.T) {
	lib := newGitRepo(t)
	lib.commit("lib", map[string]string{"Dockerfile": "FROM scratch\nCOPY . /\n", "lib.txt": "lib\n"})
	r := newGitRepo(t)
	r.commit("start", map[string]string{"docker-bake.hcl": "target \"lib\" {\n  context = \"vendor/lib\"\n  output = [\"type=cacheonly\"]\n}\n"})
	r.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", lib.dir, "vendor/lib")
	r.git("commit", "-qm", "submodule")
	r.commit("unrelated", map[string]string{"README": "hello\n"})
	code, out, errOut := xbake(t, r.dir, "", "plan", "--diff=HEAD~1", "--format", "json", "--exit-code", "lib")
	if code != 0 {
		t.Errorf("nothing in the submodule changed: exit %d\n%s%s", code, out, errOut)
	}
	writeFile(t, filepath.Join(r.dir, "vendor/lib"), "lib.txt", "changed\n")
	code, out, errOut = xbake(t, r.dir, "", "plan", "--diff=HEAD~1", "--format", "json", "--exit-code", "lib")
	var doc diffDoc
	json.Unmarshal([]byte(out), &doc)
	if code != exitChanges || len(doc.Targets) != 1 || !doc.Targets[0].Rebuilt {
		t.Errorf("a file of the submodule changed: exit %d, %+v\n%s", code, doc.Targets, errOut)
	}
}
