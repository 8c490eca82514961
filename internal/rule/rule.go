package rule

import "github.com/hashicorp/hcl/v2"

// ID is a rule's stable name.
type ID string

// The rules. Keep docs/rules.md in step with this list.
const (
	MultiPlatformLoad   ID = "multi-platform-load"
	NoOutput            ID = "no-output"
	PushWithoutName     ID = "push-without-name"
	InvalidPlatform     ID = "invalid-platform"
	InvalidReference    ID = "invalid-reference"
	UnknownTarget       ID = "unknown-target"
	UnknownBuilder      ID = "unknown-builder"
	LinkPlatform        ID = "link-platform"
	UnsupportedPlatform ID = "unsupported-platform"
	MissingContext      ID = "missing-context"
	MissingDockerfile   ID = "missing-dockerfile"
	OutputConflict      ID = "output-conflict"
	DuplicateTag        ID = "duplicate-tag"
	EntitlementDenied   ID = "entitlement-not-allowed"
	OutputOutsideTree   ID = "output-outside-tree"
	ReadOutsideTree     ID = "read-outside-tree"
	MissingSecret       ID = "missing-secret"
	DependencyCycle     ID = "dependency-cycle"
	InvalidOutput       ID = "invalid-output"
	BuilderCannot       ID = "builder-cannot"
	UnusedBuilder       ID = "unused-builder"
	LinkSplit           ID = "link-split"
)

// All lists every rule, in the order docs/rules.md presents them.
var All = []ID{
	MultiPlatformLoad, NoOutput, PushWithoutName, InvalidPlatform, InvalidReference,
	UnknownTarget, UnknownBuilder, LinkPlatform, UnsupportedPlatform, MissingContext,
	MissingDockerfile, OutputConflict, DuplicateTag, EntitlementDenied, OutputOutsideTree, ReadOutsideTree,
	MissingSecret, DependencyCycle, InvalidOutput, BuilderCannot, UnusedBuilder, LinkSplit,
}

// Extra is the Extra of a diagnostic raised by a rule.
type Extra struct{ Rule ID }

// Tag marks d as raised by rule id and returns it.
func Tag(id ID, d *hcl.Diagnostic) *hcl.Diagnostic {
	d.Extra = Extra{Rule: id}
	return d
}

// Of returns the rule that raised d, or "" for a plain spec error.
func Of(d *hcl.Diagnostic) ID {
	if e, ok := d.Extra.(Extra); ok {
		return e.Rule
	}
	return ""
}
