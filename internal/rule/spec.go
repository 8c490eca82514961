package rule

import "strings"

// The IDs of the loader's findings: what is wrong with the spec itself,
// before any plan. A diagnostic that no rule raised gets one of these
// from its summary (ForSummary), so every finding has a stable ID, in
// plan --format json, the report and --ignore.
const (
	Syntax           ID = "syntax"            // the file does not parse
	UnknownAttribute ID = "unknown-attribute" // an attribute or block the format does not have
	InvalidValue     ID = "invalid-value"     // a value of the wrong type or form
	UnknownName      ID = "unknown-name"      // a variable, function or reference that does not exist
	Duplicate        ID = "duplicate"         // a name declared twice
	ReferenceCycle   ID = "reference-cycle"   // values or groups defined by each other
	Limit            ID = "limit"             // a spec larger or deeper than xbake reads
	Include          ID = "include"           // an include that cannot be read
	SpecError        ID = "spec"              // any other mistake in the spec
	AffectedUnknown  ID = "affected-unknown"  // --affected cannot find the merge base
)

// Spec lists the loader's IDs, in the order docs/rules.md presents them.
var Spec = []ID{Syntax, UnknownAttribute, InvalidValue, UnknownName, Duplicate, ReferenceCycle, Limit, Include, SpecError, AffectedUnknown}

// bySummary maps the summaries the loaders write (and HCL's own) to IDs.
var bySummary = map[string]ID{
	"Unsupported argument": UnknownAttribute, "Unsupported block type": UnknownAttribute,
	"Unexpected value":               UnknownAttribute,
	"Incorrect attribute value type": InvalidValue, "Invalid value for variable": InvalidValue,
	"Invalid value": InvalidValue, "Invalid name": InvalidValue, "Invalid parameter name": InvalidValue,
	"Invalid matrix": InvalidValue, "Invalid resource": InvalidValue, "Invalid pattern": InvalidValue,
	"Invalid endpoint": InvalidValue, "Invalid Docker endpoint": InvalidValue, "Invalid --set": InvalidValue,
	"Invalid validation condition": InvalidValue, "Error in function call": InvalidValue,
	"Invalid function argument": InvalidValue, "Unsuitable value type": InvalidValue,
	"Invalid template interpolation value": InvalidValue, "Missing required argument": InvalidValue,
	"Name without matrix": InvalidValue, "Matrix without name": InvalidValue,
	"Remote builder without endpoint": InvalidValue, "Endpoint on a local builder": InvalidValue,
	"Unknown builder driver": InvalidValue, "Two default builders": InvalidValue, "Function without params": InvalidValue,
	"Target links to itself": InvalidValue, "Invalid target reference": UnknownName,
	"Unknown variable": UnknownName, "Call to unknown function": UnknownName, "Unsupported attribute": UnknownName,
	"Variables not allowed": UnknownName, "Function calls not allowed": UnknownName,
	"Duplicate key": Duplicate, "Duplicate variable": Duplicate, "Duplicate target": Duplicate,
	"Duplicate node": Duplicate, "Duplicate name": Duplicate, "Duplicate matrix name": Duplicate,
	"Duplicate group": Duplicate, "Duplicate function": Duplicate, "Duplicate builder": Duplicate,
	"Function name taken": Duplicate, "Duplicate argument": Duplicate,
	"Reference cycle": ReferenceCycle, "Group cycle": ReferenceCycle,
	"Too many targets": Limit, "Nesting too deep": Limit, "Matrix too large": Limit, "Document too large": Limit,
	"Value too large": Limit, "Line too long": Limit,
	"Missing include": Include, "Invalid include": Include, "Include outside the tree": Include,
	"Include matches nothing": Include, "Cannot read spec file": Include,
	"Invalid YAML": Syntax, "Invalid document": Syntax,
}

// ForSummary is the ID of a finding no rule raised, from its summary:
// HCL's parse errors ("Invalid expression", "Argument or block
// definition required", "Unclosed configuration block", ...) are syntax.
func ForSummary(summary string) ID {
	if id, ok := bySummary[summary]; ok {
		return id
	}
	lower := strings.ToLower(summary)
	for _, word := range []string{"invalid", "missing", "unclosed", "unterminated", "unexpected", "required", "bad ", "extraneous"} {
		if strings.Contains(lower, word) {
			return Syntax
		}
	}
	return SpecError
}

// Known reports whether id names a rule or a loader finding.
func Known(id ID) bool {
	for _, list := range [][]ID{All, Spec} {
		for _, k := range list {
			if k == id {
				return true
			}
		}
	}
	return false
}
