package schema

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"gopkg.in/yaml.v3"

	suggestpkg "github.com/xbake/xbake/internal/suggest"
)

// Document is the schema itself, as published.
//
//go:embed xbuild.schema.json
var Document []byte

// URL is the schema's $id.
const URL = "https://xbake.dev/schema/xbuild.schema.json"

var (
	compileOnce sync.Once
	compiled    *jsonschema.Schema
	rawSchema   map[string]any // for looking up property names to suggest
)

func load() *jsonschema.Schema {
	compileOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(Document)))
		if err != nil {
			panic(fmt.Sprintf("embedded schema is not JSON: %v", err)) // a build defect, caught by tests
		}
		rawSchema, _ = doc.(map[string]any)
		c := jsonschema.NewCompiler()
		if err := c.AddResource(URL, doc); err != nil {
			panic(fmt.Sprintf("embedded schema: %v", err))
		}
		compiled = c.MustCompile(URL)
	})
	return compiled
}

// Violation is the Extra of every diagnostic Validate returns: the JSON
// path of the value that broke the schema.
type Violation struct {
	Path []string
	// Extent spans the offending node and everything inside it: what a
	// decoder says about the same values is a consequence of this.
	Extent hcl.Range
}

// Validate checks a YAML document against the schema and returns one
// diagnostic per violation, at the offending node. rangeOf turns a node
// into a source range.
func Validate(root *yaml.Node, rangeOf func(*yaml.Node) hcl.Range) hcl.Diagnostics {
	sch := load()
	inst := toJSON(root, 0)
	err := sch.Validate(inst)
	if err == nil {
		return nil
	}
	verr, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid document", Detail: err.Error()}}
	}
	var diags hcl.Diagnostics
	for _, leaf := range leaves(verr) {
		diags = append(diags, toDiagnostic(root, leaf, rangeOf))
	}
	return dedupe(diags)
}

// leaves returns the innermost errors, which name the actual problem. A
// value that may also be a template ("${...}") fails both branches; the
// template's says nothing the other does not (its message says a
// template would do), so it is left out.
func leaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	causes := e.Causes
	if _, ok := e.ErrorKind.(*kind.AnyOf); ok && len(causes) > 1 {
		causes = slices.DeleteFunc(slices.Clone(causes), func(c *jsonschema.ValidationError) bool {
			for _, l := range leaves(c) {
				if !strings.Contains(l.SchemaURL, "/$defs/template") {
					return false
				}
			}
			return true
		})
	}
	var out []*jsonschema.ValidationError
	for _, c := range causes {
		out = append(out, leaves(c)...)
	}
	return out
}

// orTemplate is said of a value that a template may also give.
const orTemplate = ` (or a "${...}" template that gives one)`

var printer = message.NewPrinter(language.English)

func toDiagnostic(root *yaml.Node, e *jsonschema.ValidationError, rangeOf func(*yaml.Node) hcl.Range) *hcl.Diagnostic {
	node, key := lookup(root, e.InstanceLocation)
	where := "the document"
	if len(e.InstanceLocation) > 0 {
		where = strconv.Quote(strings.Join(e.InstanceLocation, "."))
	}
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value", Extra: Violation{Path: e.InstanceLocation}}
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		name := k.Properties[0]
		d.Summary = "Unsupported argument"
		d.Detail = fmt.Sprintf("The key %q is not expected in %s.", name, where)
		if s := suggest(name, allowedKeys(e)); s != "" {
			d.Detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		if kn := keyNode(node, name); kn != nil {
			node = kn
		}
	case *kind.Required:
		d.Summary = "Missing required argument"
		d.Detail = fmt.Sprintf("%s needs %s.", upperFirst(where), quoteAll(k.Missing))
		if key != nil {
			node = key
		}
	case *kind.Type:
		d.Summary = "Incorrect value type"
		var want []string
		for _, w := range k.Want {
			want = append(want, yamlWord(w))
		}
		d.Detail = fmt.Sprintf("%s must be %s%s, not %s.", upperFirst(where), strings.Join(want, " or "), templateToo(e), yamlWord(k.Got))
	case *kind.Enum:
		var names []string
		for _, w := range k.Want {
			names = append(names, fmt.Sprint(w))
		}
		d.Detail = fmt.Sprintf("%s must be one of %s, not %q.", upperFirst(where), quoteAll(names), fmt.Sprint(k.Got))
		if s := suggest(fmt.Sprint(k.Got), names); s != "" {
			d.Detail += fmt.Sprintf(" Did you mean %q?", s)
		}
	default:
		d.Detail = fmt.Sprintf("%s: %s.", upperFirst(where), e.ErrorKind.LocalizedString(printer))
	}
	if node != nil {
		d.Subject = rangeOf(node).Ptr()
		d.Extra = Violation{Path: e.InstanceLocation, Extent: extent(node, rangeOf)}
	}
	return d
}

