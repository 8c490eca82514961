package spec

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// rootSchema lists the block types a spec file may hold. Top-level
// attributes are allowed too, as in bake: each one is a variable.
var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "function", LabelNames: []string{"name"}},
		{Type: "target", LabelNames: []string{"name"}},
		{Type: "group", LabelNames: []string{"name"}},
		{Type: "builder", LabelNames: []string{"name"}},
	},
}

// yamlRootSchema is rootSchema for the YAML format, whose only top-level
// attribute is the editor's "$schema" pointer.
var yamlRootSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "$schema"}, {Name: "include"}},
	Blocks:     rootSchema.Blocks,
}

// block is a declaration found in a file, kept with the file it came from
// (for relative paths and file()).
type block struct {
	*hcl.Block
	file *sourceFile
}

// decls holds every declaration of every file, in file order.
type decls struct {
	variables []*block
	topAttrs  []*topAttr
	functions []*block
	targets   []*block
	groups    []*block
	builders  []*block
	// includes are the include attributes of the file collected last.
	includes []*topAttr
}

// topAttr is a top-level attribute, which bake treats as a variable.
type topAttr struct {
	*hcl.Attribute
	file *sourceFile
}

// collect sorts the blocks of one file into d.
func (d *decls) collect(sf *sourceFile) hcl.Diagnostics {
	schema := rootSchema
	if sf.syntax == syntaxYAML {
		schema = yamlRootSchema
	}
	d.includes = nil
	content, remain, diags := sf.file.Body.PartialContent(schema)
	for _, b := range content.Blocks {
		blk := &block{Block: b, file: sf}
		switch b.Type {
		case "variable":
			d.variables = append(d.variables, blk)
		case "function":
			d.functions = append(d.functions, blk)
		case "target":
			d.targets = append(d.targets, blk)
		case "group":
			d.groups = append(d.groups, blk)
		case "builder":
			d.builders = append(d.builders, blk)
		}
	}
	if sf.syntax == syntaxYAML {
		if a, ok := content.Attributes["include"]; ok {
			d.includes = append(d.includes, &topAttr{Attribute: a, file: sf})
		}
		// Unknown YAML keys: the remain body reports them.
		_, more := remain.Content(&hcl.BodySchema{})
		return append(diags, more...)
	}
	attrs, more := topLevelAttributes(remain)
	diags = append(diags, more...)
	for _, a := range attrs {
		if a.Name == "include" { // not a variable: more spec files
			d.includes = append(d.includes, &topAttr{Attribute: a, file: sf})
			continue
		}
		d.topAttrs = append(d.topAttrs, &topAttr{Attribute: a, file: sf})
	}
	return diags
}

// topLevelAttributes returns the attributes left at the top of a file and
// reports any block of an unknown type with a suggestion.
func topLevelAttributes(remain hcl.Body) ([]*hcl.Attribute, hcl.Diagnostics) {
	body, ok := remain.(*hclsyntax.Body)
	if !ok { // bake JSON: every other key is an attribute
		attrs, diags := remain.JustAttributes()
		return sortedAttrs(attrs), diags
	}
	var diags hcl.Diagnostics
	for _, b := range body.Blocks {
		if isKnownBlock(b.Type) {
			continue
		}
		detail := fmt.Sprintf("Blocks of type %q are not expected here.", b.Type)
		if s := suggest(b.Type, knownBlockTypes()); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		} else {
			detail += " A spec holds variable, function, target, group and builder blocks."
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unsupported block type",
			Detail:   detail,
			Subject:  b.TypeRange.Ptr(),
		})
	}
	attrs := make(hcl.Attributes, len(body.Attributes))
	for name, a := range body.Attributes {
		attrs[name] = a.AsHCLAttribute()
	}
	return sortedAttrs(attrs), diags
}

func isKnownBlock(t string) bool {
	for _, b := range rootSchema.Blocks {
		if b.Type == t {
			return true
		}
	}
	return false
}

func knownBlockTypes() []string {
	var out []string
	for _, b := range rootSchema.Blocks {
		out = append(out, b.Type)
	}
	return out
}

// sortedAttrs orders attributes by position so diagnostics come in order.
func sortedAttrs(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	sortByRange(out, func(a *hcl.Attribute) hcl.Range { return a.Range })
	return out
}
