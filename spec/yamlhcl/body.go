package yamlhcl

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"gopkg.in/yaml.v3"

	suggestpkg "github.com/xbake/xbake/internal/suggest"
)

// Body is an hcl.Body backed by a YAML mapping node.
type Body struct {
	src  *source
	node *yaml.Node // a mapping node, or nil for an empty body
	// blockKey names the mapping key that holds blocks of a type; the
	// top-level body uses plural keys ("targets" for "target" blocks).
	blockKey func(blockType string) string
	hidden   map[string]bool // keys already consumed by PartialContent
	missing  hcl.Range
}

var _ hcl.Body = (*Body)(nil)

func singular(blockType string) string { return blockType }

// Content implements hcl.Body.
func (b *Body) Content(schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Diagnostics) {
	content, remain, diags := b.PartialContent(schema)
	for _, kv := range remain.(*Body).pairs() {
		diags = append(diags, b.unsupported(kv.key, schema))
	}
	return content, diags
}

// PartialContent implements hcl.Body.
func (b *Body) PartialContent(schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Body, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	content := &hcl.BodyContent{Attributes: hcl.Attributes{}, MissingItemRange: b.MissingItemRange()}
	hidden := map[string]bool{}
	for k := range b.hidden {
		hidden[k] = true
	}
	byKey := map[string]pair{}
	for _, kv := range b.pairs() {
		if first, dup := byKey[kv.key.Value]; dup {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate key",
				Detail:   fmt.Sprintf("The key %q is already set in this mapping, at line %d column %d; remove one of them.", kv.key.Value, first.key.Line, first.key.Column),
				Subject:  b.src.nodeRange(kv.key).Ptr(),
			})
			continue
		}
		byKey[kv.key.Value] = kv
	}
	for _, as := range schema.Attributes {
		kv, ok := byKey[as.Name]
		if !ok {
			if as.Required {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Missing required argument",
					Detail:   fmt.Sprintf("The argument %q is required, but no definition was found.", as.Name),
					Subject:  b.MissingItemRange().Ptr(),
				})
			}
			continue
		}
		hidden[as.Name] = true
		content.Attributes[as.Name] = b.attribute(kv)
	}
	for _, bs := range schema.Blocks {
		key := b.blockKey(bs.Type)
		kv, ok := byKey[key]
		if !ok {
			continue
		}
		hidden[key] = true
		blocks, blockDiags := b.blocks(bs, kv.key, kv.value, nil)
		diags = append(diags, blockDiags...)
		content.Blocks = append(content.Blocks, blocks...)
	}
	remain := &Body{src: b.src, node: b.node, blockKey: b.blockKey, hidden: hidden, missing: b.missing}
	return content, remain, diags
}

// JustAttributes implements hcl.Body.
func (b *Body) JustAttributes() (hcl.Attributes, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	attrs := hcl.Attributes{}
	for _, kv := range b.pairs() {
		if existing, dup := attrs[kv.key.Value]; dup {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate key",
				Detail:   fmt.Sprintf("The key %q was already set at %s; remove one of them.", kv.key.Value, existing.NameRange),
				Subject:  b.src.nodeRange(kv.key).Ptr(),
			})
			continue
		}
		attrs[kv.key.Value] = b.attribute(kv)
	}
	return attrs, diags
}

// MissingItemRange implements hcl.Body.
func (b *Body) MissingItemRange() hcl.Range {
	if b.node != nil {
		return b.src.nodeRange(b.node)
	}
	return b.missing
}

type pair struct{ key, value *yaml.Node }

// pairs lists the mapping's keys that are not hidden, in document order.
func (b *Body) pairs() []pair {
	if b.node == nil || b.node.Kind != yaml.MappingNode {
		return nil
	}
	var out []pair
	for i := 0; i+1 < len(b.node.Content); i += 2 {
		key := b.node.Content[i]
		if b.hidden[key.Value] {
			continue
		}
		out = append(out, pair{key: key, value: resolveAlias(b.node.Content[i+1])})
	}
	return out
}

