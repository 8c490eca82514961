package spec

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// maxMatrix bounds the number of combinations of one matrix.
const maxMatrix = 10000

// maxMatrixTargets bounds the targets all matrices of a spec make together.
const maxMatrixTargets = 20000

// expandMatrix turns a target block with a matrix into one target per
// combination of its values, named by its name attribute; the block's own
// name becomes a group of them, as in bake.
func (l *loader) expandMatrix(b *block, content *hcl.BodyContent, m *hcl.Attribute) {
	label := b.Labels[0]
	nameAttr, named := content.Attributes["name"]
	val, diags := l.eval(m.Expr, l.ctxFor(b.file), &m.Range)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return
	}
	combos, ok := l.matrixCombinations(m, val)
	if !ok {
		return
	}
	if l.matrixTargets += len(combos); l.matrixTargets > maxMatrixTargets {
		l.diags = append(l.diags, errorf(m.Expr.Range(), "Too many targets",
			"With this matrix, the spec's matrices make more than %d targets in all; split the spec or narrow the matrices. See docs/limits.md.", maxMatrixTargets))
		return
	}
	if !named {
		// As in bake: without a name, the one combination there may be
		// keeps the target's own name.
		if len(combos) > 1 {
			l.diags = append(l.diags, errorf(m.NameRange, "Matrix without name",
				"The matrix of target %q makes %d combinations, but the target has no name attribute to tell them apart; add one using the matrix keys, for example name = \"%s-${item}\".", label, len(combos), label))
			return
		}
		l.addTargetPart(label, b.LabelRanges[0], &targetPart{blk: b, content: content, matrixVars: combos[0]})
		return
	}
	group := &Group{Name: label, DeclRange: b.LabelRanges[0], FromMatrix: true, Targets: []String{}}
	seen := map[string]bool{}
	for _, vars := range combos {
		ctx := l.ctxFor(b.file).NewChild()
		ctx.Variables = vars
		nv, diags := l.eval(nameAttr.Expr, ctx, &nameAttr.Range)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			return
		}
		name, err := convert.Convert(nv, cty.String)
		if err != nil || name.IsNull() || !name.IsKnown() {
			l.diags = append(l.diags, errorf(nameAttr.Expr.Range(), "Incorrect attribute value type", "The name of a matrix target must be a string."))
			return
		}
		n := name.AsString()
		if seen[n] {
			l.diags = append(l.diags, errorf(nameAttr.Expr.Range(), "Duplicate matrix name",
				"Two combinations of the matrix of %q are both named %q; use every matrix key in name.", label, n))
			return
		}
		seen[n] = true
		if !validName.MatchString(n) {
			l.diags = append(l.diags, errorf(nameAttr.Expr.Range(), "Invalid name",
				"The matrix makes the target name %q, which is not valid: use only letters, digits, \"_\" and \"-\" (replace() helps, e.g. replace(v, \".\", \"-\")).", n))
			return
		}
		l.addTargetPart(n, nameAttr.Expr.Range(), &targetPart{blk: b, content: content, matrixVars: vars})
		group.Targets = append(group.Targets, String{Value: n, Range: nameAttr.Expr.Range()})
	}
	l.addGroup(group)
}

// matrixCombinations returns every combination of the matrix values in
// the order bake lists them most often: the first key (in sorted order)
// varying fastest. (bake walks the matrix as a Go map, so its order
// varies from run to run; with keys inserted sorted, Go's small maps
// start with the first key seven times in eight.)
func (l *loader) matrixCombinations(m *hcl.Attribute, val cty.Value) ([]map[string]cty.Value, bool) {
	if !val.IsWhollyKnown() {
		// A value left unknown by an error already reported (a variable
		// the environment set to something of another shape): there is
		// nothing to expand, and nothing more to say.
		return nil, false
	}
	ty := val.Type()
	if val.IsNull() || !(ty.IsObjectType() || ty.IsMapType()) {
		l.diags = append(l.diags, errorf(m.Expr.Range(), "Invalid matrix",
			"A matrix maps names to lists of values, for example matrix = { tgt = [\"a\", \"b\"] }."))
		return nil, false
	}
	combos := []map[string]cty.Value{{}}
	keys := []string{}
	lists := map[string][]cty.Value{}
	for it := val.ElementIterator(); it.Next(); {
		k, v := it.Element()
		vt := v.Type()
		if v.IsNull() || !(vt.IsListType() || vt.IsTupleType() || vt.IsSetType()) || v.LengthInt() == 0 {
			l.diags = append(l.diags, errorf(m.Expr.Range(), "Invalid matrix",
				"The matrix value %q must be a non-empty list, such as [\"a\", \"b\"].", k.AsString()))
			return nil, false
		}
		keys = append(keys, k.AsString())
		for e := v.ElementIterator(); e.Next(); {
			_, ev := e.Element()
			lists[k.AsString()] = append(lists[k.AsString()], ev)
		}
	}
	total := 1
	for _, k := range keys {
		total *= len(lists[k])
		if total > maxMatrix {
			l.diags = append(l.diags, errorf(m.Expr.Range(), "Matrix too large",
				"This matrix makes more than %d targets; split it.", maxMatrix))
			return nil, false
		}
	}
	for _, k := range keys { // ElementIterator yields keys sorted
		var next []map[string]cty.Value
		for _, v := range lists[k] {
			for _, c := range combos {
				n := make(map[string]cty.Value, len(c)+1)
				for ck, cv := range c {
					n[ck] = cv
				}
				n[k] = v
				next = append(next, n)
			}
		}
		combos = next
	}
	return combos, true
}
