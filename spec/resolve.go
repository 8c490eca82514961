package spec

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// resolveAll resolves every declared target, in declaration order.
func (l *loader) resolveAll() {
	for _, name := range l.spec.TargetNames {
		if t := l.resolveTarget(name); t != nil {
			l.spec.Targets[name] = t
		}
	}
}

// step is an entry of the resolution stack, used to report cycles.
type step struct {
	name string
}

// resolveTarget merges a target's blocks, inherits its parents and applies
// --set overrides. It returns nil when the target is part of a cycle.
func (l *loader) resolveTarget(name string) *Target {
	if t, ok := l.resolved[name]; ok {
		return t
	}
	l.stack = append(l.stack, step{name: name})
	defer func() { l.stack = l.stack[:len(l.stack)-1] }()
	decl := l.targetDecls[name]
	defaultContext := String{Value: decl.parts[0].blk.file.ctxDir, Range: decl.declRange}
	single := len(decl.parts) == 1
	own := l.decodePart(name, decl.parts[0], single)
	for _, part := range decl.parts[1:] {
		mergeTarget(own, l.decodePart(name, part, false))
	}
	for _, part := range decl.parts {
		if p := part.blk.file.path; p != "" {
			own.Files = append(own.Files, p)
		}
	}
	// The syntax of a resolved target is not needed again; dropping it
	// lets a large spec's syntax tree be freed as resolution proceeds.
	decl.parts = nil
	t := &Target{Name: name, DeclRange: decl.declRange}
	for _, p := range own.Inherits {
		if parent := l.lookupTarget(p.Value, p.Range, "inherits"); parent != nil {
			mergeTarget(t, parent)
		}
	}
	mergeTarget(t, own)
	t.Inherits = own.Inherits
	l.applyOverrides(t)
	l.sourceDateEpoch(t)
	normalize(t)
	if t.Context == nil { // bake's ".", relative to the declaring file
		t.Context, t.contextDefaulted = &defaultContext, true
	}
	l.resolved[name] = t
	return t
}

// sourceDateEpoch gives a target that sets no SOURCE_DATE_EPOCH build
// arg the environment's, as bake does: the reproducible-builds
// convention BuildKit's frontend reads for its timestamps.
func (l *loader) sourceDateEpoch(t *Target) {
	v, ok := l.lookupEnv("SOURCE_DATE_EPOCH")
	if !ok {
		return
	}
	if _, set := t.Args["SOURCE_DATE_EPOCH"]; set {
		return
	}
	if t.Args == nil {
		t.Args = map[string]String{}
	}
	t.Args["SOURCE_DATE_EPOCH"] = String{Value: v}
}

// lookupTarget resolves a target named by inherits or a target.NAME
// reference, reporting unknown names and cycles at rng.
func (l *loader) lookupTarget(name string, rng hcl.Range, via string) *Target {
	if _, ok := l.targetDecls[name]; !ok {
		detail := fmt.Sprintf("There is no target named %q.", name)
		if g, isGroup := l.spec.Groups[name]; isGroup && g.FromMatrix {
			detail = fmt.Sprintf("%q is a matrix, which makes a group of targets; name one of them (%s).", name, cyclePath(Values(g.Targets)))
		} else {
			detail += didYouMean(name, l.spec.TargetNames)
		}
		l.diags = append(l.diags, unknownTarget(rng, "%s", detail))
		return nil
	}
	for i, s := range l.stack {
		if s.name != name {
			continue
		}
		names := []string{}
		for _, s := range l.stack[i:] {
			names = append(names, s.name)
		}
		names = append(names, name)
		summary, what := "Reference cycle", "refers to"
		if via == "inherits" {
			summary, what = "Inherits cycle", "inherits from"
		}
		l.diags = append(l.diags, errorf(rng, summary,
			"Target %q %s itself through %s. Remove one link of the cycle.", name, what, cyclePath(names)))
		return nil
	}
	return l.resolveTarget(name)
}

