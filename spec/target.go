package spec

import (
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// targetAttrs decodes each target attribute into a *Target. matrix and
// name are read earlier, by the matrix expansion.
var targetAttrs = map[string]func(a *attrValue, t *Target){
	"description":       func(a *attrValue, t *Target) { t.Description = a.str() },
	"inherits":          func(a *attrValue, t *Target) { t.Inherits = a.list() },
	"context":           func(a *attrValue, t *Target) { t.Context = a.contextPath() },
	"contexts":          func(a *attrValue, t *Target) { t.Contexts = a.namedContexts() },
	"dockerfile":        func(a *attrValue, t *Target) { t.Dockerfile = a.str() },
	"dockerfile-inline": func(a *attrValue, t *Target) { t.DockerfileInline = a.str() },
	"args":              func(a *attrValue, t *Target) { t.Args = a.strMap() },
	"labels":            func(a *attrValue, t *Target) { t.Labels = a.strMap() },
	"annotations":       func(a *attrValue, t *Target) { t.Annotations = a.list() },
	"tags":              func(a *attrValue, t *Target) { t.Tags = a.list() },
	"target":            func(a *attrValue, t *Target) { t.Target = a.str() },
	"platforms":         func(a *attrValue, t *Target) { t.Platforms = a.list() },
	"output":            func(a *attrValue, t *Target) { t.Outputs = a.entries(parseOutput) },
	"cache-from":        func(a *attrValue, t *Target) { t.CacheFrom = a.cacheEntries() },
	"cache-to":          func(a *attrValue, t *Target) { t.CacheTo = a.cacheEntries() },
	"secret":            func(a *attrValue, t *Target) { t.Secrets = a.secrets() },
	"ssh":               func(a *attrValue, t *Target) { t.SSH = a.ssh() },
	"attest":            func(a *attrValue, t *Target) { t.Attest = a.attests() },
	"pull":              func(a *attrValue, t *Target) { t.Pull = a.boolean() },
	"no-cache":          func(a *attrValue, t *Target) { t.NoCache = a.boolean() },
	"network":           func(a *attrValue, t *Target) { t.Network = a.str() },
	"no-cache-filter":   func(a *attrValue, t *Target) { t.NoCacheFilter = a.list() },
	"shm-size":          func(a *attrValue, t *Target) { t.ShmSize = a.str() },
	"ulimits":           func(a *attrValue, t *Target) { t.Ulimits = a.list() },
	"call":              func(a *attrValue, t *Target) { t.Call = a.str() },
	"entitlements":      func(a *attrValue, t *Target) { t.Entitlements = a.list() },
	"extra-hosts":       func(a *attrValue, t *Target) { t.ExtraHosts = a.strMap() },
	"resources":         func(a *attrValue, t *Target) { t.Resources = a.resources() },
	"builder":           func(a *attrValue, t *Target) { t.Builder = a.str() },
	"depends_on":        func(a *attrValue, t *Target) { t.DependsOn = a.list() },
}

// TargetAttributes lists the names of a target's attributes, sorted.
func TargetAttributes() []string { return slices.Sorted(maps.Keys(targetAttrs)) }

// targetSchema is built from targetAttrs plus matrix and name.
var targetSchema = func() *hcl.BodySchema {
	s := &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "matrix"}, {Name: "name"}}}
	for _, name := range slices.Sorted(maps.Keys(targetAttrs)) {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: name})
	}
	return s
}()

// targetDecl gathers every block that declares one target name: the same
// name in several files, or one matrix combination.
type targetDecl struct {
	name      string
	declRange hcl.Range
	parts     []*targetPart
}

// targetPart is one block's content, with the matrix values it sees.
type targetPart struct {
	blk        *block
	content    *hcl.BodyContent
	matrixVars map[string]cty.Value
}

// names of targets, groups, variables: what bake allows, so --set
// patterns (NAME.KEY) stay unambiguous.
var validName = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

func (l *loader) checkName(name string, rng hcl.Range, what string) bool {
	if problem := NameProblem(what, name); problem != "" {
		l.diags = append(l.diags, errorf(rng, "Invalid name", "%s", problem))
		return false
	}
	return true
}

// NameProblem says what is wrong with a name for a what ("target",
// "group", "variable", "function", "builder"); "" when nothing is.
func NameProblem(what, name string) string {
	if what == "variable" || what == "function" {
		if !hclIdentifier.MatchString(name) {
			return fmt.Sprintf("%q is not a valid %s name: use letters, digits and underscores, starting with a letter or underscore.", name, what)
		}
		return ""
	}
	if !validName.MatchString(name) {
		return fmt.Sprintf("%q is not a valid %s name: use only letters, digits, \"_\" and \"-\".", name, what)
	}
	return ""
}

var hclIdentifier = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_-]*$`)

// declareTargets reads every target block, expanding matrix blocks into
// one declaration per combination.
func (l *loader) declareTargets() {
	for _, b := range l.decls.targets {
		name := b.Labels[0]
		if !l.checkName(name, b.LabelRanges[0], "target") {
			continue
		}
		content, diags := b.Body.Content(targetSchema)
		l.diags = append(l.diags, diags...)
		if content == nil {
			continue
		}
		if m, ok := content.Attributes["matrix"]; ok {
			l.expandMatrix(b, content, m)
			continue
		}
		if n, ok := content.Attributes["name"]; ok {
			l.diags = append(l.diags, errorf(n.NameRange, "Name without matrix",
				"The name attribute names the targets a matrix creates; target %q has no matrix. Remove name, or add a matrix.", name))
		}
		l.addTargetPart(name, b.LabelRanges[0], &targetPart{blk: b, content: content})
	}
}

func (l *loader) addTargetPart(name string, rng hcl.Range, part *targetPart) {
	d, ok := l.targetDecls[name]
	if ok && (part.blk.file.included || d.parts[0].blk.file.included) {
		l.diags = append(l.diags, errorf(rng, "Duplicate target",
			"A target named %q is already declared at %s. Names must be unique across included files; rename one of them.", name, at(d.declRange)))
		return
	}
	if !ok {
		d = &targetDecl{name: name, declRange: rng}
		l.targetDecls[name] = d
		l.spec.TargetNames = append(l.spec.TargetNames, name)
	}
	d.parts = append(d.parts, part)
}

// decodePart evaluates one block's attributes into a Target layer. When
// the spec refers to targets' attributes (target.NAME.ATTR), the values
// are kept for declaredAttr; single is set when the target has only this
// block, so that a value declaredAttr computed first can be reused.
func (l *loader) decodePart(name string, part *targetPart, single bool) *Target {
	layer := &Target{Name: name}
	for _, attr := range sortedAttrs(part.content.Attributes) {
		decode, ok := targetAttrs[attr.Name]
		if !ok {
			continue // matrix, name
		}
		key := name + "\x00" + attr.Name
		val, done := l.declared[key]
		var diags hcl.Diagnostics
		if !done || !single {
			l.attrStack = append(l.attrStack, key)
			val, diags = l.evalTargetExpr(attr, part)
			l.attrStack = l.attrStack[:len(l.attrStack)-1]
			if l.keepDeclared {
				l.declared[key] = val
			}
		}
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() || val.IsNull() || !val.IsWhollyKnown() {
			continue
		}
		a := &attrValue{attr: attr, val: val, base: part.blk.file.base()}
		decode(a, layer)
		l.diags = append(l.diags, a.diags...)
	}
	return layer
}
