package spec

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/xbake/xbake/spec/yamlhcl"
)

var functionSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "params"},
		{Name: "variadic_params"},
		{Name: "result", Required: true},
	},
}

// funcDecl is a user function block: named parameters and a result
// expression evaluated with them, in the context of its file.
type funcDecl struct {
	name      string
	declRange hcl.Range
	file      *sourceFile
	params    []string
	variadic  string
	result    hcl.Expression
}

func (l *loader) declareFunctions() {
	for _, b := range l.decls.functions {
		name := b.Labels[0]
		l.checkName(name, b.LabelRanges[0], "function")
		if prev, dup := l.funcs[name]; dup && (prev.file.included || b.file.included || (prev.file == b.file && !l.bakeFiles[b.file.name])) {
			l.diags = append(l.diags, errorf(b.LabelRanges[0], "Duplicate function",
				"A function named %q is already declared at %s. Rename one of them.", name, at(prev.declRange)))
			continue
		} // else, as bake: a later declaration (a file of CI overrides) replaces it
		if _, builtin := l.root.Functions[name]; builtin && l.funcs[name] == nil {
			l.diags = append(l.diags, errorf(b.LabelRanges[0], "Function name taken",
				"%q is a built-in function; give yours another name.", name))
			continue
		}
		content, diags := b.Body.Content(functionSchema)
		l.diags = append(l.diags, diags...)
		f := &funcDecl{name: name, declRange: b.LabelRanges[0], file: b.file}
		if a, ok := content.Attributes["params"]; ok {
			f.params = l.keywordList(a)
		} else if content != nil {
			l.diags = append(l.diags, errorf(b.LabelRanges[0], "Function without params",
				"Function %q has no params; bake requires the attribute. Write params = [] for a function of no arguments.", name))
			continue
		}
		if a, ok := content.Attributes["variadic_params"]; ok {
			if kw := hcl.ExprAsKeyword(a.Expr); kw != "" {
				f.variadic = kw
			} else {
				l.diags = append(l.diags, errorf(a.Expr.Range(), "Invalid parameter name",
					"variadic_params must be a bare name, such as rest."))
			}
		}
		a, ok := content.Attributes["result"]
		if !ok {
			continue
		}
		f.result = a.Expr
		l.funcs[name] = f
		l.root.Functions[name] = l.userFunction(f)
	}
}

// keywordList reads a list of bare names, such as a function's params.
func (l *loader) keywordList(a *hcl.Attribute) []string {
	exprs, diags := hcl.ExprList(a.Expr)
	l.diags = append(l.diags, diags...)
	var names []string
	for _, e := range exprs {
		kw := hcl.ExprAsKeyword(e)
		if kw == "" {
			l.diags = append(l.diags, errorf(e.Range(), "Invalid parameter name",
				"Each parameter must be a bare name, such as params = [repo, tag]."))
			continue
		}
		names = append(names, kw)
	}
	return names
}

// userFunction turns a declaration into a callable cty function. Its
// result is evaluated in its own file's context, so it sees variables and
// file() relative to that file.
func (l *loader) userFunction(f *funcDecl) function.Function {
	spec := &function.Spec{
		Type: function.StaticReturnType(cty.DynamicPseudoType),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if l.fnDepth >= maxFunctionDepth {
				return cty.DynamicVal, errFunctionDepth
			}
			l.fnDepth++
			defer func() { l.fnDepth-- }()
			ctx := l.ctxFor(f.file).NewChild()
			ctx.Variables = map[string]cty.Value{}
			for i, p := range f.params {
				ctx.Variables[p] = args[i]
			}
			if f.variadic != "" {
				rest := args[len(f.params):]
				if len(rest) == 0 {
					ctx.Variables[f.variadic] = cty.EmptyTupleVal
				} else {
					ctx.Variables[f.variadic] = cty.TupleVal(rest)
				}
			}
			v, diags := f.result.Value(ctx)
			if diags.HasErrors() {
				return cty.DynamicVal, fmt.Errorf("%s", diagText(diags))
			}
			return v, l.budget.charge(fmt.Sprintf("the result of %s()", f.name), v)
		},
	}
	for _, p := range f.params {
		spec.Params = append(spec.Params, function.Parameter{Name: p, Type: cty.DynamicPseudoType, AllowNull: true})
	}
	if f.variadic != "" {
		spec.VarParam = &function.Parameter{Name: f.variadic, Type: cty.DynamicPseudoType, AllowNull: true}
	}
	return function.New(spec)
}

func diagText(diags hcl.Diagnostics) string {
	var parts []string
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			parts = append(parts, d.Error())
		}
	}
	return strings.Join(parts, "; ")
}

type call struct {
	name string
	rng  hcl.Range
}

// functionCalls lists the functions an expression calls, where the syntax
// is visible: native HCL and YAML templates. (bake's JSON hides it; the
// depth limit in userFunction covers that case.)
func functionCalls(expr hcl.Expression) []call {
	var roots []hclsyntax.Expression
	switch e := expr.(type) {
	case hclsyntax.Expression:
		roots = []hclsyntax.Expression{e}
	case *yamlhcl.Expr:
		roots = e.Templates()
	}
	var out []call
	for _, r := range roots {
		hclsyntax.VisitAll(r, func(n hclsyntax.Node) hcl.Diagnostics {
			if fc, ok := n.(*hclsyntax.FunctionCallExpr); ok {
				out = append(out, call{name: fc.Name, rng: fc.NameRange})
			}
			return nil
		})
	}
	return out
}