// templateToo says "or a template" where the schema lets a template
// stand for the value (the error came from one branch of such an anyOf).
func templateToo(e *jsonschema.ValidationError) string {
	for _, def := range []string{"/$defs/strings/", "/$defs/stringMap/", "/$defs/bool/", "/$defs/entries/"} {
		if strings.Contains(e.SchemaURL, def) {
			return orTemplate
		}
	}
	return ""
}

// extent spans n and its descendants (aliases are not followed).
func extent(n *yaml.Node, rangeOf func(*yaml.Node) hcl.Range) hcl.Range {
	r := rangeOf(n)
	for _, c := range n.Content {
		if cr := extent(c, rangeOf); cr.End.Byte > r.End.Byte {
			r.End = cr.End
		}
	}
	return r
}

// lookup follows a JSON pointer through the YAML tree; it returns the node
// and, for a mapping value, the key node that names it.
func lookup(n *yaml.Node, path []string) (node, key *yaml.Node) {
	node = n
	if node.Kind == yaml.DocumentNode && len(node.Content) > 0 {
		node = node.Content[0]
	}
	for _, p := range path {
		node = alias(node)
		switch node.Kind {
		case yaml.MappingNode:
			found := false
			for i := 0; i+1 < len(node.Content); i += 2 {
				if node.Content[i].Value == p {
					key, node, found = node.Content[i], node.Content[i+1], true
					break
				}
			}
			if !found {
				return node, key
			}
		case yaml.SequenceNode:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(node.Content) {
				return node, key
			}
			key, node = nil, node.Content[i]
		default:
			return node, key
		}
	}
	return node, key
}

func keyNode(n *yaml.Node, name string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == name {
			return n.Content[i]
		}
	}
	return nil
}

// allowedKeys reads the "properties" next to the failing
// additionalProperties keyword, for a "did you mean".
func allowedKeys(e *jsonschema.ValidationError) []string {
	_, frag, _ := strings.Cut(e.SchemaURL, "#")
	var cur any = rawSchema
	for _, p := range strings.Split(strings.Trim(frag, "/"), "/") {
		if p == "" {
			continue
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")]
	}
	m, _ := cur.(map[string]any)
	props, _ := m["properties"].(map[string]any)
	var names []string
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func suggest(given string, names []string) string { return suggestpkg.Closest(given, names) }

// yamlWord names a JSON type the way a YAML author thinks of it.
func yamlWord(jsonType string) string {
	switch jsonType {
	case "object":
		return "a mapping"
	case "array":
		return "a list"
	case "null":
		return "empty"
	case "string":
		return "a string"
	case "integer":
		return "a whole number"
	case "number":
		return "a number"
	case "boolean":
		return "true or false"
	}
	return jsonType
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

func upperFirst(s string) string {
	if s == "the document" {
		return "The document"
	}
	return s
}

func dedupe(diags hcl.Diagnostics) hcl.Diagnostics {
	seen := map[string]bool{}
	var out hcl.Diagnostics
	for _, d := range diags {
		k := d.Summary + d.Detail
		if d.Subject != nil {
			k += d.Subject.String()
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, d)
		}
	}
	return out
}

func alias(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 16; i++ {
		n = n.Alias
	}
	return n
}

// toJSON turns a YAML node into the values a JSON decoder would produce.
func toJSON(n *yaml.Node, depth int) any {
	if depth > 64 {
		return nil
	}
	n = alias(n)
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return toJSON(n.Content[0], depth)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = toJSON(n.Content[i+1], depth+1)
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			s[i] = toJSON(c, depth+1)
		}
		return s
	}
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int", "!!float":
		var f float64
		if n.Decode(&f) == nil {
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		}
	}
	return n.Value
}

// ReportDocument is the schema of the JSON report `xbake run --report
// FILE.json` writes (internal/report).
//
//go:embed report.schema.json
var ReportDocument []byte

// ReportURL is the report schema's $id.
const ReportURL = "https://xbake.dev/schema/report.schema.json"

// DiffDocument is the schema of `xbake plan --diff --format json`
// (docs/plan-json.md).
//
//go:embed plan-diff.schema.json
var DiffDocument []byte

// DiffURL is the diff schema's $id.
const DiffURL = "https://xbake.dev/schema/plan-diff.schema.json"