// evalTargetExpr evaluates an expression of a target block: the file's
// context, the matrix values, and the targets it names as target.NAME.
func (l *loader) evalTargetExpr(attr *hcl.Attribute, part *targetPart) (cty.Value, hcl.Diagnostics) {
	expr := attr.Expr
	ctx := l.ctxFor(part.blk.file).NewChild()
	ctx.Variables = map[string]cty.Value{}
	for k, v := range part.matrixVars {
		ctx.Variables[k] = v
	}
	var diags hcl.Diagnostics
	refs := map[string]map[string]cty.Value{} // target -> attribute -> declared value
	var travs []hcl.Traversal
	if l.keepDeclared { // else no file writes target.NAME: spare the walk
		travs = expr.Variables()
	}
	for _, trav := range travs {
		if trav.RootName() != "target" {
			continue
		}
		name, ok := traversalTargetName(trav)
		if !ok {
			diags = append(diags, errorf(trav.SourceRange(), "Invalid target reference",
				"Refer to another target's attribute as target.NAME.ATTRIBUTE, for example target.base.tags."))
			continue
		}
		if _, known := l.targetDecls[name]; !known {
			l.lookupTarget(name, trav.SourceRange(), "reference") // reports it
			continue
		}
		if refs[name] == nil {
			refs[name] = map[string]cty.Value{"name": cty.StringVal(name)}
		}
		for _, attr := range referencedAttrs(trav) {
			if _, done := refs[name][attr]; !done {
				refs[name][attr] = l.declaredAttr(name, attr, trav.SourceRange())
			}
		}
	}
	if len(refs) > 0 {
		objs := map[string]cty.Value{}
		for name, attrs := range refs {
			objs[name] = cty.ObjectVal(attrs)
		}
		ctx.Variables["target"] = cty.ObjectVal(objs)
	}
	val, more := l.eval(expr, ctx, &attr.Range)
	return val, append(diags, more...)
}

// referencedAttrs lists the attributes a target.NAME... traversal reads:
// the one it names, or all of them for target.NAME alone.
func referencedAttrs(t hcl.Traversal) []string {
	if len(t) > 2 {
		if a, ok := t[2].(hcl.TraverseAttr); ok {
			return []string{a.Name}
		}
	}
	return TargetAttributes()
}

// declaredAttr is a target's attribute as its own blocks declare it,
// which is what target.NAME.ATTR gives in bake: not inherited, not
// overridden, null when not declared. Attributes are evaluated one by
// one, so two targets may refer to different attributes of each other
// without a cycle; an attribute that refers back to itself is one.
func (l *loader) declaredAttr(name, attr string, rng hcl.Range) cty.Value {
	key := name + "\x00" + attr
	if v, ok := l.declared[key]; ok {
		return v
	}
	if i := slices.Index(l.attrStack, key); i >= 0 {
		var path []string
		for _, k := range append(l.attrStack[i:], key) {
			t, a, _ := strings.Cut(k, "\x00")
			path = append(path, "target."+t+"."+a)
		}
		l.diags = append(l.diags, errorf(rng, "Reference cycle",
			"The attribute %q of target %q refers to itself through %s. Remove one link of the cycle.", attr, name, cyclePath(path)))
		return cty.DynamicVal
	}
	if _, known := targetAttrs[attr]; !known {
		return cty.NullVal(cty.DynamicPseudoType) // HCL reports the unknown attribute
	}
	l.attrStack = append(l.attrStack, key)
	defer func() { l.attrStack = l.attrStack[:len(l.attrStack)-1] }()
	v := cty.NullVal(cty.DynamicPseudoType)
	for _, part := range l.targetDecls[name].parts {
		if a, ok := part.content.Attributes[attr]; ok {
			val, diags := l.evalTargetExpr(a, part)
			l.diags = append(l.diags, diags...)
			v = val
		}
	}
	l.declared[key] = v
	return v
}

func traversalTargetName(t hcl.Traversal) (string, bool) {
	if len(t) < 2 {
		return "", false
	}
	switch s := t[1].(type) {
	case hcl.TraverseAttr:
		return s.Name, true
	case hcl.TraverseIndex:
		if s.Key.Type() == cty.String && s.Key.IsKnown() && !s.Key.IsNull() {
			return s.Key.AsString(), true
		}
	}
	return "", false
}

// refersToTargets reports whether any spec file may refer to a target's
// attributes: only then are declared values kept after resolution.
func (l *loader) refersToTargets() bool {
	for _, f := range l.spec.Sources {
		if bytes.Contains(f.Bytes, []byte("target.")) || bytes.Contains(f.Bytes, []byte("target[")) {
			return true
		}
	}
	return false
}
