package builder

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// DockerEngine is the Docker engine a docker-container builder runs on,
// found as the docker CLI finds it: the builder's endpoint when it names
// one, else whatever the CLI itself picks ($DOCKER_HOST with the TLS
// variables, tcp:// or ssh://, else $DOCKER_CONTEXT, else the current
// context of the Docker configuration: what Docker Desktop and rootless
// Docker set up). xbake reaches it only through the docker CLI, so every
// way the CLI knows is followed.
type DockerEngine struct {
	// Host is the CLI's --host: the builder's endpoint, or "" for the
	// CLI's own choice.
	Host string
}

// EngineFor is the engine of a builder whose endpoint is endpoint ("" for
// none).
func EngineFor(endpoint string) DockerEngine { return DockerEngine{Host: endpoint} }

// Command is the docker CLI with args, against the engine.
func (e DockerEngine) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "docker", e.Args(args...)...)
	if e.Host != "" {
		// --host says which engine; a context in the environment would
		// conflict with it.
		cmd.Env = append(os.Environ(), "DOCKER_HOST=", "DOCKER_CONTEXT=")
	}
	return cmd
}

// Args is args with the engine's --host in front.
func (e DockerEngine) Args(args ...string) []string {
	if e.Host == "" {
		return args
	}
	return append([]string{"--host", e.Host}, args...)
}

// String names the engine for messages: its address, or the context the
// CLI uses.
func (e DockerEngine) String() string {
	switch {
	case e.Host != "":
		return e.Host
	case os.Getenv("DOCKER_HOST") != "":
		return os.Getenv("DOCKER_HOST") + " ($DOCKER_HOST)"
	case os.Getenv("DOCKER_CONTEXT") != "":
		return "context " + os.Getenv("DOCKER_CONTEXT") + " ($DOCKER_CONTEXT)"
	}
	if ctx := currentContext(); ctx != "" && ctx != "default" {
		return "context " + ctx + " (docker context use)"
	}
	return "unix:///var/run/docker.sock"
}

// currentContext is the context the Docker configuration selects.
func currentContext() string {
	dir := os.Getenv("DOCKER_CONFIG")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".docker")
	}
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return ""
	}
	var cfg struct {
		CurrentContext string `json:"currentContext"`
	}
	if json.Unmarshal(b, &cfg) != nil {
		return ""
	}
	return cfg.CurrentContext
}

// explain turns what the docker CLI said when it could not reach the
// engine into an error that says what to do.
func (e DockerEngine) explain(builder string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "permission denied"):
		return fmt.Errorf("builder %q: the Docker engine at %s refuses this user: %s. Add the user to the docker group (then log in again), or use rootless Docker", builder, e, msg)
	case strings.Contains(msg, "Cannot connect to the Docker daemon") || strings.Contains(msg, "connection refused") || strings.Contains(msg, "no such file or directory"):
		return fmt.Errorf("builder %q: no Docker engine answers at %s: %s. Start Docker, or point DOCKER_HOST, DOCKER_CONTEXT or the builder's endpoint at one", builder, e, msg)
	}
	return fmt.Errorf("builder %q: the Docker engine at %s: %s", builder, e, msg)
}
