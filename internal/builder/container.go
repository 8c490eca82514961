package builder

// The docker-container driver: a BuildKit daemon in a container on a
// Docker engine, which xbake creates, starts, stops and removes, as
// buildx's default driver does. The container is named
// xbake_buildkit_BUILDER; its state (the build cache) lives in the volume
// xbake_buildkit_BUILDER_state, so it survives `builders stop` and goes
// with `builders rm`. xbake talks to the engine with the docker CLI, and
// to the daemon through `docker exec ... buildctl dial-stdio`, as
// BuildKit's docker-container:// connection helper does.

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/docker/cli/cli/connhelper/commandconn"
	"github.com/google/shlex"
	"github.com/moby/buildkit/client"

	"github.com/xbake/xbake/internal/builder/desc"
)

// Container is the docker-container driver of one builder.
type Container struct {
	name     string
	engine   string // the Docker engine: unix:// or tcp:// address
	opts     desc.Container
	declared []string
}

var _ Driver = (*Container)(nil)

// NewContainer returns the driver of a docker-container builder block.
func NewContainer(b *desc.Builder) *Container {
	endpoint := ""
	if len(b.Nodes) > 0 {
		endpoint = b.Nodes[0].Endpoint
	}
	return &Container{name: b.Name, engine: "unix://" + dockerSocket(endpoint), opts: b.Container, declared: b.Platforms}
}

// Name implements Driver.
func (c *Container) Name() string { return c.name }

// Nodes implements Driver: one node, the container.
func (c *Container) Nodes() []*Node {
	return []*Node{{Builder: c.name, Name: c.ContainerName(), Declared: c.declared, container: c}}
}

// ContainerName is the name of the builder's container.
func (c *Container) ContainerName() string { return "xbake_buildkit_" + c.name }

// Volume is the name of the volume that holds the daemon's state.
func (c *Container) Volume() string { return c.ContainerName() + "_state" }

// Image is the BuildKit image the container runs.
func (c *Container) Image() string {
	if c.opts.Image != "" {
		return c.opts.Image
	}
	return DefaultImage()
}

// DefaultImage is moby/buildkit at the version of the BuildKit client
// xbake is built with, so that client and daemon agree.
func DefaultImage() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if dep.Path == "github.com/moby/buildkit" && strings.HasPrefix(dep.Version, "v") {
				return "moby/buildkit:" + dep.Version
			}
		}
	}
	return "moby/buildkit:latest"
}

// Endpoint is the address xbake reaches the daemon at.
func (c *Container) Endpoint() string { return "docker-container://" + c.ContainerName() }

// docker runs the docker CLI against the builder's engine and returns
// its standard output; an error carries what the CLI said.
func (c *Container) docker(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "docker", append([]string{"--host", c.engine}, args...)...)
	cmd.Env = append(os.Environ(), "DOCKER_HOST=") // --host says which engine
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if _, lookErr := exec.LookPath("docker"); lookErr != nil {
			return "", fmt.Errorf("builder %q uses the docker-container driver, which needs the docker CLI on PATH (apt-get install docker.io, or Docker's docker-ce-cli)", c.name)
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("docker %s: %s", args[0], msg)
	}
	return strings.TrimSpace(stdout.String()), nil
}

// State is "running", "stopped" (created or exited) or "absent".
func (c *Container) State(ctx context.Context) (string, error) {
	out, err := c.docker(ctx, "container", "ls", "--all", "--filter", "name=^"+c.ContainerName()+"$", "--format", "{{.State}}")
	switch {
	case err != nil:
		return "", c.engineErr(err)
	case out == "":
		return "absent", nil
	case out == "running":
		return "running", nil
	}
	return "stopped", nil
}

func (c *Container) engineErr(err error) error {
	return fmt.Errorf("builder %q: the Docker engine at %s does not answer: %w", c.name, c.engine, err)
}

// Client implements Driver: it creates and starts the container if need
// be, then connects to its daemon.
func (c *Container) Client(ctx context.Context) (*client.Client, error) {
	if err := c.ensure(ctx); err != nil {
		return nil, err
	}
	return c.waitReady(ctx)
}

// ensure brings the container to running.
func (c *Container) ensure(ctx context.Context) error {
	state, err := c.State(ctx)
	if err != nil {
		return err
	}
	if state == "absent" {
		if err := c.create(ctx); err != nil {
			return err
		}
	}
	if state != "running" {
		if _, err := c.docker(ctx, "start", c.ContainerName()); err != nil {
			return fmt.Errorf("builder %q: starting its container: %w", c.name, err)
		}
	}
	return nil
}

