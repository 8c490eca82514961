package plandiff

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/inputs"
	"github.com/xbake/xbake/internal/plan"
	"github.com/xbake/xbake/spec"
)

// Side is one version of the spec, planned.
type Side struct {
	Spec *spec.Spec
	Plan *plan.Plan
	// Cwd is the directory the side was planned in: paths are shown
	// relative to it (for the old side, a copy of the tree at the base).
	Cwd string
	// LoadErrors are set when the spec did not load; Spec and Plan are
	// then nil.
	LoadErrors hcl.Diagnostics
}

// Diff is what changes between two versions of a spec, per target.
type Diff struct {
	Version int    `json:"version"`
	Ref     string `json:"ref"`
	Base    string `json:"base"` // the commit compared with
	// OldErrors: the spec did not load at the base; every target of the
	// new spec then counts as added.
	OldErrors []string     `json:"errors_at_base,omitempty"`
	Targets   []TargetDiff `json:"targets"`
	Groups    GroupDiff    `json:"groups"`
	Unchanged int          `json:"unchanged"`
}

// TargetDiff is one target that is added, removed or changed.
type TargetDiff struct {
	Name   string `json:"name"`
	Change string `json:"change"` // added, removed, changed
	// Rebuilt: its inputs differ, so a run builds it (an added target
	// always builds).
	Rebuilt    bool         `json:"rebuilt"`
	Position   string       `json:"position,omitempty"` // where it is declared (at the base for a removed one)
	Attributes []AttrChange `json:"attributes,omitempty"`
	// Files are its changed input files (Dockerfile, context files its
	// ignore file keeps, the ignore file, spec files read with file()),
	// relative to the working directory.
	Files []string `json:"files,omitempty"`
	// Parents are the targets it builds on (target: contexts,
	// depends_on) that are rebuilt.
	Parents    []string      `json:"parents,omitempty"`
	BaseImages []ImageChange `json:"base_images,omitempty"`
	// Tags and Outputs are what a run changes: its image names and its
	// outputs, when it is rebuilt.
	Tags    []string `json:"tags,omitempty"`
	Outputs []string `json:"outputs,omitempty"`
}

// AttrChange is one attribute's old and new value (nil: not set).
type AttrChange struct {
	Name        string `json:"name"`
	Old         any    `json:"old"`
	New         any    `json:"new"`
	Position    string `json:"position,omitempty"`     // FILE:LINE of the new value
	OldPosition string `json:"old_position,omitempty"` // FILE:LINE of the old one, at the base
}

// ImageChange is a base image reference that changed ("" where there is
// none on that side).
type ImageChange struct {
	Old string `json:"old"`
	New string `json:"new"`
}

// GroupDiff lists the groups added, removed, or whose members changed.
type GroupDiff struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Changed []string `json:"changed"`
}

// Changed reports whether anything would change.
func (d *Diff) Changed() bool {
	return len(d.Targets) > 0 || len(d.Groups.Added)+len(d.Groups.Removed)+len(d.Groups.Changed) > 0
}

// Compute compares the old side (the spec at the base) with the new one.
// changed are the absolute paths (in the new tree) of the files that
// differ between the base and the working tree.
func Compute(old, cur Side, changed []string) *Diff {
	d := &Diff{Version: 1, Groups: GroupDiff{Added: []string{}, Removed: []string{}, Changed: []string{}}, Targets: []TargetDiff{}}
	for _, e := range old.LoadErrors {
		if e.Severity == hcl.DiagError {
			d.OldErrors = append(d.OldErrors, position(e.Subject, old.Cwd)+": "+e.Summary+": "+e.Detail)
		}
	}
	oldNodes := map[string]*plan.Node{}
	if old.Plan != nil {
		for _, n := range old.Plan.Nodes {
			oldNodes[n.Name] = n
		}
	}
	rebuilt := map[string]bool{}
	for _, n := range cur.Plan.Nodes { // in level order: parents first
		o := oldNodes[n.Name]
		if o == nil {
			rebuilt[n.Name] = true
			d.Targets = append(d.Targets, TargetDiff{Name: n.Name, Change: "added", Rebuilt: true, Position: position(&n.Target.DeclRange, cur.Cwd),
				Tags: n.Images(), Outputs: outputsOf(n, cur.Cwd)})
			continue
		}
		td := compareTarget(o, n, old.Cwd, cur.Cwd, changed, rebuilt)
		if td == nil {
			d.Unchanged++
			continue
		}
		rebuilt[n.Name] = td.Rebuilt
		d.Targets = append(d.Targets, *td)
	}
	if old.Plan != nil {
		for _, o := range old.Plan.Nodes {
			if cur.Plan.Node(o.Name) == nil {
				d.Targets = append(d.Targets, TargetDiff{Name: o.Name, Change: "removed", Position: position(&o.Target.DeclRange, old.Cwd)})
			}
		}
	}
	if old.Spec != nil {
		d.Groups = compareGroups(old.Spec, cur.Spec)
	}
	return d
}

