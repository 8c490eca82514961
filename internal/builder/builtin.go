package builder

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/xbake/xbake/internal/builder/desc"
)

// BuiltinChoice is how the built-in builder (the one used when a spec
// declares none) runs on this machine, and why.
type BuiltinChoice struct {
	Driver string // "local" or "docker-container"
	Why    string
	Err    error // neither can run here
}

// ChooseBuiltin picks the built-in builder's driver as buildx falls back:
// the local driver where it can run (root, runc and a buildkitd), else a
// docker-container builder on the Docker engine that answers
// ($DOCKER_HOST, else the default socket), else an error that says both
// ways to get one.
func ChooseBuiltin() BuiltinChoice {
	var missing []string
	if runtime.GOOS != "linux" {
		missing = append(missing, "it runs BuildKit on Linux only")
	} else if os.Geteuid() != 0 {
		missing = append(missing, "it needs root")
	}
	if _, err := exec.LookPath("runc"); err != nil {
		missing = append(missing, "runc is not on PATH")
	}
	if _, err := FindBuildkitd(); err != nil {
		missing = append(missing, "no buildkitd was found")
	}
	if len(missing) == 0 {
		return BuiltinChoice{Driver: "local", Why: "xbake runs buildkitd itself"}
	}
	localWhy := "the local driver cannot run on this machine (" + strings.Join(missing, ", ") + ")"
	engine := EngineFor("") // as the docker CLI finds it: DOCKER_HOST, DOCKER_CONTEXT, the current context
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	answer := "no Docker engine answers at " + engine.String()
	if _, err := exec.LookPath("docker"); err == nil {
		out, err := engine.Command(ctx, "info", "--format", "{{.ID}}").CombinedOutput()
		if err == nil {
			return BuiltinChoice{Driver: "docker-container", Why: localWhy + ", so BuildKit runs in a container on the Docker engine at " + engine.String()}
		}
		answer += " (" + strings.TrimSpace(string(out)) + ")"
	}
	return BuiltinChoice{Err: errors.New("no builder: " + localWhy + "; and " + answer +
		" for the docker-container driver. Either run as root with runc and buildkitd (bash scripts/setup builds them), or start Docker " +
		"(or point DOCKER_HOST or DOCKER_CONTEXT at an engine), or declare a builder block with driver = \"remote\" and the endpoint of a BuildKit daemon you run")}
}

// builtin is the driver of the built-in builder. When none can run, it
// is a local one whose Client says why, so that listing, inspecting and
// stopping builders still work.
func builtin() (Driver, error) {
	c := ChooseBuiltin()
	if c.Driver == "docker-container" {
		return NewContainer(&desc.Builder{Name: BuiltinName, Driver: "docker-container"}), nil
	}
	l := NewLocal(BuiltinName, desc.Local{})
	l.unavailable = c.Err
	return l, nil
}
