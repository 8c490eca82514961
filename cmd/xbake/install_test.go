package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestGoInstallable checks what `go install github.com/xbake/xbake/cmd/xbake@VERSION`
// needs of go.mod: the module path the README gives, no replace or
// exclude directive (go install refuses a module that has them), and a
// go.sum complete enough to build without changing it.
func TestGoInstallable(t *testing.T) {
	out, err := exec.Command("go", "mod", "edit", "-json", "../../go.mod").Output()
	if err != nil {
		t.Fatalf("go mod edit -json: %v", err)
	}
	var mod struct {
		Module  struct{ Path string }
		Replace []struct{ Old struct{ Path string } }
		Exclude []struct{ Path string }
	}
	if err := json.Unmarshal(out, &mod); err != nil {
		t.Fatal(err)
	}
	if mod.Module.Path != "github.com/xbake/xbake" {
		t.Errorf("module path %q, but the README says go install github.com/xbake/xbake/cmd/xbake", mod.Module.Path)
	}
	for _, r := range mod.Replace {
		t.Errorf("go.mod replaces %s: go install MODULE@VERSION refuses a module with replace directives", r.Old.Path)
	}
	for _, e := range mod.Exclude {
		t.Errorf("go.mod excludes %s: go install MODULE@VERSION refuses a module with exclude directives", e.Path)
	}
	cmd := exec.Command("go", "list", "-mod=readonly", "-deps", "-f", "{{.ImportPath}}", "github.com/xbake/xbake/cmd/xbake")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "github.com/moby/buildkit/client") {
		t.Errorf("cmd/xbake's dependencies do not resolve from go.mod and go.sum alone: %v\n%s", err, out)
	}
}