// compareTarget is the change of a target in both versions, or nil.
func compareTarget(o, n *plan.Node, oldCwd, cwd string, changed []string, rebuilt map[string]bool) *TargetDiff {
	td := &TargetDiff{Name: n.Name, Change: "changed", Position: position(&n.Target.DeclRange, cwd)}
	td.Rebuilt = o.InputDigest == "" || n.InputDigest == "" || o.InputDigest != n.InputDigest
	oldFields, newFields := o.Target.Fields(oldCwd), n.Target.Fields(cwd)
	for _, key := range slices.Sorted(maps.Keys(union(oldFields, newFields))) {
		if reflect.DeepEqual(oldFields[key], newFields[key]) {
			continue
		}
		ac := AttrChange{Name: key, Old: oldFields[key], New: newFields[key]}
		if r, ok := n.Target.AttrRange(key); ok {
			ac.Position = position(&r, cwd)
		}
		if r, ok := o.Target.AttrRange(key); ok {
			ac.OldPosition = position(&r, oldCwd)
		}
		td.Attributes = append(td.Attributes, ac)
	}
	if td.Rebuilt {
		dockerfile, _ := plan.DockerfilePath(n.Target)
		for _, f := range inputs.ChangedInputs(n.Target, dockerfile, changed) {
			td.Files = append(td.Files, relative(f, cwd))
		}
		for _, e := range n.Needs {
			if rebuilt[e.To.Name] && !slices.Contains(td.Parents, e.To.Name) {
				td.Parents = append(td.Parents, e.To.Name)
			}
		}
		td.BaseImages = imageChanges(o.RemoteInputs, n.RemoteInputs)
		td.Tags, td.Outputs = n.Images(), outputsOf(n, cwd)
	}
	if !td.Rebuilt && len(td.Attributes) == 0 {
		return nil
	}
	return td
}

// imageChanges pairs the base images only one side names.
func imageChanges(old, cur []inputs.Remote) []ImageChange {
	images := func(list []inputs.Remote) []string {
		var out []string
		for _, r := range list {
			if r.Kind == inputs.RemoteImage {
				out = append(out, r.Ref)
			}
		}
		return out
	}
	was, now := images(old), images(cur)
	gone := slices.DeleteFunc(slices.Clone(was), func(r string) bool { return slices.Contains(now, r) })
	added := slices.DeleteFunc(slices.Clone(now), func(r string) bool { return slices.Contains(was, r) })
	var out []ImageChange
	for i := range max(len(gone), len(added)) {
		var c ImageChange
		if i < len(gone) {
			c.Old = gone[i]
		}
		if i < len(added) {
			c.New = added[i]
		}
		out = append(out, c)
	}
	return out
}

func compareGroups(old, cur *spec.Spec) GroupDiff {
	g := GroupDiff{Added: []string{}, Removed: []string{}, Changed: []string{}}
	for _, name := range slices.Sorted(maps.Keys(cur.Groups)) {
		o, ok := old.Groups[name]
		switch {
		case !ok:
			g.Added = append(g.Added, name)
		case !slices.Equal(members(o), members(cur.Groups[name])):
			g.Changed = append(g.Changed, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(old.Groups)) {
		if _, ok := cur.Groups[name]; !ok {
			g.Removed = append(g.Removed, name)
		}
	}
	return g
}

func members(g *spec.Group) []string { return spec.Values(g.Targets) }

func outputsOf(n *plan.Node, cwd string) []string {
	var out []string
	for _, o := range n.Outputs {
		fields := o.Fields(cwd)
		text := o.Type
		for _, k := range []string{"dest", "name", "push"} {
			if v, ok := fields[k]; ok {
				text += " " + k + "=" + v
			}
		}
		out = append(out, text)
	}
	return out
}

func union(a, b map[string]any) map[string]any {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}

// position is FILE:LINE, the file relative to cwd.
func position(r *hcl.Range, cwd string) string {
	if r == nil || r.Filename == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d", relative(r.Filename, cwd), r.Start.Line)
}

func relative(path, cwd string) string {
	if !filepath.IsAbs(path) {
		return path
	}
	if rel, err := filepath.Rel(cwd, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

// valueText shows an attribute value compactly, as JSON.
func valueText(v any) string {
	if v == nil {
		return "(not set)"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
