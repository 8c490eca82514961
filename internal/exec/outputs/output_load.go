package outputs

// Loading into Docker: the docker exporter piped into docker load.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/moby/buildkit/client"

	"github.com/xbake/xbake/internal/builder"
)

// loadOutput is a docker tarball piped into `docker load`. A load cannot
// be taken back, so commit applies it after every other output.
type loadOutput struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	output *bytes.Buffer // docker load's own messages, kept off the display
}

// prepareLoad pipes a docker tarball into `docker load`. Without a Docker
// engine that fails before anything is built.
func (o *Set) prepareLoad(attrs map[string]string, engine string) error {
	if err := DockerAnswers(engine); err != nil {
		return err
	}
	cmd := exec.Command("docker", append(hostFlag(engine), "load")...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	// docker load draws a progress bar and prints "Loaded image"; both
	// would break into the progress display, so they are kept and the
	// summary says what was loaded.
	l := &loadOutput{cmd: cmd, stdin: stdin, output: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = l.output, l.output
	if err := cmd.Start(); err != nil {
		return err
	}
	o.Exports = append(o.Exports, client.ExportEntry{Type: client.ExporterDocker, Attrs: attrs,
		Output: func(map[string]string) (io.WriteCloser, error) { return stdin, nil }})
	o.staged = append(o.staged, l)
	o.Described = append(o.Described, "docker load")
	return nil
}

func (l *loadOutput) check() error { return nil }

func (l *loadOutput) apply() error {
	l.stdin.Close()
	if err := l.cmd.Wait(); err != nil {
		return fmt.Errorf("docker load: %w: %s", err, strings.TrimSpace(l.output.String()))
	}
	return nil
}

func (l *loadOutput) undo()   {}
func (l *loadOutput) finish() {}

func (l *loadOutput) discard() {
	l.stdin.Close()
	if l.cmd.ProcessState == nil {
		l.cmd.Process.Kill()
		l.cmd.Wait()
	}
}

// ErrNoDocker is returned for --load and docker outputs without dest when
// no Docker engine answers.
var ErrNoDocker = errors.New("loading into Docker needs a Docker engine, and none answers here (docker info failed). " +
	"Write the image to a file instead (output type=docker,dest=app.tar, then docker load -i app.tar elsewhere), or push it with --push")

// DockerAnswers checks that the Docker engine at engine (a unix:// or
// tcp:// address; empty for $DOCKER_HOST, else the default socket)
// answers.
func DockerAnswers(engine string) error {
	if _, err := exec.LookPath("docker"); err != nil {
		return ErrNoDocker
	}
	if err := exec.Command("docker", append(hostFlag(engine), "info", "--format", "{{.ID}}")...).Run(); err != nil {
		if engine != "" {
			return fmt.Errorf("loading into Docker needs the engine at %s, which does not answer (docker info failed); start it, or write the image to a file instead (output type=docker,dest=app.tar)", engine)
		}
		return ErrNoDocker
	}
	return nil
}

// hostFlag names the engine on the docker command line, when one is
// named.
func hostFlag(engine string) []string {
	if engine == "" {
		return nil
	}
	return []string{"--host", engine}
}

// prepareEngineImage stores the image in the Docker engine that builds
// it (the docker driver): its BuildKit's "moby" exporter, no docker load.
func (o *Set) prepareEngineImage(names []string, attrs map[string]string) error {
	if attrs["name"] == "" && len(names) > 0 {
		attrs["name"] = strings.Join(names, ",")
	}
	o.Exports = append(o.Exports, client.ExportEntry{Type: "moby", Attrs: attrs})
	o.Described = append(o.Described, "docker image "+attrs["name"])
	return nil
}

// EngineStoresMultiPlatform asks the Docker engine whether it keeps
// images in the containerd image store, which holds several platforms
// per image (then a multi-platform --load is allowed, as buildx allows
// it). An engine that does not answer does not.
func EngineStoresMultiPlatform() bool {
	out, err := exec.Command("docker", "info", "--format", "{{json .DriverStatus}}").Output()
	return err == nil && builder.UsesContainerdStore(out)
}
