package exec

import (
	"fmt"
	"strings"

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
		return o.prepareDir(r, client.ExporterLocal, nil, e.Dest)
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
		if attrs["tar"] == "false" && e.Type != "tar" { // an OCI layout directory
			return o.prepareDir(r, e.Type, attrs, e.Dest)
		}
		return o.prepareFile(r, e.Type, attrs, e.Dest, r.opts.Stdout)
	}
	return fmt.Errorf("unknown output type %q", e.Type)
}

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
