package exec

// Loading into Docker: the docker exporter piped into docker load.

import (
	"errors"
	"io"
	"os"
	"os/exec"

	"github.com/moby/buildkit/client"
)

// prepareLoad pipes a docker tarball into `docker load`. Without a Docker
// engine that fails before anything is built.
func (o *outputs) prepareLoad(attrs map[string]string) error {
	if err := dockerAnswers(); err != nil {
		return err
	}
	cmd := exec.Command("docker", "load")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	o.exports = append(o.exports, client.ExportEntry{Type: client.ExporterDocker, Attrs: attrs,
		Output: func(map[string]string) (io.WriteCloser, error) { return stdin, nil }})
	o.commits = append(o.commits, func() error { stdin.Close(); return cmd.Wait() })
	o.cleanups = append(o.cleanups, func() {
		stdin.Close()
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	o.described = append(o.described, "docker load")
	return nil
}

// ErrNoDocker is returned for --load and docker outputs without dest when
// no Docker engine answers.
var ErrNoDocker = errors.New("loading into Docker needs a Docker engine, and none answers here (docker info failed). " +
	"Write the image to a file instead (output type=docker,dest=app.tar, then docker load -i app.tar elsewhere), or push it with --push")

func dockerAnswers() error {
	if _, err := exec.LookPath("docker"); err != nil {
		return ErrNoDocker
	}
	if err := exec.Command("docker", "info", "--format", "{{.ID}}").Run(); err != nil {
		return ErrNoDocker
	}
	return nil
}
