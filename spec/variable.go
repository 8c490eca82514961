package spec

import (
	"fmt"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/xbake/xbake/spec/yamlhcl"
)

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "type"}, {Name: "default"}, {Name: "description"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "validation"}},
}

var validationSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "condition", Required: true}, {Name: "error_message"}},
}

// varDecl is a variable as bake reads it over every file: the last
// variable block declares it (a later block replaces an earlier one,
// validations included), and a top-level attribute NAME = value, the
// last one in any file, gives its value in place of the block's default,
// typeless. The environment sets only a variable that has a block.
type varDecl struct {
	name        string
	declRange   hcl.Range
	file        *sourceFile // of the default, which is evaluated there
	typeExpr    hcl.Expression
	defaultExpr hcl.Expression
	description string
	validations []validation
	hasBlock    bool // declared by a variable block, not only an attribute
	hasAttr     bool // a top-level attribute gives the value
}

type validation struct {
	condition, message hcl.Expression
	file               *sourceFile
}

// declareVariables merges the variable blocks and top-level attributes.
func (l *loader) declareVariables() {
	get := func(name string, rng hcl.Range, sf *sourceFile) *varDecl {
		if v, ok := l.vars[name]; ok {
			if sf.included || v.file.included {
				l.diags = append(l.diags, errorf(rng, "Duplicate variable",
					"A variable named %q is already declared at %s. Names must be unique across included files; rename one of them.", name, at(v.declRange)))
				return &varDecl{name: name, declRange: rng, file: sf} // decoded, then dropped
			}
			return v
		}
		v := &varDecl{name: name, declRange: rng, file: sf}
		l.vars[name] = v
		l.varOrder = append(l.varOrder, name)
		return v
	}
	for _, b := range l.decls.variables {
		name := b.Labels[0]
		if isBuiltinVariable(name) {
			continue // declared for an editor's sake; the built-in value stands, as in bake
		}
		l.checkName(name, b.LabelRanges[0], "variable")
		content, diags := b.Body.Content(variableSchema)
		l.diags = append(l.diags, diags...)
		v := get(name, b.LabelRanges[0], b.file)
		*v = varDecl{name: name, declRange: b.LabelRanges[0], file: b.file, hasBlock: true} // a later block replaces
		if a, ok := content.Attributes["type"]; ok {
			v.typeExpr = a.Expr
		}
		if a, ok := content.Attributes["default"]; ok {
			v.defaultExpr = a.Expr
		}
		if a, ok := content.Attributes["description"]; ok {
			v.description = l.literalString(a)
		}
		for _, vb := range content.Blocks {
			vc, diags := vb.Body.Content(validationSchema)
			l.diags = append(l.diags, diags...)
			if c, ok := vc.Attributes["condition"]; ok {
				val := validation{condition: c.Expr, file: b.file}
				if m, ok := vc.Attributes["error_message"]; ok {
					val.message = m.Expr
				}
				v.validations = append(v.validations, val)
			}
		}
	}
	for _, a := range l.decls.topAttrs {
		if isBuiltinVariable(a.Name) {
			continue
		}
		v := get(a.Name, a.NameRange, a.file)
		if !v.hasBlock {
			v.declRange = a.NameRange
		}
		v.defaultExpr, v.file, v.hasAttr, v.typeExpr = a.Expr, a.file, true, nil // the attribute's value, as written
	}
}

// literalString evaluates an attribute that may not reference anything.
func (l *loader) literalString(a *hcl.Attribute) string {
	v, diags := a.Expr.Value(nil)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return ""
	}
	s, err := convert.Convert(v, cty.String)
	if err != nil || s.IsNull() || !s.IsKnown() {
		l.diags = append(l.diags, errorf(a.Expr.Range(), "Incorrect attribute value type",
			"The %q attribute must be a string.", a.Name))
		return ""
	}
	return s.AsString()
}