// create makes the container as buildx does: privileged, the state
// volume at /var/lib/buildkit, the image's buildkitd with the builder's
// flags. An engine that cannot grant every capability (a nested or
// rootless one) refuses a privileged container; then it gets what
// BuildKit's runc needs: SYS_ADMIN, no seccomp or AppArmor profile, and
// the host's cgroups.
func (c *Container) create(ctx context.Context) error {
	flags, err := shlex.Split(c.opts.BuildkitdFlags)
	if err != nil {
		return fmt.Errorf("builder %q: buildkitd-flags: %w", c.name, err)
	}
	if _, err := c.docker(ctx, "image", "inspect", "--format", "{{.Id}}", c.Image()); err != nil {
		if _, err := c.docker(ctx, "pull", c.Image()); err != nil {
			return fmt.Errorf("builder %q: the image %s is not on the engine and cannot be pulled: %w; set image = \"...\" in the builder block to one the engine has", c.name, c.Image(), err)
		}
	}
	common := []string{"--name", c.ContainerName(), "--label", "dev.xbake.builder=" + c.name,
		"--mount", "type=volume,source=" + c.Volume() + ",target=/var/lib/buildkit"}
	if n := c.opts.Network; n != "" {
		common = append(common, "--network", n)
	}
	for _, k := range sortedKeys(c.opts.Env) {
		common = append(common, "--env", k+"="+c.opts.Env[k])
	}
	args := append(flags, "--allow-insecure-entitlement=network.host", "--allow-insecure-entitlement=security.insecure")
	if c.opts.Network == "" || c.opts.Network == "host" {
		args = append(args, "--oci-worker-net=host")
	}
	run := func(isolation ...string) error {
		create := append(append(append([]string{"create"}, isolation...), common...), c.Image())
		if _, err := c.docker(ctx, append(create, args...)...); err != nil {
			return err
		}
		if c.opts.Config != "" {
			if _, err := c.docker(ctx, "cp", c.opts.Config, c.ContainerName()+":/etc/buildkit/buildkitd.toml"); err != nil {
				c.docker(ctx, "rm", "--force", c.ContainerName())
				return fmt.Errorf("copying buildkitd-config %s: %w", c.opts.Config, err)
			}
		}
		if _, err := c.docker(ctx, "start", c.ContainerName()); err != nil {
			c.docker(ctx, "rm", "--force", c.ContainerName())
			return err
		}
		return nil
	}
	err = run("--privileged")
	if err != nil && strings.Contains(err.Error(), "apply caps") {
		err = run("--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
			"--mount", "type=bind,source=/sys/fs/cgroup,target=/sys/fs/cgroup")
	}
	if err != nil {
		return fmt.Errorf("builder %q: creating its container: %w", c.name, err)
	}
	return nil
}

// waitReady connects once buildkitd in the container answers.
func (c *Container) waitReady(ctx context.Context) (*client.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	var last error
	for {
		cl, err := c.connect(ctx)
		if err == nil {
			return cl, nil
		}
		last = err
		if state, _ := c.State(context.WithoutCancel(ctx)); state != "running" {
			logs, _ := c.docker(context.WithoutCancel(ctx), "logs", "--tail", "20", c.ContainerName())
			return nil, fmt.Errorf("builder %q: its container %s stopped: %s", c.name, c.ContainerName(), lastLines(logs, last))
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("builder %q: BuildKit in container %s did not answer within %s: %w", c.name, c.ContainerName(), startTimeout, last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func lastLines(logs string, err error) string {
	if logs == "" {
		return err.Error()
	}
	return logs
}

// connect dials buildkitd through docker exec and checks it answers.
func (c *Container) connect(ctx context.Context) (*client.Client, error) {
	dial := func(context.Context, string) (net.Conn, error) {
		// The connection outlives the dial: not the dial's context.
		return commandconn.New(context.Background(), "docker", "--host", c.engine, "exec", "-i", c.ContainerName(), "buildctl", "dial-stdio")
	}
	cl, err := client.New(ctx, "", client.WithContextDialer(dial))
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cl.ListWorkers(pingCtx); err != nil {
		cl.Close()
		return nil, err
	}
	return cl, nil
}

// Stop stops the container; its volume, and so the cache, stays.
func (c *Container) Stop(ctx context.Context) error {
	state, err := c.State(ctx)
	if err != nil || state != "running" {
		return err
	}
	_, err = c.docker(ctx, "stop", c.ContainerName())
	return err
}

// Remove removes the container and, unless keepState, its volume.
func (c *Container) Remove(ctx context.Context, keepState bool) error {
	state, err := c.State(ctx)
	if err != nil {
		return err
	}
	if state != "absent" {
		if _, err := c.docker(ctx, "rm", "--force", c.ContainerName()); err != nil {
			return err
		}
	}
	if keepState {
		return nil
	}
	if out, err := c.docker(ctx, "volume", "ls", "--quiet", "--filter", "name=^"+c.Volume()+"$"); err != nil || out == "" {
		return err
	}
	_, err = c.docker(ctx, "volume", "rm", c.Volume())
	return err
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
