package plan

// The tree's boundaries, as bake's fs.read and fs.write entitlements: a
// build reads local files only inside the spec's trees (the working
// directory and the directories of the spec files named on the command
// line) and writes only inside the spec's directory, unless --allow
// grants more. Paths are compared after their symbolic links are
// resolved, so a link in the tree that points outside is no way out.

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/rule"
	"github.com/xbake/xbake/spec"
)

// localPath is a path on this machine that a build reads or writes, and
// where the spec names it.
type localPath struct {
	what string // "context", "secret \"npmrc\"", ...
	path string
	rng  hcl.Range
}

// localReads lists what a target's build reads from this machine.
func localReads(t *spec.Target) []localPath {
	var out []localPath
	local := spec.IsLocal(t.Context.Value)
	if local {
		out = append(out, localPath{"context", t.Context.Value, t.Context.Range})
	}
	// A Dockerfile inside a local context is covered by the context.
	if path, ok := DockerfilePath(t); ok && !(local && spec.Within(path, t.Context.Value)) {
		rng := t.Context.Range
		if t.Dockerfile != nil {
			rng = t.Dockerfile.Range
		}
		out = append(out, localPath{"Dockerfile", path, rng})
	}
	for _, k := range slices.Sorted(maps.Keys(t.Contexts)) {
		v := t.Contexts[k]
		path := v.Value
		if dir, ok := spec.OCILayoutDir(path); ok {
			path = dir
		} else if !spec.IsLocal(path) {
			continue
		}
		out = append(out, localPath{fmt.Sprintf("context %q", k), path, v.Range})
	}
	for _, s := range t.Secrets {
		if s.Src != "" {
			out = append(out, localPath{fmt.Sprintf("secret %q", s.ID), s.Src, s.Range})
		}
	}
	for _, s := range t.SSH {
		for _, p := range s.Paths {
			out = append(out, localPath{fmt.Sprintf("ssh %q", s.ID), p, s.Range})
		}
	}
	for _, e := range t.CacheFrom {
		if e.Type == "local" && e.Attrs["src"] != "" {
			out = append(out, localPath{"cache-from", e.Attrs["src"], e.Range})
		}
	}
	return out
}

// localWrites lists where a target's build writes on this machine.
func localWrites(n *Node) []localPath {
	var out []localPath
	for _, o := range n.Outputs {
		if o.WritesFile() {
			out = append(out, localPath{"output", o.Dest, o.Range})
		}
	}
	for _, e := range n.Target.CacheTo {
		if e.Type == "local" && e.Attrs["dest"] != "" {
			out = append(out, localPath{"cache-to", e.Attrs["dest"], e.Range})
		}
	}
	return out
}

// readBoundary is where the plan's builds may read.
func readBoundary(s *spec.Spec, a Allow) spec.Boundary {
	b := s.Reads
	b.Granted = append(slices.Clone(b.Granted), a.ReadPaths...)
	return b
}

// readsInside reports whether every local read of t is allowed.
func readsInside(t *spec.Target, b spec.Boundary) bool {
	for _, r := range localReads(t) {
		if !b.Allows(r.path) {
			return false
		}
	}
	return true
}

func (c *checker) readsOutsideTree(n *Node) {
	b := c.reads
	for _, r := range localReads(n.Target) {
		if b.Allows(r.path) {
			continue
		}
		where := spec.ResolvePath(r.path)
		c.errorf(rule.ReadOutsideTree, r.rng, "Read outside the tree",
			"The %s of target %q is %q, outside %s, and would be sent to the builder. Move it inside, or allow reading it with --allow fs.read=%s.",
			r.what, n.Name, where, strings.Join(b.Trees, " and "), where)
	}
}

func (c *checker) writesOutsideTree(n *Node) {
	tree := spec.Boundary{Trees: []string{c.spec.Root}, Granted: c.opts.Allow.WritePaths}
	for _, w := range localWrites(n) {
		if tree.Allows(w.path) {
			continue
		}
		where := spec.ResolvePath(w.path)
		via := ""
		if where != w.path {
			via = fmt.Sprintf(" (through a symbolic link, %q is really %q)", w.path, where)
		}
		c.errorf(rule.OutputOutsideTree, w.rng, "Output outside the spec's directory",
			"Target %q writes its %s to %q%s, outside %q where the spec lives. Write inside it, or allow this with --allow fs.write=%s.",
			n.Name, w.what, where, via, c.spec.Root, where)
	}
}
