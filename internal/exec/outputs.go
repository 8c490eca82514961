package exec

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"syscall"

	"github.com/moby/buildkit/client"

	"github.com/xbake/xbake/internal/plan"
)

// outputs are a build's exports, prepared so that every file or directory
// is written under a temporary name and moved into place only after the
// build succeeded: a failed or interrupted run never leaves a
// half-written output that looks complete, and a target's outputs appear
// all together or not at all.
type outputs struct {
	exports   []client.ExportEntry
	staged    []stagedOutput // moved into place by commit, in order
	described []string       // for the summary
	pending   []pendingTag   // tags to create after an atomic push
}

// stagedOutput is one output written aside during the build.
type stagedOutput interface {
	check() error // finds what would make apply fail, before anything moves
	apply() error // moves the output into place; on error, leaves nothing moved
	undo()        // takes back a successful apply
	finish()      // forgets what undo would need
	discard()     // removes the temporaries of an output never applied
}

var (
	_ stagedOutput = (*dirOutput)(nil)
	_ stagedOutput = (*fileOutput)(nil)
	_ stagedOutput = (*loadOutput)(nil)
)

// cleanup removes every temporary; after a successful commit there are
// none left.
func (o *outputs) cleanup() {
	for _, s := range o.staged {
		s.discard()
	}
	o.staged = nil
}

// commit moves every output into place, or none: all are checked first,
// and if one fails to move, those already moved are taken back.
func (o *outputs) commit() error {
	for _, s := range o.staged {
		if err := s.check(); err != nil {
			return err
		}
	}
	for i, s := range o.staged {
		if err := s.apply(); err != nil {
			for j := i - 1; j >= 0; j-- {
				o.staged[j].undo()
			}
			return err
		}
	}
	for _, s := range o.staged {
		s.finish()
	}
	o.staged = nil
	return nil
}

// writeErr explains a failed build by the output it failed to write, if
// that is what happened (a full disk, above all): an archive records its
// write errors, a directory is named in the error of the receiver.
func (o *outputs) writeErr(buildErr error) error {
	for _, s := range o.staged {
		switch s := s.(type) {
		case *fileOutput:
			if err := s.w.writeErr(); err != nil {
				return outputErr(s.kind, s.shown, err)
			}
		case *dirOutput:
			if diskFull(s.stage.path) {
				return outputErr(s.kind, s.shown, syscall.ENOSPC)
			}
			if strings.Contains(buildErr.Error(), s.stage.path) {
				return outputErr(s.kind, s.shown, buildErr)
			}
		}
	}
	return buildErr
}

// diskFull reports whether the file system holding path has no room
// left: the receiver of a directory output sometimes fails with a bare
// EOF, and the temporary still fills the disk when the build is over.
func diskFull(path string) bool {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return false
	}
	return st.Bavail*uint64(st.Bsize) < 64<<10
}

// outputErr names the output an error happened to, and says plainly when
// the disk is full.
func outputErr(kind, dest string, err error) error {
	if errors.Is(err, syscall.ENOSPC) || strings.Contains(err.Error(), "no space left on device") {
		return fmt.Errorf("output %s %s: the disk is full (no space left on device); free space there or choose another dest. Nothing was written", kind, dest)
	}
	return fmt.Errorf("output %s %s: %w", kind, dest, err)
}

// prepareOutputs prepares a target's exports. byDigest pushes images by
// digest whatever the push mode: the part of a build split over nodes
// gets its tags only on the index that joins the parts. toEngine is set
// on a Docker engine's BuildKit, which stores images itself.
func (r *runner) prepareOutputs(j *job, byDigest, toEngine bool) (*outputs, error) {
	o := &outputs{}
	for _, e := range j.node.Outputs {
		if err := r.prepareOutput(o, j, e, byDigest, toEngine); err != nil {
			o.cleanup()
			return nil, err
		}
	}
	// A load cannot be taken back: it goes last.
	slices.SortStableFunc(o.staged, func(a, b stagedOutput) int {
		_, la := a.(*loadOutput)
		_, lb := b.(*loadOutput)
		return cmpBool(la, lb)
	})
	return o, nil
}

func (r *runner) prepareOutput(o *outputs, j *job, e plan.Output, byDigest, toEngine bool) error {
	attrs := maps.Clone(e.Attrs)
	addAnnotations(attrs, j.node.Program.Annotations)
	switch e.Type {
	case "cacheonly":
		o.described = append(o.described, "cache only")
		return nil
	case "image", "registry":
		if toEngine && !e.Pushes() {
			return o.prepareEngineImage(e.Names, attrs)
		}
		return r.prepareImage(o, j, e, attrs, byDigest)
	case "local":
		return o.prepareDir(r, client.ExporterLocal, nil, e.Dest)
	case "oci", "docker", "tar":
		if attrs["name"] == "" && len(e.Names) > 0 {
			attrs["name"] = strings.Join(e.Names, ",")
		}
		if e.Loads() {
			if toEngine {
				return o.prepareEngineImage(e.Names, attrs)
			}
			return o.prepareLoad(attrs)
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
func addAnnotations(attrs map[string]string, annotations []string) {
	for _, a := range annotations {
		kv, val, ok := strings.Cut(a, "=")
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

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// show renders a path relative to the working directory.
func (r *runner) show(path string) string { return plan.ShowPath(path, r.opts.Cwd) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
