package spec

import (
	"encoding/json"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/zclconf/go-cty/cty"
)

// Spec is a loaded, fully resolved spec.
type Spec struct {
	// Files are the spec files in load order.
	Files []string
	// FilePaths maps each file's name (as in diagnostics) to its absolute
	// path ("" for stdin).
	FilePaths map[string]string
	// BakeFiles are the files read as bake reads them (not xbake's own),
	// by name.
	BakeFiles map[string]bool
	// Root is the absolute directory of the first spec file (the working
	// directory for stdin): the top of the spec's directory tree.
	Root string
	// Reads says where the spec may read files: its trees and what
	// --allow fs.read grants.
	Reads Boundary
	// Sources holds every file read, for rendering diagnostics with
	// snippets. It is set even when loading failed.
	Sources map[string]*hcl.File

	Variables []*Variable // in declaration order
	Targets   map[string]*Target
	// TargetNames lists the targets in declaration order (matrix targets
	// in expansion order at the place of their block).
	TargetNames []string
	Groups      map[string]*Group
	Builders    map[string]*Builder
}

// String is a string value and where it was written.
type String struct {
	Value string
	Range hcl.Range
	// Written is a local path as the spec wrote it, before it was
	// resolved to Value; empty for anything else. --print shows it.
	Written string
}

// Bool is a boolean value and where it was written.
type Bool struct {
	Value bool
	Range hcl.Range
}

// Variable is a declared variable and the value it resolved to.
type Variable struct {
	Name        string
	Description string
	Type        cty.Type // cty.DynamicPseudoType when no type was declared
	DeclRange   hcl.Range
	Value       cty.Value
	// Source says where Value came from: "default", "env" or "--var".
	Source string
}

// Group is a named list of targets and groups.
type Group struct {
	Name        string
	Description string
	Targets     []String
	DeclRange   hcl.Range
	// FromMatrix is set for the group a matrix target's name becomes.
	FromMatrix bool
	// Unknown are members that name no target or group, in a group that
	// only bake files declare: as bake does, they are an error only when
	// the group is selected (Select reports them).
	Unknown  []String
	included bool // declared in an included file
}

// Target is a resolved target: its blocks merged across files, its parents
// inherited and --set overrides applied. Slices and maps are nil when the
// attribute was never set, and non-nil (maybe empty) when it was: merging
// distinguishes "not set" from "set to nothing", as bake does.
//
// Context is always set: a target that names none builds the directory
// of the file that declares it. Paths that are relative in the file (context, local named contexts,
// output and cache destinations, secret and ssh sources) are absolute here,
// resolved against the directory of the file that wrote them. Dockerfile
// stays relative to the context, as in bake.
type Target struct {
	Name      string
	DeclRange hcl.Range // the name label of the first block that declared it

	Description      *String
	Inherits         []String
	Context          *String
	Contexts         map[string]String
	Dockerfile       *String
	DockerfileInline *String
	Args             map[string]String
	Labels           map[string]String
	Annotations      []String
	Tags             []String
	Target           *String
	Platforms        []String
	Outputs          []Entry
	CacheFrom        []Entry
	CacheTo          []Entry
	Secrets          []Secret
	SSH              []SSH
	Attest           []Attest
	Pull             *Bool
	NoCache          *Bool
	Network          *String
	NoCacheFilter    []String
	ShmSize          *String
	Ulimits          []String
	Call             *String
	Entitlements     []String
	ExtraHosts       map[string]String
	// Resources limit the build's steps: memory, memory-swap,
	// cpu-shares, cpu-period, cpu-quota, cpuset-cpus, cpuset-mems.
	Resources map[string]String

	// xbake's own attributes.
	Builder   *String
	DependsOn []String

	// Files are the absolute paths of the spec files that declare the
	// target or a target it inherits from: a change to one of them may
	// change it.
	Files []string

	// contextDefaulted marks a Context that was never written, so that
	// targets inheriting from this one use their own default instead.
	contextDefaulted bool
}

// Entry is one output, cache-from or cache-to entry: a type, an optional
// destination (outputs only) and the remaining key=value attributes.
type Entry struct {
	Type  string
	Dest  string
	Attrs map[string]string
	Range hcl.Range
	// Written holds local paths (dest, src) as the spec wrote them,
	// before they were resolved, for --print.
	Written map[string]string
}

// Secret is one build secret, read from a file or an environment variable.
// Its value is never read here.
type Secret struct {
	ID  string
	Src string // absolute path
	// SrcWritten is Src as the spec wrote it, for --print.
	SrcWritten string
	Env        string
	Range      hcl.Range
}

// SSH is one SSH agent socket or key set forwarded into the build.
type SSH struct {
	ID    string
	Paths []string // absolute paths
	// PathsWritten are the paths as the spec wrote them, for --print.
	PathsWritten []string
	Range        hcl.Range
}

// Attest is one attestation request (provenance, sbom).
type Attest struct {
	Type     string
	Disabled bool
	Attrs    map[string]string
	Range    hcl.Range
}

// Values returns the plain strings of a positioned list.
func Values(list []String) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.Value
	}
	return out
}

// TypeName renders a variable's declared type, "" when none was declared.
func TypeName(t cty.Type) string {
	if t == cty.DynamicPseudoType {
		return ""
	}
	return typeexpr.TypeString(t)
}

// ValueJSON renders a value as JSON; unknown values (after an error) are
// null.
func ValueJSON(v cty.Value) json.RawMessage {
	if !v.IsWhollyKnown() {
		return json.RawMessage("null")
	}
	s, err := ctyJSON(v)
	if err != nil {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}
