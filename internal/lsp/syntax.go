package lsp

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/xbake/xbake/spec"
)

// The names a spec file writes, found in its syntax tree: what
// go-to-definition, references, rename and inlay hints work from. The
// loader keeps only a file's text once it has read it (its trees are
// freed as targets resolve), so a native HCL file is parsed again here,
// by the loader's parser (spec.ParseHCL), when one of these is asked for, and its names are
// kept with the analysis.

// A name is one place a spec names a target (or group), variable,
// function or builder.
type name struct {
	kind string // kindTarget, kindVar, kindFunc or kindBuilder
	name string
	rng  hcl.Range // the name alone, without quotes or "target:"
	decl bool      // where it is declared
	typ  string    // the block type of a declaration
}

const (
	kindTarget  = "target" // targets and groups: one namespace
	kindVar     = "variable"
	kindFunc    = "function"
	kindBuilder = "builder"
	// kindDockerfile is a target's dockerfile or context attribute: it
	// leads to the Dockerfile the target builds.
	kindDockerfile = "dockerfile"
)

// blockKinds are the blocks that declare a name, by block type.
var blockKinds = map[string]string{"target": kindTarget, "group": kindTarget, "variable": kindVar, "function": kindFunc, "builder": kindBuilder}

// targetLists are the attributes whose strings name targets.
var targetLists = map[string]bool{"inherits": true, "targets": true, "depends_on": true}

// names lists the names a file writes, from its text as the analysis
// read it; nil for a file that is not native HCL or does not parse.
func (a *analysis) names(path string) []name {
	a.mu.Lock()
	defer a.mu.Unlock()
	if got, ok := a.syntax[path]; ok {
		return got
	}
	var out []name
	if src, ok := a.source(path); ok && filepath.Ext(path) == ".hcl" {
		if f, diags := spec.ParseHCL(src, path); !diags.HasErrors() {
			out = fileNames(f.Body.(*hclsyntax.Body), src)
		}
	}
	a.syntax[path] = out
	return out
}

// source is the text of a file of the analysis, as it read it.
func (a *analysis) source(path string) ([]byte, bool) {
	if a.spec == nil {
		return nil, false
	}
	for n, p := range a.spec.FilePaths {
		if p == path && a.spec.Sources[n] != nil {
			return a.spec.Sources[n].Bytes, true
		}
	}
	return nil, false
}

func fileNames(body *hclsyntax.Body, src []byte) []name {
	var out []name
	for _, attr := range body.Attributes { // bake: a top-level attribute is a variable
		out = append(out, name{kind: kindVar, name: attr.Name, rng: attr.NameRange, decl: true})
		out = append(out, exprNames(attr.Expr, nil)...)
	}
	for _, b := range body.Blocks {
		kind := blockKinds[b.Type]
		if kind == "" || len(b.Labels) == 0 {
			continue
		}
		out = append(out, name{kind: kind, name: b.Labels[0], rng: unquoted(b.LabelRanges[0], src), decl: true, typ: b.Type})
		bound := boundIn(b)
		for attrName, attr := range b.Body.Attributes {
			switch {
			case targetLists[attrName] && kind == kindTarget:
				out = append(out, literalNames(attr.Expr, kindTarget, "")...)
			case attrName == "contexts" && kind == kindTarget:
				out = append(out, literalNames(attr.Expr, kindTarget, "target:")...)
			case attrName == "builder" && kind == kindTarget:
				out = append(out, literalNames(attr.Expr, kindBuilder, "")...)
			case (attrName == "dockerfile" || attrName == "context") && b.Type == "target":
				// Named after the block: the target whose Dockerfile it is.
				out = append(out, name{kind: kindDockerfile, name: b.Labels[0], rng: attr.Expr.Range()})
			}
			out = append(out, exprNames(attr.Expr, bound)...)
		}
	}
	slices.SortFunc(out, func(x, y name) int { return x.rng.Start.Byte - y.rng.Start.Byte })
	return out
}

// unquoted is a block label's range without its quotes.
func unquoted(r hcl.Range, src []byte) hcl.Range {
	if r.End.Byte-r.Start.Byte >= 2 && r.End.Byte <= len(src) && src[r.Start.Byte] == '"' {
		r.Start.Byte++
		r.Start.Column++
		r.End.Byte--
		r.End.Column--
	}
	return r
}

// boundIn are the names a block binds for its expressions: a function's
// parameters, a matrix target's variables.
func boundIn(b *hclsyntax.Block) map[string]bool {
	bound := map[string]bool{}
	for _, attrName := range []string{"params", "variadic_params", "matrix"} {
		attr := b.Body.Attributes[attrName]
		if attr == nil {
			continue
		}
		switch e := attr.Expr.(type) {
		case *hclsyntax.TupleConsExpr:
			for _, item := range e.Exprs {
				bound[hcl.ExprAsKeyword(item)] = true
			}
		case *hclsyntax.ObjectConsExpr:
			for _, item := range e.Items {
				bound[hcl.ExprAsKeyword(item.KeyExpr)] = true
			}
		default:
			bound[hcl.ExprAsKeyword(e)] = true
		}
	}
	return bound
}

