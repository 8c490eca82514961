package yamlhcl

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

var schema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "target", LabelNames: []string{"name"}}}}

func plural(t string) string { return t + "s" }

func TestBlocksAttributesAndPositions(t *testing.T) {
	src := "targets:\n  app:\n    tags: [\"a\", \"${X}-b\"]\n    n: 2\n"
	f, _, diags := Parse([]byte(src), "x.yaml", plural)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	content, diags := f.Body.Content(schema)
	if diags.HasErrors() || len(content.Blocks) != 1 {
		t.Fatalf("blocks: %v %v", content.Blocks, diags)
	}
	b := content.Blocks[0]
	if b.Labels[0] != "app" || b.LabelRanges[0].Start.Line != 2 || b.LabelRanges[0].Start.Column != 3 {
		t.Errorf("label %q at %s", b.Labels[0], b.LabelRanges[0])
	}
	attrs, diags := b.Body.JustAttributes()
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"X": cty.StringVal("x")}}
	v, diags := attrs["tags"].Expr.Value(ctx)
	if diags.HasErrors() || !v.Equals(cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.StringVal("x-b")})).True() {
		t.Errorf("tags = %#v %v", v, diags)
	}
	items, _ := hcl.ExprList(attrs["tags"].Expr)
	if r := items[1].Range(); r.Start.Line != 3 || r.Start.Column != 17 || src[r.Start.Byte] != '"' {
		t.Errorf("second tag at %s (byte %d)", r, r.Start.Byte)
	}
	if n, _ := attrs["n"].Expr.Value(nil); !n.Equals(cty.NumberIntVal(2)).True() {
		t.Errorf("n = %#v", n)
	}
	// A template error points into the string.
	_, diags = attrs["tags"].Expr.Value(&hcl.EvalContext{Variables: map[string]cty.Value{}})
	if !diags.HasErrors() || diags[0].Subject.Start.Line != 3 || diags[0].Subject.Start.Column != 20 {
		t.Errorf("unknown variable reported at %v", diags)
	}
}

func TestUnknownKeysAndBadShapes(t *testing.T) {
	f, _, _ := Parse([]byte("targets:\n  app:\n    tagz: []\ntarget: {}\n"), "x.yaml", plural)
	content, remain, diags := f.Body.PartialContent(schema)
	if diags.HasErrors() || len(content.Blocks) != 1 {
		t.Fatalf("%v", diags)
	}
	if _, diags := remain.Content(&hcl.BodySchema{}); len(diags) != 1 || diags[0].Subject.Start.Line != 4 {
		t.Errorf("unknown top-level key: %v", diags)
	}
	_, diags = content.Blocks[0].Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "tags"}}})
	if len(diags) != 1 || diags[0].Detail != `The key "tagz" is not expected here. Did you mean "tags"?` {
		t.Errorf("unknown attribute: %v", diags)
	}
	if _, _, diags := Parse([]byte("- a\n- b\n"), "x.yaml", plural); !diags.HasErrors() {
		t.Error("a list at the top must be an error")
	}
	if _, _, diags := Parse([]byte("a: [\n"), "x.yaml", plural); !diags.HasErrors() || diags[0].Summary != "Invalid YAML" {
		t.Errorf("syntax error: %v", diags)
	}
}

func TestAliasBomb(t *testing.T) {
	src := "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
	f, _, diags := Parse([]byte(src), "x.yaml", plural)
	if diags.HasErrors() {
		return // yaml.v3 may refuse it already
	}
	attrs, _ := f.Body.JustAttributes()
	_, diags = attrs["g"].Expr.Value(nil)
	if !diags.HasErrors() {
		t.Error("a document expanding to millions of values must fail")
	}
}
