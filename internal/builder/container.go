package builder

// The docker-container driver: a BuildKit daemon in a container on a
// Docker engine, which xbake creates, starts, stops and removes, as
// buildx's default driver does.
//
// The container's configuration is part of its identity: it is named
// xbake_buildkit_BUILDER_DIGEST, where DIGEST is that of everything the
// builder block says of it (image, flags, env, network, the content of
// its buildkitd.toml), and labelled with the builder, the digest, the
// configuration itself and the project (the spec's root). Two projects'
// "ci" builders are one container only when they are configured alike;
// a changed configuration makes a new container (the old one is removed
// when it is idle, its cache kept when the image is the same). A
// container is created in one step, its buildkitd.toml in its
// environment, so any run may start a container another has just
// created; a name conflict means another run is creating it. Its state
// lives in a volume named after it. xbake talks to the engine with the
// docker CLI (engine.go), and to the daemon through `docker exec ...
// buildctl dial-stdio`, as BuildKit's docker-container:// helper does.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/docker/cli/cli/connhelper/commandconn"
	"github.com/google/shlex"
	"github.com/moby/buildkit/client"

	"github.com/xbake/xbake/internal/builder/desc"
)

// Container is the docker-container driver of one builder.
type Container struct {
	name     string
	engine   DockerEngine
	opts     desc.Container
	project  string
	declared []string

	// resolved caches settings: the name, every docker call and the
	// create all need them, and the buildkitd.toml is read once.
	resolved func() (settings, error)
}

var _ Driver = (*Container)(nil)

// NewContainer returns the driver of a docker-container builder block.
func NewContainer(b *desc.Builder) *Container {
	endpoint := ""
	if len(b.Nodes) > 0 {
		endpoint = b.Nodes[0].Endpoint
	}
	c := &Container{name: b.Name, engine: EngineFor(endpoint), opts: b.Container, project: b.Project, declared: b.Platforms}
	c.resolved = sync.OnceValues(c.readSettings)
	return c
}

// Name implements Driver.
func (c *Container) Name() string { return c.name }

// Nodes implements Driver: one node, the container.
func (c *Container) Nodes() []*Node {
	return []*Node{{Builder: c.name, Name: c.ContainerName(), Declared: c.declared, container: c}}
}

// The labels of xbake's containers.
const (
	labelBuilder   = "dev.xbake.builder"
	labelConfig    = "dev.xbake.config"      // the configuration's digest
	labelSettings  = "dev.xbake.config.json" // the configuration itself, to say what changed
	labelProject   = "dev.xbake.project"
	labelVolume    = "dev.xbake.volume"
	labelIsolation = "dev.xbake.isolation" // "reduced" when the engine refused --privileged
)

