package yamlhcl

import (
	"fmt"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"gopkg.in/yaml.v3"

	"github.com/xbake/xbake/spec/nesting"
)

// maxNodes bounds how many expressions one document may expand to, so that
// a document of nested aliases ("billion laughs") fails instead of eating
// all memory.
const maxNodes = 1 << 20

// Expr is an hcl.Expression for one YAML node. Strings are HCL templates;
// sequences are tuples and mappings are objects, as in HCL's JSON syntax.
type Expr struct {
	src   *source
	node  *yaml.Node
	rng   hcl.Range
	tmpl  hclsyntax.Expression // string scalars only
	diags hcl.Diagnostics      // errors found while parsing a template
	items []*Expr              // sequence elements
	keys  []*Expr              // mapping keys, parallel to items
}

var _ hcl.Expression = (*Expr)(nil)

func newExpr(src *source, n *yaml.Node) *Expr {
	n = resolveAlias(n)
	e := &Expr{src: src, node: n, rng: src.nodeRange(n)}
	src.nodes++
	if src.nodes > maxNodes {
		e.diags = hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Document too large",
			Detail:   "This document expands to more than a million values, probably through nested aliases. Write the values out or split the file.",
			Subject:  e.rng.Ptr(),
		}}
		return e
	}
	switch n.Kind {
	case yaml.SequenceNode:
		for _, item := range n.Content {
			e.items = append(e.items, newExpr(src, item))
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			e.keys = append(e.keys, newExpr(src, n.Content[i]))
			e.items = append(e.items, newExpr(src, n.Content[i+1]))
		}
	case yaml.ScalarNode:
		if !isTemplate(n) {
			break
		}
		if d := nesting.Check([]byte(n.Value), src.filename, true); d != nil {
			d.Subject = e.rng.Ptr()
			e.diags = hcl.Diagnostics{d}
			break
		}
		e.tmpl, e.diags = hclsyntax.ParseTemplate([]byte(n.Value), src.filename, templateStart(src, n))
	}
	return e
}

// isTemplate reports whether a scalar is a string, which xbake evaluates as
// an HCL template. Numbers, booleans and null keep their YAML meaning.
func isTemplate(n *yaml.Node) bool {
	switch n.Tag {
	case "!!int", "!!float", "!!bool", "!!null":
		return false
	}
	return true
}

func templateStart(src *source, n *yaml.Node) hcl.Pos {
	col := n.Column
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		col++
	}
	return src.pos(n.Line, col)
}

// Value implements hcl.Expression.
func (e *Expr) Value(ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	if e.diags.HasErrors() {
		return cty.DynamicVal, e.diags
	}
	switch e.node.Kind {
	case yaml.SequenceNode:
		vals, diags := e.itemValues(ctx)
		if len(vals) == 0 {
			return cty.EmptyTupleVal, diags
		}
		return cty.TupleVal(vals), diags
	case yaml.MappingNode:
		vals, diags := e.itemValues(ctx)
		attrs := make(map[string]cty.Value, len(vals))
		for i, v := range vals {
			attrs[e.keys[i].node.Value] = v
		}
		return cty.ObjectVal(attrs), diags
	case yaml.ScalarNode:
		return e.scalarValue(ctx)
	}
	return cty.NullVal(cty.DynamicPseudoType), nil
}

func (e *Expr) itemValues(ctx *hcl.EvalContext) ([]cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	vals := make([]cty.Value, 0, len(e.items))
	for _, item := range e.items {
		v, d := item.Value(ctx)
		diags = append(diags, d...)
		vals = append(vals, v)
	}
	return vals, diags
}

func (e *Expr) scalarValue(ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	n := e.node
	switch n.Tag {
	case "!!null":
		return cty.NullVal(cty.DynamicPseudoType), nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			v := cty.BoolVal(b)
			return v, e.retyped(v)
		}
	case "!!int", "!!float":
		if v, err := cty.ParseNumberVal(n.Value); err == nil {
			return v, e.retyped(v)
		}
		var f float64
		if err := n.Decode(&f); err == nil {
			v := cty.NumberFloatVal(f)
			return v, e.retyped(v)
		}
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			v := cty.NumberIntVal(i)
			return v, e.retyped(v)
		}
	default:
		return e.tmpl.Value(ctx)
	}
	return cty.StringVal(n.Value), nil
}

