package spec

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/containerd/platforms"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// newRootContext holds the functions and the built-in variables; declared
// variables are added to it as they are evaluated.
func newRootContext() *hcl.EvalContext {
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"BAKE_LOCAL_PLATFORM": cty.StringVal(platforms.Format(platforms.DefaultSpec())),
			"BAKE_CMD_CONTEXT":    cty.StringVal("cwd://"),
		},
		Functions: stdlibFunctions(),
	}
}

// isBuiltinVariable reports whether bake sets the variable itself
// (newRootContext): a spec cannot change it.
func isBuiltinVariable(name string) bool {
	return name == "BAKE_LOCAL_PLATFORM" || name == "BAKE_CMD_CONTEXT"
}

// ctxFor returns the context for expressions of one file: the root plus a
// file() that reads relative to that file's directory.
func (l *loader) ctxFor(sf *sourceFile) *hcl.EvalContext {
	if ctx, ok := l.fileCtx[sf]; ok {
		return ctx
	}
	ctx := l.root.NewChild()
	ctx.Functions = map[string]function.Function{"file": l.budget.limited("file", fileFunc(sf.dir, l.spec.Reads, l.inputs.read))}
	l.fileCtx[sf] = ctx
	return ctx
}

// dep is an edge of the variable/function dependency graph; keys are
// "v:NAME" for variables and "f:NAME" for user functions.
type dep struct {
	key string
	rng hcl.Range
}

// depsOf lists what a variable's default or a function's result needs.
func (l *loader) depsOf(key string) []dep {
	kind, name, _ := strings.Cut(key, ":")
	var exprs []hcl.Expression
	exclude := map[string]bool{}
	switch kind {
	case "v":
		if d := l.vars[name]; d != nil && d.defaultExpr != nil {
			exprs = append(exprs, d.defaultExpr)
		}
	case "f":
		if f := l.funcs[name]; f != nil {
			exprs = append(exprs, f.result)
			for _, p := range f.params {
				exclude[p] = true
			}
			exclude[f.variadic] = true
		}
	}
	var out []dep
	for _, e := range exprs {
		for _, t := range e.Variables() {
			root := t.RootName()
			if _, ok := l.vars[root]; ok && !exclude[root] {
				out = append(out, dep{key: "v:" + root, rng: t.SourceRange()})
			}
		}
		for _, c := range functionCalls(e) {
			if _, ok := l.funcs[c.name]; ok {
				out = append(out, dep{key: "f:" + c.name, rng: c.rng})
			}
		}
	}
	return out
}

// evalVariables evaluates every variable after the ones it uses, and
// reports each cycle among variables and functions once, with its path.
func (l *loader) evalVariables() {
	const (
		visiting = 1
		done     = 2
	)
	state := map[string]int{}
	cyclic := map[string]bool{}
	var path []string
	var visit func(key string)
	visit = func(key string) {
		state[key] = visiting
		path = append(path, key)
		for _, d := range l.depsOf(key) {
			switch state[d.key] {
			case visiting:
				l.reportCycle(path, d, cyclic)
			case 0:
				visit(d.key)
			}
		}
		path = path[:len(path)-1]
		state[key] = done
		if name, ok := strings.CutPrefix(key, "v:"); ok {
			if cyclic[key] {
				l.root.Variables[name] = cty.DynamicVal
				return
			}
			l.evalVariable(l.vars[name])
		}
	}
	for _, name := range l.varOrder {
		if state["v:"+name] == 0 {
			visit("v:" + name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(l.funcs)) {
		if state["f:"+name] == 0 {
			visit("f:" + name)
		}
	}
}

func (l *loader) reportCycle(path []string, closing dep, cyclic map[string]bool) {
	start := 0
	for i, k := range path {
		if k == closing.key {
			start = i
		}
	}
	var names []string
	for _, k := range path[start:] {
		cyclic[k] = true
		names = append(names, k[2:])
	}
	names = append(names, closing.key[2:])
	what := "variable"
	if strings.HasPrefix(closing.key, "f:") {
		what = "function"
	}
	l.diags = append(l.diags, errorf(closing.rng, "Reference cycle",
		"The %s %q depends on itself: %s. Break the cycle by giving one of them a value that does not refer back.",
		what, closing.key[2:], cyclePath(names)))
}

// ctyJSON renders a value as compact JSON, for messages.
func ctyJSON(v cty.Value) (string, error) {
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return "", err
	}
	var out any
	if json.Unmarshal(b, &out) == nil {
		b, _ = json.Marshal(out)
	}
	return string(b), nil
}
