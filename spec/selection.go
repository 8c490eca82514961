package spec

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/rule"
)

// Selection is what a command line asks for.
type Selection struct {
	// Names are the names as requested, globs expanded; "default" when
	// nothing was named and a default group exists.
	Names []string
	// Targets are the requested targets, groups expanded, in order.
	Targets []string
	// Groups are the groups met while expanding Names.
	Groups []string
	// All is set when nothing was named and there is no default group, so
	// every target is selected.
	All bool
}

// Select expands target and group names and glob patterns. With no names
// it selects the "default" group, or every target when there is none.
func (s *Spec) Select(names []string) (*Selection, hcl.Diagnostics) {
	sel := &Selection{}
	if len(names) == 0 {
		_, group := s.Groups["default"]
		_, target := s.Targets["default"]
		switch {
		case group || target:
			names = []string{"default"}
		case s.onlyBakeFiles():
			return sel, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No default target", Extra: rule.Extra{Rule: rule.UnknownTarget},
				Subject: &hcl.Range{Filename: s.Files[0], Start: hcl.InitialPos, End: hcl.InitialPos},
				Detail: fmt.Sprintf("No target names were given and the bake file has no group or target named \"default\", so bake builds nothing here. "+
					"Name the targets to build (%s), or add group \"default\" { targets = [...] }.", strings.Join(s.TargetNames, ", "))}}
		default: // xbake's own files: everything
			sel.All = true
			sel.Targets = append([]string{}, s.TargetNames...)
			return sel, nil
		}
	}
	var diags hcl.Diagnostics
	seenName := map[string]bool{}
	for _, n := range names {
		matched, d := s.matchName(n)
		diags = append(diags, d...)
		for _, m := range matched {
			if !seenName[m] {
				seenName[m] = true
				sel.Names = append(sel.Names, m)
			}
		}
	}
	seenTarget, seenGroup := map[string]bool{}, map[string]bool{}
	for _, n := range sel.Names {
		s.expand(n, sel, seenTarget, seenGroup)
	}
	for _, g := range sel.Groups {
		for _, m := range s.Groups[g].Unknown {
			diags = append(diags, unknownMember(g, m, s.names()))
		}
	}
	return sel, diags
}

func (s *Spec) matchName(n string) ([]string, hcl.Diagnostics) {
	if !strings.ContainsAny(n, "*?[") {
		if _, ok := s.Targets[n]; ok {
			return []string{n}, nil
		}
		if _, ok := s.Groups[n]; ok {
			return []string{n}, nil
		}
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unknown target", Extra: rule.Extra{Rule: rule.UnknownTarget},
			Detail: fmt.Sprintf("There is no target or group named %q.%s", n, didYouMean(n, s.names()))}}
	}
	var out []string
	for _, name := range s.names() {
		ok, err := path.Match(n, name)
		if err != nil {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid pattern",
				Detail: fmt.Sprintf("%q is not a valid glob pattern: %s.", n, err)}}
		}
		if ok {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unknown target", Extra: rule.Extra{Rule: rule.UnknownTarget},
			Detail: fmt.Sprintf("No target or group matches %q.", n)}}
	}
	sort.Strings(out)
	return out, nil
}

func (s *Spec) expand(name string, sel *Selection, seenTarget, seenGroup map[string]bool) {
	walkGroups(s.Groups, func(n string) bool { return s.Targets[n] != nil }, name, seenGroup,
		func(group string) { sel.Groups = append(sel.Groups, group) },
		func(target string) {
			if !seenTarget[target] {
				seenTarget[target] = true
				sel.Targets = append(sel.Targets, target)
			}
		})
}

// walkGroups expands a name as bake does, the one expansion every stage
// uses (the selection, --set on a group, depends_on on a group): a group
// gives its members in order, each nested group once; a name that is a
// group already being expanded, or no group, is the target of that name
// if there is one (group "app" { targets = ["app", "worker"] } names the
// target app). onGroup sees each group expanded, onTarget each target.
func walkGroups(groups map[string]*Group, isTarget func(string) bool, name string, seen map[string]bool, onGroup, onTarget func(string)) {
	if g, ok := groups[name]; ok && !seen[name] {
		seen[name] = true
		onGroup(name)
		for _, m := range g.Targets {
			walkGroups(groups, isTarget, m.Value, seen, onGroup, onTarget)
		}
		return
	}
	if isTarget(name) {
		onTarget(name)
	}
}

// names lists targets then groups.
func (s *Spec) names() []string {
	return append(append([]string{}, s.TargetNames...), slices.Sorted(maps.Keys(s.Groups))...)
}

// expandGroup lists the targets of a group, as the selection would,
// while the spec loads (its targets declared, not yet resolved).
func (l *loader) expandGroup(name string) []string {
	var out []string
	walkGroups(l.spec.Groups, l.isTarget, name, map[string]bool{}, func(string) {}, func(t string) { out = append(out, t) })
	return out
}

// Members expands a name to targets: a target is itself, a group its
// members, nested groups included (each group once). Every stage that
// follows depends_on or a selection through groups uses this.
func (s *Spec) Members(name string) []string {
	var out []string
	walkGroups(s.Groups, func(n string) bool { return s.Targets[n] != nil }, name, map[string]bool{}, func(string) {},
		func(t string) {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		})
	return out
}

// LinkedTargets returns the targets that the selected ones reach through
// "target:NAME" contexts but that were not selected themselves, in order
// of discovery. bake builds them as implicit, cache-only targets.
func (s *Spec) LinkedTargets(selected []string) []string {
	in := map[string]bool{}
	for _, n := range selected {
		in[n] = true
	}
	var out []string
	queue := append([]string{}, selected...)
	for len(queue) > 0 {
		t := s.Targets[queue[0]]
		queue = queue[1:]
		if t == nil {
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(t.Contexts)) {
			name, ok := strings.CutPrefix(t.Contexts[k].Value, "target:")
			if !ok || in[name] || s.Targets[name] == nil {
				continue
			}
			in[name] = true
			out = append(out, name)
			queue = append(queue, name)
		}
	}
	return out
}

// onlyBakeFiles reports whether every file of the spec is bake's: then
// the spec is read exactly as bake reads it.
func (s *Spec) onlyBakeFiles() bool {
	for _, f := range s.Files {
		if !s.BakeFiles[f] {
			return false
		}
	}
	return len(s.Files) > 0
}

// Buildable are the targets a check covers when nothing selects any (an
// unknown name, an editor's view of the whole file): every target but
// those that exist only to be inherited (a "_common" that other targets
// inherit and no group names), whose own findings (no Dockerfile of its
// own, no output) are no one's mistake.
func (s *Spec) Buildable() []string {
	inherited, grouped := map[string]bool{}, map[string]bool{}
	for _, t := range s.Targets {
		for _, p := range t.Inherits {
			inherited[p.Value] = true
		}
	}
	for _, g := range s.Groups {
		for _, m := range g.Targets {
			grouped[m.Value] = true
		}
	}
	var out []string
	for _, name := range s.TargetNames {
		if !inherited[name] || grouped[name] {
			out = append(out, name)
		}
	}
	return out
}
