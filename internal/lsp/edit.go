package lsp

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/xbake/xbake/schema"
	"github.com/xbake/xbake/spec"
)

// completion offers, at the cursor: in a string of inherits, targets,
// depends_on or after "target:", the project's target (and group)
// names; in a string of platforms, output, cache-to, cache-from, driver,
// builder or network, the values they take; in an expression (after
// "=" or "${"), the variables and functions; at the top level, the
// block types; inside a block, the attributes the block takes, with the
// schema's words for them.
func (s *Server) completion(a *analysis, path string, at position) []completionItem {
	text, _ := s.readFile(path)
	lineText := string(text[lineStart(text, at.Line):])
	if i := strings.IndexByte(lineText, '\n'); i >= 0 {
		lineText = lineText[:i]
	}
	before := lineText[:min(len(lineText), byteOffset(lineText, position{Character: at.Character}))]
	blockText := string(text[:lineStart(text, at.Line)])
	var items []completionItem
	switch {
	case strings.Count(before, "${") > strings.Count(before, "}"):
		items = a.expressionItems(path)
	case strings.Count(before, `"`)%2 == 1:
		attr := lastAttr(before)
		if attr == "" { // an item of a list begun on a line above
			attr = lastAttr(blockText)
		}
		items = a.valueItems(attr, strings.HasSuffix(before, "target:"))
	case strings.TrimSpace(before) == before && !strings.Contains(before, "="):
		for _, b := range []string{"target", "group", "variable", "function", "builder"} {
			items = append(items, completionItem{Label: b, Kind: kindKeyword, Detail: "block"})
		}
	case !strings.Contains(before, "="):
		block := enclosingBlock(blockText)
		for _, p := range blockAttributes(block) {
			items = append(items, completionItem{Label: p.name, Kind: kindProperty, Detail: block + " attribute",
				Documentation: p.doc})
		}
	default:
		items = a.expressionItems(path)
	}
	if items == nil {
		items = []completionItem{}
	}
	slices.SortFunc(items, func(x, y completionItem) int { return strings.Compare(x.Label, y.Label) })
	return items
}

// expressionItems are what an expression may name: the variables, the
// built-in functions and the project's own.
func (a *analysis) expressionItems(path string) []completionItem {
	var items []completionItem
	for _, v := range a.spec.Variables {
		items = append(items, completionItem{Label: v.Name, Kind: kindVariable, Detail: "variable"})
	}
	for _, f := range spec.FunctionNames() {
		sig, doc, _ := spec.FunctionSignature(f)
		items = append(items, completionItem{Label: f, Kind: kindFunction, Detail: sig, Documentation: doc})
	}
	seen := map[string]bool{}
	for _, p := range a.paths() {
		for _, n := range a.names(p) {
			if n.decl && n.kind == kindFunc && !seen[n.name] {
				seen[n.name] = true
				items = append(items, completionItem{Label: n.name, Kind: kindFunction, Detail: "function"})
			}
		}
	}
	return items
}

// Values some attributes take, as buildx and xbake spell them.
var (
	outputTypes = []string{"type=registry", "type=image", "type=docker", "type=local,dest=", "type=tar,dest=", "type=oci,dest=", "type=cacheonly"}
	cacheTypes  = []string{"type=registry,ref=", "type=local,src=", "type=local,dest=", "type=inline", "type=gha", "type=s3", "type=azblob"}
	drivers     = []string{"local", "docker", "docker-container", "remote"}
	networks    = []string{"default", "host", "none"}
	// commonPlatforms are offered when no builder declares its own.
	commonPlatforms = []string{"linux/amd64", "linux/arm64", "linux/arm/v7", "linux/arm/v6", "linux/386", "linux/ppc64le", "linux/s390x", "linux/riscv64"}
)

// valueItems are the values a string of the attribute may take.
func (a *analysis) valueItems(attr string, afterTarget bool) []completionItem {
	var items []completionItem
	add := func(kind int, detail string, labels ...string) {
		for _, l := range labels {
			items = append(items, completionItem{Label: l, Kind: kind, Detail: detail})
		}
	}
	switch {
	case targetLists[attr] || afterTarget:
		add(kindClass, "target", a.spec.TargetNames...)
		if attr != "inherits" && !afterTarget {
			add(kindModule, "group", slices.Sorted(maps.Keys(a.spec.Groups))...)
		}
	case attr == "platforms":
		add(kindValue, "platform", a.platforms()...)
	case attr == "output":
		add(kindValue, "output", outputTypes...)
	case attr == "cache-to" || attr == "cache-from":
		add(kindValue, "cache", cacheTypes...)
	case attr == "driver":
		add(kindValue, "driver", drivers...)
	case attr == "network":
		add(kindValue, "network", networks...)
	case attr == "builder":
		add(kindValue, "builder", slices.Sorted(maps.Keys(a.spec.Builders))...)
	}
	return items
}

// platforms are the platforms the spec's builders declare, else the
// common ones.
func (a *analysis) platforms() []string {
	var out []string
	for _, b := range a.spec.Builders {
		for _, p := range b.Platforms {
			if !slices.Contains(out, p.Value) {
				out = append(out, p.Value)
			}
		}
	}
	if len(out) == 0 {
		return commonPlatforms
	}
	return out
}

// lastAttr is the last attribute begun in text (of one line: the
// attribute the line sets).
func lastAttr(text string) string {
	m := attrLines.FindAllStringSubmatch(text, -1)
	if len(m) == 0 {
		return ""
	}
	return m[len(m)-1][1]
}

var attrLines = regexp.MustCompile(`(?m)^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=`)

var blockLine = regexp.MustCompile(`(?m)^\s*(target|group|variable|function|builder)\b[^{\n]*\{\s*$`)

// enclosingBlock is the type of the last block opened before the cursor.
func enclosingBlock(before string) string {
	m := blockLine.FindAllStringSubmatch(before, -1)
	if len(m) == 0 {
		return "target"
	}
	return m[len(m)-1][1]
}

type attribute struct{ name, doc string }

// blockAttributes lists a block's attributes from xbake's JSON Schema,
// the one description of the format.
func blockAttributes(block string) []attribute { return schemaAttributes()[block] }

// schemaAttributes reads the schema's blocks and their attributes, once.
var schemaAttributes = sync.OnceValue(func() map[string][]attribute {
	var doc struct {
		Defs map[string]struct {
			Properties map[string]struct {
				Description string `json:"description"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	out := map[string][]attribute{}
	if json.Unmarshal(schema.Document, &doc) != nil {
		return out
	}
	for block, d := range doc.Defs {
		for name, p := range d.Properties {
			out[block] = append(out[block], attribute{name, p.Description})
		}
	}
	return out
})
