package spec

import (
	"maps"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/graph"
)

var groupSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "targets"}, {Name: "description"}},
}

// declareGroups decodes group blocks; a group declared again (in the
// same file or a later one) is replaced by the later declaration, as in
// bake.
func (l *loader) declareGroups() {
	for _, b := range l.decls.groups {
		name := b.Labels[0]
		if !l.checkName(name, b.LabelRanges[0], "group") {
			continue
		}
		content, diags := b.Body.Content(groupSchema)
		l.diags = append(l.diags, diags...)
		g := &Group{Name: name, DeclRange: b.LabelRanges[0], included: b.file.included}
		if a, ok := content.Attributes["description"]; ok {
			g.Description = l.literalString(a)
		}
		if a, ok := content.Attributes["targets"]; ok {
			val, diags := l.eval(a.Expr, l.ctxFor(b.file), &a.Range)
			l.diags = append(l.diags, diags...)
			if !diags.HasErrors() && val.IsWhollyKnown() && !val.IsNull() {
				av := &attrValue{attr: a, val: val, base: b.file.base()}
				g.Targets = av.list()
				l.diags = append(l.diags, av.diags...)
			}
		}
		l.addGroup(g)
	}
}

func (l *loader) addGroup(g *Group) {
	prev, ok := l.spec.Groups[g.Name]
	if !ok {
		l.spec.Groups[g.Name] = g
		return
	}
	if prev.included || g.included {
		l.diags = append(l.diags, errorf(g.DeclRange, "Duplicate group",
			"A group named %q is already declared at %s. Names must be unique across included files; rename one of them.", g.Name, at(prev.DeclRange)))
		return
	}
	// In a bake file a group block and a matrix target block of the same
	// name are both kept, as bake keeps them: the name selects the group
	// block's targets, whichever comes first; the matrix's targets are
	// still there by their own names.
	if prev.FromMatrix != g.FromMatrix {
		explicit := g
		if g.FromMatrix {
			explicit = prev
		}
		if l.bakeFiles[explicit.DeclRange.Filename] {
			l.spec.Groups[g.Name] = explicit
			return
		}
	}
	if prev.FromMatrix || g.FromMatrix {
		l.diags = append(l.diags, errorf(g.DeclRange, "Duplicate name",
			"%q is already the name of a matrix target at %s; rename one of them.", g.Name, at(prev.DeclRange)))
		return
	}
	// As in bake, a later declaration replaces the group (a compose
	// file's default group included): bake merges targets, not groups.
	l.spec.Groups[g.Name] = g
}

// checkGroups reports group members that name nothing, and group cycles.
func (l *loader) checkGroups() {
	for _, name := range slices.Sorted(maps.Keys(l.spec.Groups)) {
		g := l.spec.Groups[name]
		for _, m := range g.Targets {
			if l.isTarget(m.Value) || l.spec.Groups[m.Value] != nil {
				continue
			}
			if l.bakeFiles[g.DeclRange.Filename] {
				g.Unknown = append(g.Unknown, m)
				continue
			}
			l.diags = append(l.diags, unknownMember(name, m, l.allNames()))
		}
	}
	groups := slices.Sorted(maps.Keys(l.spec.Groups))
	members := func(name string) []String {
		var out []String
		for _, m := range l.spec.Groups[name].Targets {
			if l.spec.Groups[m.Value] != nil {
				out = append(out, m)
			}
		}
		return out
	}
	graph.Cycles(groups, members, func(m String) string { return m.Value }, func(cycle []String) bool {
		closing := cycle[len(cycle)-1]
		if l.isTarget(closing.Value) {
			return true // group "app" { targets = ["app"] } names the target app, as in bake
		}
		names := []string{closing.Value}
		for _, m := range cycle {
			names = append(names, m.Value)
		}
		l.diags = append(l.diags, errorf(closing.Range, "Group cycle",
			"Group %q contains itself: %s. Remove one of these members.", closing.Value, cyclePath(names)))
		return true
	})
}

func (l *loader) isTarget(name string) bool {
	_, ok := l.targetDecls[name]
	return ok
}

// allNames lists every target and group name, for suggestions.
func unknownMember(group string, m String, names []string) *hcl.Diagnostic {
	return unknownTarget(m.Range, "Group %q lists %q, which is neither a target nor a group.%s", group, m.Value, didYouMean(m.Value, names))
}

func (l *loader) allNames() []string {
	names := append([]string{}, l.spec.TargetNames...)
	return append(names, slices.Sorted(maps.Keys(l.spec.Groups))...)
}