// literalNames are the plain strings of an expression that name
// something of kind: the whole string, or what follows prefix.
func literalNames(expr hclsyntax.Expression, kind, prefix string) []name {
	var out []name
	hclsyntax.VisitAll(expr, func(n hclsyntax.Node) hcl.Diagnostics {
		t, ok := n.(*hclsyntax.TemplateExpr)
		if !ok || len(t.Parts) != 1 {
			return nil
		}
		lit, ok := t.Parts[0].(*hclsyntax.LiteralValueExpr)
		if !ok || !lit.Val.Type().Equals(cty.String) || !lit.Val.IsKnown() || lit.Val.IsNull() {
			return nil
		}
		value := lit.Val.AsString()
		r := lit.SrcRange
		if !strings.HasPrefix(value, prefix) || r.End.Byte-r.Start.Byte != len(value) { // escapes: not a plain name
			return nil
		}
		r.Start.Byte += len(prefix)
		r.Start.Column += len(prefix)
		out = append(out, name{kind: kind, name: value[len(prefix):], rng: r})
		return nil
	})
	return out
}

// exprNames are the variables and functions an expression refers to
// (and targets, as target.NAME.attr), but names bound around them: the
// block's (bound) and for expressions'.
func exprNames(expr hclsyntax.Expression, bound map[string]bool) []name {
	var out []name
	type forScope struct {
		rng  hcl.Range
		vars []string
	}
	var fors []forScope
	hclsyntax.VisitAll(expr, func(n hclsyntax.Node) hcl.Diagnostics {
		switch e := n.(type) {
		case *hclsyntax.ForExpr:
			fors = append(fors, forScope{e.SrcRange, []string{e.KeyVar, e.ValVar}})
		case *hclsyntax.FunctionCallExpr:
			out = append(out, name{kind: kindFunc, name: e.Name, rng: e.NameRange})
		case *hclsyntax.ScopeTraversalExpr:
			root := e.Traversal.RootName()
			if root == "target" && len(e.Traversal) > 1 {
				if attr, ok := e.Traversal[1].(hcl.TraverseAttr); ok {
					r := attr.SrcRange
					r.Start.Byte++ // the dot
					r.Start.Column++
					out = append(out, name{kind: kindTarget, name: attr.Name, rng: r})
				}
				return nil
			}
			if bound[root] {
				return nil
			}
			out = append(out, name{kind: kindVar, name: root, rng: e.Traversal[0].SourceRange()})
		}
		return nil
	})
	// A for expression's variables are its own.
	return slices.DeleteFunc(out, func(x name) bool {
		if x.kind != kindVar {
			return false
		}
		for _, f := range fors {
			if slices.Contains(f.vars, x.name) && x.rng.Start.Byte >= f.rng.Start.Byte && x.rng.End.Byte <= f.rng.End.Byte {
				return true
			}
		}
		return false
	})
}

// nameAt is the name written at a byte offset of a file, if any: the
// narrowest (a variable inside a dockerfile attribute is the variable).
func (a *analysis) nameAt(path string, off int) (name, bool) {
	var best name
	found := false
	for _, n := range a.names(path) {
		if off >= n.rng.Start.Byte && off <= n.rng.End.Byte && (!found || n.rng.End.Byte-n.rng.Start.Byte < best.rng.End.Byte-best.rng.Start.Byte) {
			best, found = n, true
		}
	}
	return best, found
}

// lexicalNames finds a name in a file the loader does not read as
// native HCL (JSON, YAML, compose): "NAME" and "target:NAME" strings for
// targets and builders, ${NAME} for variables.
func lexicalNames(src []byte, kind, nm string) []name {
	q := regexp.QuoteMeta(nm)
	var re *regexp.Regexp
	switch kind {
	case kindVar:
		re = regexp.MustCompile(`\$\{(` + q + `)\b`)
	case kindTarget, kindBuilder:
		re = regexp.MustCompile(`(?m)^\s*["']?(` + q + `)["']?\s*:(?:\s|$)|["'](?:target:)?(` + q + `)["']`)
	default:
		return nil
	}
	var out []name
	for _, m := range re.FindAllSubmatchIndex(src, -1) {
		for g := 2; g+1 < len(m); g += 2 {
			if m[g] >= 0 {
				out = append(out, name{kind: kind, name: nm, rng: byteRange(src, m[g], m[g+1])})
			}
		}
	}
	return out
}

// byteRange is the HCL range of src[start:end].
func byteRange(src []byte, start, end int) hcl.Range {
	pos := func(off int) hcl.Pos {
		line := 1 + strings.Count(string(src[:off]), "\n")
		col := off - (strings.LastIndexByte(string(src[:off]), '\n') + 1) + 1
		return hcl.Pos{Line: line, Column: col, Byte: off}
	}
	return hcl.Range{Start: pos(start), End: pos(end)}
}
