package outputs

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"syscall"

	"github.com/moby/buildkit/client"

	"github.com/xbake/xbake/internal/plan"
)

// A Set holds a build's exports, prepared so that every file or directory
// is written under a temporary name and moved into place only after the
// build succeeded: a failed or interrupted run never leaves a
// half-written output that looks complete, and a target's outputs appear
// all together or not at all.
type Set struct {
	Exports   []client.ExportEntry // for BuildKit's SolveOpt
	Described []string             // for the summary
	Pending   []PendingTag         // tags to create after an atomic push
	staged    []stagedOutput       // moved into place by Commit, in order
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

// Cleanup removes every temporary; after a successful commit there are
// none left.
func (o *Set) Cleanup() {
	for _, s := range o.staged {
		s.discard()
	}
	o.staged = nil
}

// Commit moves every output into place, or none: all are checked first,
// and if one fails to move, those already moved are taken back.
func (o *Set) Commit() error {
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

// WriteErr explains a failed build by the output it failed to write, if
// that is what happened (a full disk, above all): an archive records its
// write errors, a directory is named in the error of the receiver.
func (o *Set) WriteErr(buildErr error) error {
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
	free, ok := freeBytes(path)
	return ok && free < 64<<10
}

// outputErr names the output an error happened to, and says plainly when
// the disk is full.
func outputErr(kind, dest string, err error) error {
	if errors.Is(err, syscall.ENOSPC) || strings.Contains(err.Error(), "no space left on device") {
		return fmt.Errorf("output %s %s: the disk is full (no space left on device); free space there or choose another dest. Nothing was written", kind, dest)
	}
	return fmt.Errorf("output %s %s: %w", kind, dest, err)
}

// Request says what to prepare the outputs of one build for.
type Request struct {
	Node *plan.Node
	// Platforms are those this build makes (a part of a split build
	// makes fewer than the node).
	Platforms []string
	// ByDigest pushes images by digest whatever the push mode: the part
	// of a build split over nodes gets its tags only on the index that
	// joins the parts.
	ByDigest bool
	// ToEngine is set on a Docker engine's BuildKit, which stores images
	// itself.
	ToEngine bool
	// Eager pushes with tags at once (--push-mode eager), as bake does.
	Eager bool
	// Record, when set, adds the attributes that record the build on a
	// pushed image; index says whether the image is an index.
	Record func(attrs map[string]string, index bool)
	// Cwd is where paths in messages are shown from; Stdout receives
	// outputs written to "-".
	Cwd    string
	Stdout io.Writer
}

func (req *Request) show(path string) string { return plan.ShowPath(path, req.Cwd) }

// Prepare prepares a build's exports. The caller runs the build with
// Set.Exports, then calls Commit on success and Cleanup in any case.
func Prepare(req Request) (*Set, error) {
	o := &Set{}
	for _, e := range req.Node.Outputs {
		if err := o.prepare(&req, e); err != nil {
			o.Cleanup()
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

func (o *Set) prepare(req *Request, e plan.Output) error {
	attrs := maps.Clone(e.Attrs)
	addAnnotations(attrs, req.Node.Program.Annotations)
	switch e.Type {
	case "cacheonly":
		o.Described = append(o.Described, "cache only")
		return nil
	case "image", "registry":
		if req.ToEngine && !e.Pushes() {
			return o.prepareEngineImage(e.Names, attrs)
		}
		return o.prepareImage(req, e, attrs)
	case "local":
		return o.prepareDir(req, client.ExporterLocal, nil, e.Dest)
	case "oci", "docker", "tar":
		if attrs["name"] == "" && len(e.Names) > 0 {
			attrs["name"] = strings.Join(e.Names, ",")
		}
		if e.Loads() {
			if req.ToEngine {
				return o.prepareEngineImage(e.Names, attrs)
			}
			return o.prepareLoad(attrs, req.Node.Engine)
		}
		if !e.Tar() && e.Type != "tar" { // an OCI layout directory
			return o.prepareDir(req, e.Type, attrs, e.Dest)
		}
		return o.prepareFile(req, e.Type, attrs, e.Dest)
	}
	return fmt.Errorf("unknown output type %q", e.Type)
}

// MakesIndex reports whether a build's image is an index: several
// platforms, or attestations attached.
func MakesIndex(pr plan.Program, platforms []string) bool {
	return len(platforms) > 1 || pr.Attested
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