// retyped warns when YAML read an unquoted scalar as a number or a
// boolean whose text, where a string is expected (args, labels, tags),
// is not what was written: GO: 1.20 becomes "1.2", VERSION: 010 "10",
// ENABLED: True "true". Quoting keeps the text.
func (e *Expr) retyped(v cty.Value) hcl.Diagnostics {
	s, err := convert.Convert(v, cty.String)
	if err != nil || s.AsString() == e.node.Value {
		return nil
	}
	kind := "a number"
	if v.Type() == cty.Bool {
		kind = "a boolean"
	}
	r := e.src.nodeRange(e.node)
	return hcl.Diagnostics{{
		Severity: hcl.DiagWarning,
		Summary:  "Unquoted value changes its text",
		Detail: fmt.Sprintf("YAML reads %s as %s, so where a string is expected it becomes %q. Quote it (\"%s\") to keep the text as written.",
			e.node.Value, kind, s.AsString(), e.node.Value),
		Subject: &r,
	}}
}

// Variables implements hcl.Expression.
func (e *Expr) Variables() []hcl.Traversal {
	var out []hcl.Traversal
	for _, t := range e.Templates() {
		out = append(out, t.Variables()...)
	}
	return out
}

// Templates returns the parsed templates of every string below this node,
// so callers can walk their syntax (to find function calls, for example).
func (e *Expr) Templates() []hclsyntax.Expression {
	var out []hclsyntax.Expression
	if e.tmpl != nil {
		out = append(out, e.tmpl)
	}
	for _, k := range e.keys {
		out = append(out, k.Templates()...)
	}
	for _, item := range e.items {
		out = append(out, item.Templates()...)
	}
	return out
}

// Range implements hcl.Expression.
func (e *Expr) Range() hcl.Range { return e.rng }

// StartRange implements hcl.Expression.
func (e *Expr) StartRange() hcl.Range { return e.rng }

// ExprList lets hcl.ExprList see the elements of a sequence, each with its
// own range.
func (e *Expr) ExprList() []hcl.Expression {
	if e.node.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]hcl.Expression, len(e.items))
	for i, item := range e.items {
		out[i] = item
	}
	return out
}

// ExprMap lets hcl.ExprMap see the keys and values of a mapping.
func (e *Expr) ExprMap() []hcl.KeyValuePair {
	if e.node.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]hcl.KeyValuePair, len(e.items))
	for i, item := range e.items {
		key := &hclsyntax.LiteralValueExpr{Val: cty.StringVal(e.keys[i].node.Value), SrcRange: e.keys[i].rng}
		out[i] = hcl.KeyValuePair{Key: key, Value: item}
	}
	return out
}

// AsTraversal lets hcl.ExprAsKeyword and hcl.AbsTraversalForExpr read a
// bare string such as a function parameter name.
func (e *Expr) AsTraversal() hcl.Traversal {
	if e.node.Kind != yaml.ScalarNode || e.node.Tag != "!!str" {
		return nil
	}
	trav, diags := hclsyntax.ParseTraversalAbs([]byte(e.node.Value), e.src.filename, templateStart(e.src, e.node))
	if diags.HasErrors() {
		return nil
	}
	return trav
}

// StringValue returns the raw text of a string scalar, for callers that
// must parse it themselves (a variable's type, for example).
func (e *Expr) StringValue() (string, bool) {
	if e.node.Kind == yaml.ScalarNode && e.node.Tag == "!!str" {
		return e.node.Value, true
	}
	return "", false
}

// StartPos returns where the text of a string scalar begins.
func (e *Expr) StartPos() hcl.Pos { return templateStart(e.src, e.node) }
