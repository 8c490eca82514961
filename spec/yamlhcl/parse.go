package yamlhcl

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"gopkg.in/yaml.v3"
)

// Parse reads a YAML or JSON document. The returned file's Body is a *Body;
// blockKey maps a block type to the top-level key that holds its blocks.
// The root node is returned too, for schema validation.
func Parse(src []byte, filename string, blockKey func(string) string) (*hcl.File, *yaml.Node, hcl.Diagnostics) {
	return ParseWith(src, filename, blockKey, nil)
}

// Transform rewrites a parsed document into xbake's format before it is
// read, keeping the nodes (and so the positions) of what it moves.
// rangeOf gives a node's position in the file, for the transform's errors.
type Transform func(root *yaml.Node, rangeOf func(*yaml.Node) hcl.Range) (*yaml.Node, hcl.Diagnostics)

// ParseWith is Parse with a transform of the document: how compose files
// become targets.
func ParseWith(src []byte, filename string, blockKey func(string) string, transform Transform) (*hcl.File, *yaml.Node, hcl.Diagnostics) {
	s := newSource(filename, src)
	file := &hcl.File{Bytes: src}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		file.Body = &Body{src: s, blockKey: blockKey, missing: s.nodeRange(&yaml.Node{Line: 1, Column: 1})}
		return file, nil, hcl.Diagnostics{syntaxError(s, err)}
	}
	root := &doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	body := &Body{src: s, blockKey: blockKey, missing: s.nodeRange(&yaml.Node{Line: 1, Column: 1})}
	if d := checkExpansion(s, root); d != nil {
		file.Body = body // empty: nothing of the document is walked
		return file, nil, hcl.Diagnostics{d}
	}
	if root.Kind == yaml.MappingNode {
		root = withoutExtensions(ExpandMerges(root))
	}
	if transform != nil && root.Kind == yaml.MappingNode {
		var diags hcl.Diagnostics
		if root, diags = transform(root, s.nodeRange); diags.HasErrors() {
			file.Body = body
			return file, nil, diags
		}
	}
	switch {
	case root.Kind == yaml.MappingNode:
		body.node = root
	case root.Kind == 0 || root.Tag == "!!null": // an empty document is an empty spec
	default:
		file.Body = body
		return file, root, hcl.Diagnostics{body.wrongKind(root, "a mapping with keys such as \"targets\" and \"variables\"")}
	}
	file.Body = body
	return file, root, nil
}

// withoutExtensions drops the top-level keys that start with "x-": they
// hold anchors for merge keys to use (as in compose files) and mean
// nothing themselves.
func withoutExtensions(root *yaml.Node) *yaml.Node {
	c := *root
	c.Content = nil
	for i := 0; i+1 < len(root.Content); i += 2 {
		if !strings.HasPrefix(root.Content[i].Value, "x-") {
			c.Content = append(c.Content, root.Content[i], root.Content[i+1])
		}
	}
	return &c
}

// NodeRange returns the range of a node from a document parsed by Parse.
func NodeRange(file *hcl.File, n *yaml.Node) hcl.Range {
	if b, ok := file.Body.(*Body); ok {
		return b.src.nodeRange(n)
	}
	return hcl.Range{}
}

// maxDepth bounds the nesting of a document; yaml.v3 itself stops at
// 10,000 levels.
const maxDepth = 10000
