package exec

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/client"

	"github.com/xbake/xbake/spec"
)

// outputs are a build's exports, prepared so that every file or directory
// is written under a temporary name and renamed into place only after
// the build succeeded: a failed or interrupted run never leaves a
// half-written output that looks complete.
type outputs struct {
	exports   []client.ExportEntry
	commits   []func() error // renames, run after success
	cleanups  []func()       // removes temporaries, run always
	described []string       // for the summary
	pending   []pendingTag   // tags to create after an atomic push
}

func (o *outputs) cleanup() {
	for _, f := range o.cleanups {
		f()
	}
}

func (o *outputs) commit() error {
	for _, f := range o.commits {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// pendingTag is a tag to create once every target has built: the image
// was pushed by digest to repo.
type pendingTag struct {
	target string
	repo   string // repository, without tag
	tag    string // the full reference to create
}

// prepareOutputs prepares a target's exports. byDigest pushes images by
// digest whatever the push mode: the part of a build split over nodes
// gets its tags only on the index that joins the parts.
func (r *runner) prepareOutputs(j *job, byDigest bool) (*outputs, error) {
	o := &outputs{}
	for _, e := range j.node.Outputs {
		if err := r.prepareOutput(o, j, e, byDigest); err != nil {
			o.cleanup()
			return nil, err
		}
	}
	return o, nil
}

func (r *runner) prepareOutput(o *outputs, j *job, e spec.Entry, byDigest bool) error {
	t := j.node.Target
	attrs := map[string]string{}
	for k, v := range e.Attrs {
		attrs[k] = v
	}
	addAnnotations(attrs, t)
	switch e.Type {
	case "cacheonly":
		o.described = append(o.described, "cache only")
		return nil
	case "image", "registry":
		return r.prepareImage(o, j, attrs, e.Type == "registry", byDigest)
	case "local":
		return o.prepareDir(r, e.Dest)
	case "oci", "docker", "tar":
		if attrs["name"] == "" && e.Type != "tar" && len(t.Tags) > 0 {
			attrs["name"] = strings.Join(spec.Values(t.Tags), ",")
		}
		if e.Dest == "" && e.Type == "docker" {
			return o.prepareLoad(attrs)
		}
		if e.Dest == "" {
			return fmt.Errorf("the %s output needs a dest (a file, or - for stdout)", e.Type)
		}
		return o.prepareFile(r, e.Type, attrs, e.Dest, r.opts.Stdout)
	}
	return fmt.Errorf("unknown output type %q", e.Type)
}

// prepareImage pushes by digest in atomic mode and remembers the tags.
func (r *runner) prepareImage(o *outputs, j *job, attrs map[string]string, registry, byDigest bool) error {
	t := j.node.Target
	names := spec.Values(t.Tags)
	if n := attrs["name"]; n != "" {
		names = strings.Split(n, ",")
	}
	push := registry || attrs["push"] == "true"
	if push {
		recordAnnotations(attrs, j.node.InputDigest, names, makesIndex(t, j.platforms) && !byDigest)
	}
	if !push || (r.opts.PushMode == PushEager && !byDigest) {
		if push {
			attrs["push"] = "true"
		}
		if len(names) > 0 {
			attrs["name"] = strings.Join(names, ",")
		}
		o.exports = append(o.exports, client.ExportEntry{Type: client.ExporterImage, Attrs: attrs})
		o.described = append(o.described, describeImage(names, push))
		return nil
	}
	var repos []string
	for _, n := range names {
		named, err := reference.ParseNormalizedNamed(n)
		if err != nil {
			return fmt.Errorf("image name %q: %w", n, err)
		}
		repo := named.Name()
		if !contains(repos, repo) {
			repos = append(repos, repo)
		}
		o.pending = append(o.pending, pendingTag{target: t.Name, repo: repo, tag: reference.TagNameOnly(named).String()})
	}
	attrs["name"] = strings.Join(repos, ",")
	attrs["push"] = "true"
	attrs["push-by-digest"] = "true"
	o.exports = append(o.exports, client.ExportEntry{Type: client.ExporterImage, Attrs: attrs})
	o.described = append(o.described, describeImage(names, true))
	return nil
}

func describeImage(names []string, push bool) string {
	verb := "image"
	if push {
		verb = "push"
	}
	if len(names) == 0 {
		return verb
	}
	return verb + " " + strings.Join(names, ", ")
}

// prepareDir writes a local output into a temporary directory beside
// dest and swaps it into place afterwards.
func (o *outputs) prepareDir(r *runner, dest string) error {
	parent := filepath.Dir(dest)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dest)+".xbake-")
	if err != nil {
		return err
	}
	o.exports = append(o.exports, client.ExportEntry{Type: client.ExporterLocal, OutputDir: tmp})
	o.cleanups = append(o.cleanups, func() { os.RemoveAll(tmp) })
	o.commits = append(o.commits, func() error { return replaceDir(tmp, dest) })
	o.described = append(o.described, "local "+r.show(dest))
	return nil
}

// replaceDir moves tmp to dest, removing what dest held before.
func replaceDir(tmp, dest string) error {
	old := ""
	if _, err := os.Lstat(dest); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dest, old); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dest); err != nil {
		if old != "" {
			os.Rename(old, dest)
		}
		return err
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

// prepareFile writes a tarball (oci, docker, tar) to a temporary file
// beside dest, or to stdout for "-".
func (o *outputs) prepareFile(r *runner, typ string, attrs map[string]string, dest string, stdout io.Writer) error {
	if dest == "-" {
		if stdout == nil {
			stdout = os.Stdout
		}
		o.exports = append(o.exports, client.ExportEntry{Type: typ, Attrs: attrs,
			Output: func(map[string]string) (io.WriteCloser, error) { return nopCloser{stdout}, nil }})
		o.described = append(o.described, typ+" to stdout")
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".xbake-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	o.exports = append(o.exports, client.ExportEntry{Type: typ, Attrs: attrs,
		Output: func(map[string]string) (io.WriteCloser, error) { return f, nil }})
	o.cleanups = append(o.cleanups, func() { f.Close(); os.Remove(tmp) })
	o.commits = append(o.commits, func() error {
		f.Close()
		if err := os.Chmod(tmp, 0o644); err != nil { // CreateTemp made it 0600
			return err
		}
		return os.Rename(tmp, dest)
	})
	o.described = append(o.described, typ+" "+r.show(dest))
	return nil
}

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

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// addAnnotations turns the target's annotations ("key=value",
// "index:key=value", "manifest[linux/amd64]:key=value") into exporter
// attributes.
func addAnnotations(attrs map[string]string, t *spec.Target) {
	for _, a := range t.Annotations {
		kv, val, ok := strings.Cut(a.Value, "=")
		if !ok {
			continue
		}
		types, key, typed := strings.Cut(kv, ":")
		if !typed {
			attrs["annotation."+kv] = val
			continue
		}
		for _, typ := range strings.Split(types, ",") {
			attrs["annotation-"+typ+"."+key] = val
		}
	}
}

// show renders a path relative to the working directory.
func (r *runner) show(path string) string { return spec.ShowPath(path, r.opts.Cwd) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
