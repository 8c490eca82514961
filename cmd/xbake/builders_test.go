package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestBuildersLifecycle lists a spec's builders while the local one is
// inactive, running and stopped again, next to an unreachable remote.
func TestBuildersLifecycle(t *testing.T) {
	realBuilder(t)
	dir := t.TempDir()
	writeFile(t, dir, "xbuild.hcl", `builder "farm" {
  driver = "remote"
  node "gone" {
    endpoint  = "unix:///tmp/xbake-nothing-here.sock"
    platforms = ["linux/arm64"]
  }
}
target "app" {
  dockerfile-inline = "FROM scratch"
  output = ["type=cacheonly"]
}`)
	statuses := func() map[string]string {
		t.Helper()
		code, out, errOut := xbake(t, dir, "", "builders", "ls", "--format", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var infos []struct {
			Name    string
			Default bool
			Nodes   []struct{ Name, Status string }
		}
		if err := json.Unmarshal([]byte(out), &infos); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		got := map[string]string{}
		for _, b := range infos {
			for _, n := range b.Nodes {
				got[b.Name+"/"+n.Name] = n.Status
			}
			if b.Name == "local" && !b.Default {
				t.Error("local should be the default builder")
			}
		}
		return got
	}
	if got := statuses(); got["local/local"] != "inactive" || got["farm/gone"] != "unreachable" {
		t.Errorf("before start: %v", got)
	}
	code, out, errOut := xbake(t, dir, "", "builders", "inspect", "local", "--bootstrap")
	if code != 0 || !strings.Contains(out, "Status:    running") || !strings.Contains(out, "linux/amd64") || !strings.Contains(out, "org.mobyproject.buildkit.worker.executor = oci") {
		t.Errorf("inspect --bootstrap: exit %d\n%s%s", code, out, errOut)
	}
	if got := statuses(); got["local/local"] != "running" {
		t.Errorf("after bootstrap: %v", got)
	}
	code, out, _ = xbake(t, dir, "", "builders")
	if code != 0 || !strings.Contains(out, "local *") || !strings.Contains(out, "unreachable") {
		t.Errorf("builders table:\n%s", out)
	}
	if code, _, errOut := xbake(t, dir, "", "builders", "stop", "local"); code != 0 {
		t.Errorf("stop: exit %d %s", code, errOut)
	}
	if got := statuses(); got["local/local"] != "inactive" {
		t.Errorf("after stop: %v", got)
	}
	if code, _, _ := xbake(t, dir, "", "builders", "stop", "farm"); code != 2 {
		t.Errorf("stopping a remote builder: exit %d, want 2", code)
	}
	if code, _, _ := xbake(t, dir, "", "builders", "inspect", "nope"); code != 2 {
		t.Errorf("unknown builder: exit %d, want 2", code)
	}
	if code, _, errOut := xbake(t, dir, "", "builders", "rm", "local"); code != 0 {
		t.Errorf("rm: exit %d %s", code, errOut)
	}
}

// Builders work without a spec: the built-in one, in any directory.
func TestBuildersWithoutASpec(t *testing.T) {
	t.Setenv("XBAKE_STATE_DIR", t.TempDir())
	dir := t.TempDir()
	if code, out, errOut := xbake(t, dir, "", "builders", "stop", "local"); code != 0 || out != "local\n" {
		t.Errorf("builders stop local without a spec: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := xbake(t, dir, "", "builders", "inspect")
	if code != 0 || !strings.Contains(out, "Name:    local") || !strings.Contains(out, "Default: true") {
		t.Errorf("builders inspect without a name: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := xbake(t, dir, "", "builders", "inspect", "nope"); code != 2 || !strings.Contains(errOut, `no builder named "nope"`) {
		t.Errorf("an unknown builder: exit %d\n%s", code, errOut)
	}
	// A spec given with -f that does not exist is still an error.
	if code, _, _ := xbake(t, dir, "", "builders", "-f", "missing.hcl"); code == 0 {
		t.Error("a missing -f file was accepted")
	}
}