// evalVariable computes one variable's value once its dependencies are in
// the root context: --var beats the environment, which beats the default.
func (l *loader) evalVariable(d *varDecl) {
	ty := cty.DynamicPseudoType
	if d.typeExpr != nil {
		var diags hcl.Diagnostics
		ty, diags = typeConstraint(d.typeExpr)
		l.diags = append(l.diags, diags...)
	}
	def := cty.StringVal("") // bake: an untyped variable without default is ""
	if d.typeExpr != nil {
		def = cty.NullVal(ty) // a typed one (type = any included) is null
	}
	if d.defaultExpr != nil {
		var diags hcl.Diagnostics
		def, diags = l.eval(d.defaultExpr, l.ctxFor(d.file), &d.declRange)
		l.diags = append(l.diags, diags...)
	}
	val, source := def, "default"
	if raw, ok := l.opts.Vars[d.name]; ok {
		val, source = l.parseOverride(d, raw, ty, def, "--var"), "--var"
	} else if !d.hasBlock {
		// A top-level attribute alone is not a variable the environment
		// sets (bake: node = "22" stays 22 with node=20 exported).
	} else if raw, ok := l.jsonEnv(d); ok {
		val, source = l.parseJSONEnv(d, raw, ty), "env"
	} else if raw, ok := l.lookupEnv(d.name); ok {
		val, source = l.parseOverride(d, raw, ty, def, "environment variable"), "env"
	}
	if ty != cty.DynamicPseudoType && val.IsKnown() {
		conv, err := convert.Convert(val, ty)
		if err != nil {
			subject := d.declRange
			if source == "default" && d.defaultExpr != nil {
				subject = d.defaultExpr.Range()
			}
			l.diags = append(l.diags, errorf(subject, "Invalid value for variable",
				"The %s value of variable %q does not match its type %s: %s.", sourceName(source), d.name, typeexpr.TypeString(ty), err))
			conv = cty.UnknownVal(ty)
		}
		val = conv
	}
	if valueUnits(val, maxValueUnits) > maxValueUnits {
		subject := d.declRange
		if d.defaultExpr != nil {
			subject = d.defaultExpr.Range()
		}
		l.diags = append(l.diags, errorf(subject, "Value too large",
			"Variable %q is too large: more than %d elements, or a string over %d MiB. A variable that refers to itself twice doubles at each step; see docs/limits.md.",
			d.name, maxValueUnits, maxValueUnits*16>>20))
		val = cty.DynamicVal
	}
	l.root.Variables[d.name] = val
	l.spec.Variables = append(l.spec.Variables, &Variable{
		Name: d.name, Description: d.description, Type: ty, DeclRange: d.declRange, Value: val, Source: source,
	})
}

func sourceName(source string) string {
	switch source {
	case "env":
		return "environment"
	case "--var":
		return "--var"
	}
	return "default"
}

// jsonEnv returns NAME_JSON from the environment for a typed variable
// (unless the spec declares a variable of that name): as in bake, it
// sets values the CSV form cannot express, and wins over NAME.
func (l *loader) jsonEnv(d *varDecl) (string, bool) {
	if d.typeExpr == nil {
		return "", false
	}
	if _, declared := l.vars[d.name+"_JSON"]; declared {
		return "", false
	}
	return l.lookupEnv(d.name + "_JSON")
}

func (l *loader) parseJSONEnv(d *varDecl, raw string, ty cty.Type) cty.Value {
	v, err := ctyjson.Unmarshal([]byte(raw), ty)
	if err != nil {
		l.diags = append(l.diags, errorf(d.declRange, "Invalid value for variable",
			"The environment variable %s_JSON sets variable %q to %q, which is not JSON of type %s: %s. Quote strings, as in [\"a\", \"b\"].",
			d.name, d.name, raw, typeexpr.TypeString(ty), err))
		return cty.UnknownVal(ty)
	}
	return v
}

