package lsp

import (
	"cmp"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/xbake/xbake/internal/plan"
	"github.com/xbake/xbake/spec"
)

// feature answers a request about one document from a fresh load of its
// project.
func (s *Server) feature(m *message) error {
	var p struct {
		textDocumentPositionParams
		NewName string `json:"newName"` // rename
		Context struct {
			IncludeDeclaration bool `json:"includeDeclaration"`
		} `json:"context"` // references
		Range rng `json:"range"` // inlay hints
	}
	if err := json.Unmarshal(m.Params, &p); err != nil {
		return s.conn.fail(m.ID, codeInvalidParams, err.Error())
	}
	path := uriToPath(p.TextDocument.URI)
	if m.Method == "textDocument/formatting" {
		return s.conn.reply(m.ID, s.format(path))
	}
	a := s.load(s.projectOf(path))
	if a.spec == nil {
		return s.conn.reply(m.ID, nil)
	}
	switch m.Method {
	case "textDocument/documentSymbol":
		return s.conn.reply(m.ID, s.symbols(a, path))
	case "textDocument/definition":
		if loc := s.definition(a, path, p.Position); loc != nil {
			return s.conn.reply(m.ID, loc)
		}
	case "textDocument/hover":
		if h := s.hover(a, path, p.Position); h != nil {
			return s.conn.reply(m.ID, h)
		}
	case "textDocument/completion":
		return s.conn.reply(m.ID, s.completion(a, path, p.Position))
	case "textDocument/references":
		return s.conn.reply(m.ID, s.references(a, path, p.Position, p.Context.IncludeDeclaration))
	case "textDocument/rename":
		edit, problem := s.rename(a, path, p.Position, p.NewName)
		if problem != "" {
			return s.conn.fail(m.ID, codeRequestFailed, problem)
		}
		return s.conn.reply(m.ID, edit)
	case "textDocument/prepareRename":
		if r := s.prepareRename(a, path, p.Position); r != nil {
			return s.conn.reply(m.ID, r)
		}
	case "textDocument/codeLens":
		return s.conn.reply(m.ID, s.codeLenses(a, path))
	case "textDocument/inlayHint":
		return s.conn.reply(m.ID, s.inlayHints(a, path, p.Range))
	}
	return s.conn.reply(m.ID, nil)
}

// symbols is the outline of one file: the targets, groups, variables,
// functions and builders it declares, in the order it writes them. A
// native HCL file's come from its syntax tree (an override file's
// blocks are there even though the target was first declared
// elsewhere); others' from the spec's declarations.
func (s *Server) symbols(a *analysis, path string) []documentSymbol {
	out := []documentSymbol{}
	text, _ := a.source(path)
	add := func(name, detail string, kind int, r hcl.Range) {
		lr := rng{Start: lspPosition(text, r.Start), End: lspPosition(text, r.End)}
		out = append(out, documentSymbol{Name: name, Detail: detail, Kind: kind, Range: lr, SelectionRange: lr})
	}
	if names := a.names(path); names != nil {
		kinds := map[string]int{"target": symbolClass, "group": symbolModule, "variable": symbolVariable, "function": symbolFunction, "builder": symbolObject}
		for _, n := range names {
			if n.decl {
				add(n.name, cmp.Or(n.typ, "variable"), kinds[cmp.Or(n.typ, "variable")], n.rng)
			}
		}
		return out
	}
	inFile := func(r hcl.Range) bool { return a.path(r.Filename) == path }
	for _, name := range a.spec.TargetNames {
		if t := a.spec.Targets[name]; inFile(t.DeclRange) {
			add(name, "target", symbolClass, t.DeclRange)
		}
	}
	for name, g := range a.spec.Groups {
		if !g.FromMatrix && inFile(g.DeclRange) {
			add(name, "group", symbolModule, g.DeclRange)
		}
	}
	for _, v := range a.spec.Variables {
		if inFile(v.DeclRange) {
			add(v.Name, "variable", symbolVariable, v.DeclRange)
		}
	}
	for name, b := range a.spec.Builders {
		if inFile(b.DeclRange) {
			add(name, "builder", symbolObject, b.DeclRange)
		}
	}
	slices.SortFunc(out, func(x, y documentSymbol) int {
		if x.Range.Start.Line != y.Range.Start.Line {
			return x.Range.Start.Line - y.Range.Start.Line
		}
		return x.Range.Start.Character - y.Range.Start.Character
	})
	return out
}

// hover shows a target as it resolves (what plan --print prints for it,
// after inherits, matrix and variables) with its builder, platforms and
// what it waits for; a group's members; a variable's value now; a
// function's parameters; a builder's driver and platforms; the
// Dockerfile a dockerfile or context attribute leads to.
func (s *Server) hover(a *analysis, path string, at position) *hover {
	n, ok := s.symbolAt(a, path, at)
	if !ok {
		return s.attributeHover(path, at)
	}
	var text string
	switch n.kind {
	case kindTarget:
		text = a.describeTarget(n.name)
	case kindVar:
		text = a.describeVariable(n.name)
	case kindFunc:
		if sig, doc, ok := spec.FunctionSignature(n.name); ok {
			text = fmt.Sprintf("**function** `%s`\n\n%s", sig, doc)
		} else if r := a.declared(kindFunc, n.name); r != nil {
			text = fmt.Sprintf("**function %s**, declared at %s:%d", n.name, filepath.Base(r.Filename), r.Start.Line)
		}
	case kindBuilder:
		if b := a.spec.Builders[n.name]; b != nil {
			text = fmt.Sprintf("**builder %s**: driver %s", n.name, cmp.Or(b.Driver.Value, "local"))
			if len(b.Platforms) > 0 {
				text += ", platforms " + strings.Join(values(b.Platforms), ", ")
			}
		}
	case kindDockerfile:
		if file := a.dockerfile(n.name); file != "" {
			text = fmt.Sprintf("**Dockerfile** of %s: `%s`", n.name, file)
		}
	}
	if text == "" {
		return nil
	}
	return &hover{Contents: markupContent{Kind: "markdown", Value: text}}
}