func (b *Body) attribute(kv pair) *hcl.Attribute {
	expr := newExpr(b.src, kv.value)
	keyRange := b.src.nodeRange(kv.key)
	return &hcl.Attribute{
		Name:      kv.key.Value,
		Expr:      expr,
		Range:     hcl.RangeBetween(keyRange, expr.Range()),
		NameRange: keyRange,
	}
}

// blocks turns the value under a block key into blocks, descending one
// mapping level per label. A sequence of mappings gives several blocks.
func (b *Body) blocks(bs hcl.BlockHeaderSchema, typeKey, value *yaml.Node, labels []*yaml.Node) ([]*hcl.Block, hcl.Diagnostics) {
	if len(labels) < len(bs.LabelNames) {
		if value.Kind != yaml.MappingNode {
			return nil, hcl.Diagnostics{b.wrongKind(value, fmt.Sprintf("a mapping of %s names", bs.LabelNames[len(labels)]))}
		}
		var blocks []*hcl.Block
		var diags hcl.Diagnostics
		for i := 0; i+1 < len(value.Content); i += 2 {
			more, moreDiags := b.blocks(bs, typeKey, resolveAlias(value.Content[i+1]), append(labels[:len(labels):len(labels)], value.Content[i]))
			blocks = append(blocks, more...)
			diags = append(diags, moreDiags...)
		}
		return blocks, diags
	}
	switch value.Kind {
	case yaml.SequenceNode:
		var blocks []*hcl.Block
		var diags hcl.Diagnostics
		for _, item := range value.Content {
			more, moreDiags := b.blocks(bs, typeKey, resolveAlias(item), labels)
			blocks = append(blocks, more...)
			diags = append(diags, moreDiags...)
		}
		return blocks, diags
	case yaml.MappingNode:
		return []*hcl.Block{b.block(bs.Type, typeKey, value, labels)}, nil
	case yaml.ScalarNode:
		if value.Tag == "!!null" { // "name:" with nothing under it is an empty block
			return []*hcl.Block{b.block(bs.Type, typeKey, nil, labels)}, nil
		}
	}
	return nil, hcl.Diagnostics{b.wrongKind(value, "a mapping")}
}

func (b *Body) block(blockType string, typeKey, value *yaml.Node, labels []*yaml.Node) *hcl.Block {
	typeRange := b.src.nodeRange(typeKey)
	blk := &hcl.Block{Type: blockType, TypeRange: typeRange, DefRange: typeRange}
	for _, l := range labels {
		blk.Labels = append(blk.Labels, l.Value)
		blk.LabelRanges = append(blk.LabelRanges, b.src.nodeRange(l))
	}
	if len(labels) > 0 {
		blk.DefRange = blk.LabelRanges[len(labels)-1]
	}
	blk.Body = &Body{src: b.src, node: value, blockKey: singular, missing: blk.DefRange}
	return blk
}

func (b *Body) wrongKind(n *yaml.Node, want string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unexpected value",
		Detail:   fmt.Sprintf("Expected %s here, found %s.", want, kindName(n)),
		Subject:  b.src.nodeRange(n).Ptr(),
	}
}

func (b *Body) unsupported(key *yaml.Node, schema *hcl.BodySchema) *hcl.Diagnostic {
	var names []string
	for _, as := range schema.Attributes {
		names = append(names, as.Name)
	}
	for _, bs := range schema.Blocks {
		names = append(names, b.blockKey(bs.Type))
	}
	detail := fmt.Sprintf("The key %q is not expected here.", key.Value)
	if s := suggest(key.Value, names); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unsupported argument",
		Detail:   detail,
		Subject:  b.src.nodeRange(key).Ptr(),
	}
}

// suggest returns the closest name, if one is close enough to be a typo.
func suggest(given string, names []string) string { return suggestpkg.Closest(given, names) }

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.Tag {
	case "!!null":
		return "null"
	case "!!str":
		return fmt.Sprintf("the string %q", n.Value)
	}
	return fmt.Sprintf("the value %s", n.Value)
}

// resolveAlias follows a YAML alias (*name) to the node it names.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 16; i++ {
		n = n.Alias
	}
	return n
}