// parseOverride turns the text of --var or an environment variable into a
// value, as bake does: a declared type decides (lists, sets, tuples and
// maps in CSV form, other complex types only as NAME_JSON); without one,
// the default's type does (booleans and numbers are parsed), and with no
// default it is a string.
func (l *loader) parseOverride(d *varDecl, raw string, ty cty.Type, def cty.Value, from string) cty.Value {
	want, typed := ty, d.typeExpr != nil
	if !typed {
		want = cty.String
		if def.IsKnown() && !def.IsNull() && def.Type() != cty.DynamicPseudoType {
			want = def.Type()
		}
	}
	var v cty.Value
	var err error
	switch {
	case !typed && !want.IsPrimitiveType():
		// bake: "unsupported type tuple for variable": only a declared
		// type says how to read a list from text.
		err = fmt.Errorf("without a declared type, only a string, number or boolean can be set from text, and its default is a %s; "+
			"declare its type (type = list(string)) to set it in CSV form", want.FriendlyName())
	case csvType(want):
		v, err = valueFromCSV(raw, want)
		if err == nil && v == cty.NilVal { // an empty list
			v = cty.ListValEmpty(want.ElementType())
			if want.IsSetType() {
				v = cty.SetValEmpty(want.ElementType())
			}
		}
	case want.IsPrimitiveType():
		v, err = primitiveFrom(raw, want)
	case want == cty.DynamicPseudoType: // type = any
		v = cty.StringVal(raw)
	default:
		err = fmt.Errorf("a value of type %s cannot be given as text; set %s_JSON to it as JSON", typeexpr.TypeString(want), d.name)
	}
	if err != nil {
		l.diags = append(l.diags, errorf(d.declRange, "Invalid value for variable",
			"The %s sets variable %q to %q: %s.", from, d.name, raw, err))
		return cty.UnknownVal(want)
	}
	return v
}

// typeConstraint reads a type expression. In YAML and bake JSON the type is
// a string ("list(string)"), which is parsed as HCL first.
func typeConstraint(expr hcl.Expression) (cty.Type, hcl.Diagnostics) {
	if y, ok := expr.(*yamlhcl.Expr); ok {
		if s, ok := y.StringValue(); ok {
			parsed, diags := hclsyntax.ParseExpression([]byte(s), expr.Range().Filename, y.StartPos())
			if diags.HasErrors() {
				return cty.DynamicPseudoType, diags
			}
			expr = parsed
		}
	}
	ty, diags := typeexpr.TypeConstraint(expr)
	if !diags.HasErrors() {
		return ty, nil
	}
	// bake JSON: the type is a JSON string.
	if v, vdiags := expr.Value(nil); !vdiags.HasErrors() && v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
		parsed, pdiags := hclsyntax.ParseExpression([]byte(v.AsString()), expr.Range().Filename, expr.Range().Start)
		if !pdiags.HasErrors() {
			return typeexpr.TypeConstraint(parsed)
		}
	}
	return cty.DynamicPseudoType, diags
}

// checkValidations runs every variable's validation blocks once all
// variables have values.
func (l *loader) checkValidations() {
	for _, name := range l.varOrder {
		d := l.vars[name]
		for _, v := range d.validations {
			l.checkValidation(d, v)
		}
	}
}

func (l *loader) checkValidation(d *varDecl, v validation) {
	ctx := l.ctxFor(v.file)
	ok, diags := l.eval(v.condition, ctx, &d.declRange)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() || !ok.IsKnown() {
		return
	}
	ok, err := convert.Convert(ok, cty.Bool)
	if err != nil || ok.IsNull() {
		l.diags = append(l.diags, errorf(v.condition.Range(), "Invalid validation condition",
			"The condition must be true or false."))
		return
	}
	if ok.True() {
		return
	}
	msg := fmt.Sprintf("Variable %q failed its validation.", d.name)
	if v.message != nil {
		if m, mdiags := v.message.Value(ctx); !mdiags.HasErrors() && m.Type() == cty.String && m.IsKnown() && !m.IsNull() {
			msg = m.AsString()
		}
	}
	val := l.root.Variables[d.name]
	l.diags = append(l.diags, errorf(v.condition.Range(), "Invalid value for variable",
		"%s (variable %q is %s, from its %s.)", msg, d.name, showValue(val), sourceName(l.sourceOf(d.name))))
}

func (l *loader) sourceOf(name string) string {
	for _, v := range l.spec.Variables {
		if v.Name == name {
			return v.Source
		}
	}
	return "default"
}

// showValue renders a value for an error message.
func showValue(v cty.Value) string {
	if !v.IsKnown() {
		return "unknown"
	}
	if v.IsNull() {
		return "null"
	}
	if v.Type() == cty.String {
		return strconv.Quote(v.AsString())
	}
	if b, err := ctyJSON(v); err == nil {
		return b
	}
	return v.GoString()
}