// attributeHover is the schema's description of the attribute whose
// name is under the cursor, in the block it is written in.
func (s *Server) attributeHover(path string, at position) *hover {
	text, _ := s.readFile(path)
	line := string(text[lineStart(text, at.Line):])
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	word := s.wordAt(path, at)
	if word == "" || lastAttr(line) != word {
		return nil
	}
	block := enclosingBlock(string(text[:lineStart(text, at.Line)]))
	for _, attr := range blockAttributes(block) {
		if attr.name == word && attr.doc != "" {
			return &hover{Contents: markupContent{Kind: "markdown", Value: fmt.Sprintf("**%s** (%s attribute)\n\n%s", word, block, attr.doc)}}
		}
	}
	return nil
}

// describeTarget is a target's hover text.
func (a *analysis) describeTarget(nm string) string {
	if g := a.spec.Groups[nm]; g != nil && a.spec.Targets[nm] == nil {
		return fmt.Sprintf("**group %s**: %s", nm, strings.Join(values(g.Targets), ", "))
	}
	if a.spec.Targets[nm] == nil {
		return ""
	}
	printed, err := a.spec.Print(&spec.Selection{Targets: []string{nm}, Names: []string{nm}}, a.project.dir)
	if err != nil {
		return ""
	}
	var doc struct{ Target map[string]json.RawMessage }
	json.Unmarshal(printed, &doc)
	text := fmt.Sprintf("**target %s**", nm)
	if node := a.planned(nm); node != nil {
		text += fmt.Sprintf("\n\n- builder: %s (%s)", cmp.Or(node.Builder, "the default"), cmp.Or(node.Driver, "local"))
		platforms := "the builder's default"
		if len(node.Platforms) > 0 {
			platforms = strings.Join(node.Platforms, ", ")
		}
		text += "\n- platforms: " + platforms
		if len(node.Needs) > 0 {
			var waits []string
			for _, e := range node.Needs {
				why := string(e.Kind)
				if e.Kind == plan.ContextEdge {
					why = "context " + e.Context
				}
				waits = append(waits, fmt.Sprintf("%s (%s)", e.To.Name, why))
			}
			text += "\n- waits for: " + strings.Join(waits, ", ")
		}
	} else {
		text += " (inherited only: not built)"
	}
	return text + fmt.Sprintf("\n\nresolved:\n\n```json\n%s\n```", doc.Target[nm])
}

// planned is a target's node in the plan, or nil.
func (a *analysis) planned(nm string) *plan.Node {
	if a.plan == nil {
		return nil
	}
	return a.plan.Node(nm)
}

// describeVariable is a variable's hover text: its value as it resolves
// now (the environment, then its default) and where that came from.
func (a *analysis) describeVariable(nm string) string {
	for _, v := range a.spec.Variables {
		if v.Name != nm || !v.Value.IsWhollyKnown() {
			continue
		}
		b, err := ctyjson.Marshal(v.Value, v.Value.Type())
		if err != nil {
			return ""
		}
		return fmt.Sprintf("**variable %s** = `%s` (from %s)", nm, b, v.Source)
	}
	return ""
}

func values(list []spec.String) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.Value
	}
	return out
}

// wordAt is the name under the cursor: letters, digits, _ and -.
func (s *Server) wordAt(path string, at position) string {
	text, ok := s.text(path)
	if !ok {
		b, err := s.readFile(path)
		if err != nil {
			return ""
		}
		text = string(b)
	}
	off := byteOffset(text, at)
	isName := func(c byte) bool {
		return c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	start, end := off, off
	for start > 0 && isName(text[start-1]) {
		start--
	}
	for end < len(text) && isName(text[end]) {
		end++
	}
	return text[start:end]
}

// format lays an HCL document out as xbake fmt does (hclwrite), one edit
// for the whole text; nothing for a document that does not parse (its
// diagnostics say why) or is not HCL.
func (s *Server) format(path string) []textEdit {
	if filepath.Ext(path) != ".hcl" {
		return []textEdit{}
	}
	text, ok := s.text(path)
	if !ok {
		return []textEdit{}
	}
	if _, diags := hclsyntax.ParseConfig([]byte(text), path, hcl.InitialPos); diags.HasErrors() {
		return []textEdit{}
	}
	formatted := string(hclwrite.Format([]byte(text)))
	if formatted == text {
		return []textEdit{}
	}
	lines := strings.Count(text, "\n")
	return []textEdit{{Range: rng{Start: position{}, End: position{Line: lines + 1}}, NewText: formatted}}
}