// settings is what makes a builder's container what it is.
type settings struct {
	Image   string            `json:"image"`
	Flags   string            `json:"buildkitd-flags,omitempty"`
	Network string            `json:"network,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	Config  string            `json:"buildkitd-config,omitempty"` // the file's content
	// NoFallback: isolation-fallback = false (a container made with
	// reduced isolation is not one this builder accepts).
	NoFallback bool `json:"no-isolation-fallback,omitempty"`
}

// settings is the builder's configuration, its buildkitd.toml included.
func (c *Container) settings() (settings, error) {
	if c.resolved == nil { // a Container made for one of xbake's other containers (orphans.go)
		return c.readSettings()
	}
	return c.resolved()
}

func (c *Container) readSettings() (settings, error) {
	st := settings{Image: c.Image(), Flags: c.opts.BuildkitdFlags, Network: c.opts.Network, Env: c.opts.Env, NoFallback: c.opts.NoIsolationFallback}
	if c.opts.Config != "" {
		b, err := os.ReadFile(c.opts.Config)
		if err != nil {
			return st, fmt.Errorf("builder %q: buildkitd-config: %w", c.name, err)
		}
		st.Config = string(b)
	}
	return st, nil
}

func (st settings) digest() string {
	b, _ := json.Marshal(st)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ContainerName is the name of the builder's container: its
// configuration's digest is part of it.
func (c *Container) ContainerName() string {
	st, err := c.settings()
	if err != nil {
		return "xbake_buildkit_" + c.name // an unreadable config: ensure says why
	}
	return "xbake_buildkit_" + c.name + "_" + st.digest()[:12]
}

// Volume is the name of the volume that holds a new container's state.
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
	cmd := c.engine.Command(ctx, args...)
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

// logs is the end of the container's output: its stderr first, where
// buildkitd writes why it stopped (a usage error comes before pages of
// help on stdout), then the last lines of its stdout.
func (c *Container) logs(ctx context.Context, name string) string {
	cmd := c.engine.Command(ctx, "logs", "--tail", "300", name)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Run()
	return strings.TrimSpace(lastLinesOf(stderr.String(), 20) + "\n" + lastLinesOf(stdout.String(), 10))
}

func lastLinesOf(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
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

func (c *Container) engineErr(err error) error { return c.engine.explain(c.name, err) }

// Client implements Driver: it creates and starts the container if need
// be, then connects to its daemon.
func (c *Container) Client(ctx context.Context) (*client.Client, error) {
	if err := c.ensure(ctx); err != nil {
		return nil, err
	}
	return c.waitReady(ctx)
}

// ensure brings the container to running. A run that finds another
// creating it (a name conflict) or starting it goes on to wait for the
// daemon with that run.
func (c *Container) ensure(ctx context.Context) error {
	st, err := c.settings()
	if err != nil {
		return err
	}
	state, err := c.State(ctx)
	if err != nil {
		return err
	}
	if state == "absent" {
		switch err := c.create(ctx, st); {
		case isConflict(err):
			// Another run created it a moment ago, whole: start it as
			// that run does.
		case err != nil:
			return err
		}
	}
	if state != "running" {
		if _, err := c.docker(ctx, "start", c.ContainerName()); err != nil {
			// Another run may be replacing it (an engine that refused
			// --privileged): wait for it to run.
			if !c.becomesRunning(ctx) {
				return fmt.Errorf("builder %q: starting its container: %w\n%s", c.name, err, c.logs(ctx, c.ContainerName()))
			}
		}
	}
	return nil
}

// becomesRunning waits a while for the container to run.
func (c *Container) becomesRunning(ctx context.Context) bool {
	for deadline := time.Now().Add(startTimeout); time.Now().Before(deadline); {
		if state, err := c.State(ctx); err == nil && state == "running" {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(500 * time.Millisecond):
		}
	}
	return false
}

func isConflict(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "Conflict") || strings.Contains(err.Error(), "is already in use"))
}

// create makes the container as buildx does: privileged, the state
// volume at /var/lib/buildkit, the image's buildkitd with the builder's
// flags; a buildkitd.toml travels in its environment and is written to
// the state volume when it starts, so the image needs no /etc/buildkit
// and the container is complete once created. An engine that cannot
// grant every capability (a nested or rootless one) refuses a privileged
// container; then, unless the builder refuses it, it gets what BuildKit's
// runc needs instead (SYS_ADMIN, no seccomp or AppArmor profile, the
// host's cgroups), and xbake says so.
func (c *Container) create(ctx context.Context, st settings) error {
	flags, err := shlex.Split(c.opts.BuildkitdFlags)
	if err != nil {
		return fmt.Errorf("builder %q: buildkitd-flags: %w", c.name, err)
	}
	if _, err := c.docker(ctx, "image", "inspect", "--format", "{{.Id}}", st.Image); err != nil {
		if _, err := c.docker(ctx, "pull", st.Image); err != nil {
			return fmt.Errorf("builder %q: the image %s is not on the engine and cannot be pulled: %w; set image = \"...\" in the builder block to one the engine has", c.name, st.Image, err)
		}
	}
	volume, fresh := c.replacePrevious(ctx, st)
	if fresh {
		// A failed create must not leave a volume behind.
		defer func() {
			if err != nil && !isConflict(err) {
				c.docker(context.WithoutCancel(ctx), "volume", "rm", volume)
			}
		}()
	}
	settingsJSON, _ := json.Marshal(st)
	common := []string{"--name", c.ContainerName(), "--label", labelBuilder + "=" + c.name, "--label", labelConfig + "=" + st.digest(),
		"--label", labelSettings + "=" + string(settingsJSON), "--label", labelProject + "=" + c.project, "--label", labelVolume + "=" + volume,
		"--mount", "type=volume,source=" + volume + ",target=/var/lib/buildkit"}
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
	image := []string{st.Image}
	if st.Config != "" {
		common = append(common, "--env", "XBAKE_BUILDKITD_TOML="+st.Config, "--entrypoint", "/bin/sh")
		image = append(image, "-c", `printf '%s\n' "$XBAKE_BUILDKITD_TOML" > /var/lib/buildkit/xbake-buildkitd.toml && exec buildkitd --config /var/lib/buildkit/xbake-buildkitd.toml "$@"`, "buildkitd")
	}
	run := func(isolation ...string) error {
		create := append(append(append([]string{"create"}, isolation...), common...), image...)
		if _, err := c.docker(ctx, append(create, args...)...); err != nil {
			return err
		}
		if _, err := c.docker(ctx, "start", c.ContainerName()); err != nil {
			c.docker(ctx, "rm", "--force", c.ContainerName())
			return err
		}
		return nil
	}
	err = run("--privileged")
	if err != nil && refusedPrivileges(err) {
		if c.opts.NoIsolationFallback {
			return fmt.Errorf("builder %q: the Docker engine at %s refuses a privileged container (%v), and the builder sets isolation-fallback = false. Run it on an engine that grants --privileged, or remove that line to accept a container with SYS_ADMIN, no seccomp or AppArmor profile and the host's cgroups", c.name, c.engine, err)
		}
		common = append(common, "--label", labelIsolation+"=reduced")
		err = run("--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
			"--mount", "type=bind,source=/sys/fs/cgroup,target=/sys/fs/cgroup")
		if err == nil {
			Notice(ctx, "builder %s: the Docker engine at %s refused a privileged container, so BuildKit's container runs with less isolation than buildx asks for: "+
				"SYS_ADMIN, no seccomp or AppArmor profile, and the host's cgroups read-write. Set isolation-fallback = false in the builder block to refuse this.", c.name, c.engine)
		}
	}
	if err != nil {
		if isConflict(err) {
			return err
		}
		return fmt.Errorf("builder %q: creating its container: %w", c.name, err)
	}
	return nil
}

// refusedPrivileges reports whether the engine could not grant a
// privileged container: runc fails to apply its capabilities (a nested
// engine, a rootless one).
func refusedPrivileges(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "apply caps") || strings.Contains(msg, "applying capabilities") || strings.Contains(msg, "privileged mode is incompatible")
}

// previous is a container of this builder and project with another
// configuration.
type previous struct {
	name, state, volume string
	settings            settings
}

// replacePrevious removes the idle containers this builder of this
// project had with another configuration, and says what changed. It
// returns the volume the new container keeps its state in: the previous
// one's when the image is the same (the cache stays), else a fresh one.
func (c *Container) replacePrevious(ctx context.Context, st settings) (volume string, fresh bool) {
	volume = c.Volume()
	// A volume that is there already (kept by builders rm --keep-state)
	// is not this create's to remove if it fails.
	_, err := c.docker(ctx, "volume", "inspect", "--format", "{{.Name}}", volume)
	fresh = err != nil
	if c.project == "" {
		return volume, fresh
	}
	for _, p := range c.previousConfigs(ctx, st) {
		if p.state == "running" && c.busy(ctx, p.name) {
			Notice(ctx, "builder %s: its configuration changed (%s); a container with the previous one, %s, is building for another run and stays: `xbake builders prune` removes it once idle",
				c.name, strings.Join(changed(p.settings, st), ", "), p.name)
			continue
		}
		c.docker(ctx, "rm", "--force", p.name)
		keep := fresh && p.settings.Image == st.Image && p.volume != ""
		cache := "its cache starts empty: the image changed"
		if keep {
			volume, fresh, cache = p.volume, false, "keeping its cache"
		} else if p.volume != "" {
			c.docker(ctx, "volume", "rm", p.volume)
		}
		Notice(ctx, "builder %s: its configuration changed (%s); recreating its container as %s (%s)", c.name, strings.Join(changed(p.settings, st), ", "), c.ContainerName(), cache)
	}
	return volume, fresh
}

// previousConfigs lists this builder's containers of this project whose
// configuration is not st.
func (c *Container) previousConfigs(ctx context.Context, st settings) []previous {
	out, err := c.docker(ctx, "container", "ls", "--all", "--filter", "label="+labelBuilder+"="+c.name, "--filter", "label="+labelProject+"="+c.project,
		"--format", "{{.Names}}\t{{.State}}\t{{.Label \""+labelVolume+"\"}}\t{{.Label \""+labelConfig+"\"}}\t{{.Label \""+labelSettings+"\"}}")
	if err != nil {
		return nil
	}
	var list []previous
	for _, line := range strings.Split(out, "\n") {
		f := strings.SplitN(line, "\t", 5)
		if len(f) < 5 || f[3] == st.digest() {
			continue
		}
		p := previous{name: f[0], state: f[1], volume: f[2]}
		json.Unmarshal([]byte(f[4]), &p.settings)
		list = append(list, p)
	}
	return list
}

// changed names the settings that differ.
func changed(old, cur settings) []string {
	var out []string
	if old.Image != cur.Image {
		out = append(out, "image "+old.Image+" to "+cur.Image)
	}
	if old.Flags != cur.Flags {
		out = append(out, "buildkitd-flags")
	}
	if old.Network != cur.Network {
		out = append(out, "network")
	}
	if !maps.Equal(old.Env, cur.Env) {
		out = append(out, "env")
	}
	if old.Config != cur.Config {
		out = append(out, "buildkitd-config")
	}
	if old.NoFallback != cur.NoFallback {
		out = append(out, "isolation-fallback")
	}
	if len(out) == 0 {
		out = append(out, "settings")
	}
	return out
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
			logs := c.logs(context.WithoutCancel(ctx), c.ContainerName())
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

// busy reports whether the daemon in container name is building (or
// cannot be asked): a container with an earlier configuration is
// replaced only when no run uses it.
func (c *Container) busy(ctx context.Context, name string) bool {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cl, err := c.connectTo(ctx, name)
	if err != nil {
		return true
	}
	defer cl.Close()
	running, inUse := busy(ctx, cl)
	return running > 0 || inUse > 0
}

// connect dials buildkitd through docker exec and checks it answers.
func (c *Container) connect(ctx context.Context) (*client.Client, error) {
	return c.connectTo(ctx, c.ContainerName())
}

func (c *Container) connectTo(ctx context.Context, name string) (*client.Client, error) {
	dial := func(context.Context, string) (net.Conn, error) {
		// The connection outlives the dial: not the dial's context.
		return commandconn.New(context.Background(), "docker", c.engine.Args("exec", "-i", name, "buildctl", "dial-stdio")...)
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
	return c.removeContainer(ctx, c.ContainerName(), keepState)
}

// removeContainer removes one of xbake's containers on the builder's
// engine and, unless keepState, the volume its label names.
func (c *Container) removeContainer(ctx context.Context, name string, keepState bool) error {
	volume, err := c.docker(ctx, "container", "inspect", "--format", "{{index .Config.Labels \""+labelVolume+"\"}}", name)
	if err != nil {
		if strings.Contains(err.Error(), "No such") {
			return nil
		}
		return err
	}
	if _, err := c.docker(ctx, "rm", "--force", name); err != nil {
		return err
	}
	if volume == "" { // a container of an xbake before the label
		volume = name + "_state"
	}
	if keepState {
		return nil
	}
	if out, err := c.docker(ctx, "volume", "ls", "--quiet", "--filter", "name=^"+volume+"$"); err != nil || out == "" {
		return err
	}
	_, err = c.docker(ctx, "volume", "rm", volume)
	return err
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
