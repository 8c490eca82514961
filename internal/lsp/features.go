package lsp

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/xbake/xbake/spec"
)

// feature answers a request about one document from a fresh load of its
// project.
func (s *Server) feature(m *message) error {
	var p struct {
		textDocumentPositionParams
		NewName string `json:"newName"` // rename
	}
	if err := json.Unmarshal(m.Params, &p); err != nil {
		return s.conn.fail(m.ID, codeInvalidParams, err.Error())
	}
	path := uriToPath(p.TextDocument.URI)
	if m.Method == "textDocument/formatting" {
		return s.conn.reply(m.ID, s.format(path))
	}
	a := s.load(path)
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
		return s.conn.reply(m.ID, s.references(a, path, p.Position))
	case "textDocument/rename":
		return s.conn.reply(m.ID, s.rename(a, path, p.Position, p.NewName))
	}
	return s.conn.reply(m.ID, nil)
}

// symbols is the outline of one file: its targets, groups and variables
// (and builders), in the order they are written.
func (s *Server) symbols(a *analysis, path string) []documentSymbol {
	out := []documentSymbol{}
	text, _ := s.readFile(path)
	add := func(name, detail string, kind int, r hcl.Range) {
		if a.path(r.Filename) != path {
			return
		}
		lr := rng{Start: lspPosition(text, r.Start), End: lspPosition(text, r.End)}
		out = append(out, documentSymbol{Name: name, Detail: detail, Kind: kind, Range: lr, SelectionRange: lr})
	}
	for _, name := range a.spec.TargetNames {
		add(name, "target", symbolClass, a.spec.Targets[name].DeclRange)
	}
	for name, g := range a.spec.Groups {
		if !g.FromMatrix {
			add(name, "group", symbolModule, g.DeclRange)
		}
	}
	for _, v := range a.spec.Variables {
		add(v.Name, "variable", symbolVariable, v.DeclRange)
	}
	for name, b := range a.spec.Builders {
		add(name, "builder", symbolObject, b.DeclRange)
	}
	slices.SortFunc(out, func(x, y documentSymbol) int {
		if x.Range.Start.Line != y.Range.Start.Line {
			return x.Range.Start.Line - y.Range.Start.Line
		}
		return x.Range.Start.Character - y.Range.Start.Character
	})
	return out
}

// definition is where the name under the cursor is declared: a target
// or group (named in inherits, target:, depends_on, a group's targets),
// a variable, a builder.
func (s *Server) definition(a *analysis, path string, at position) *location {
	word := s.wordAt(path, at)
	if word == "" {
		return nil
	}
	var r *hcl.Range
	switch {
	case a.spec.Targets[word] != nil:
		r = &a.spec.Targets[word].DeclRange
	case a.spec.Groups[word] != nil:
		r = &a.spec.Groups[word].DeclRange
	case a.spec.Builders[word] != nil:
		r = &a.spec.Builders[word].DeclRange
	default:
		for _, v := range a.spec.Variables {
			if v.Name == word {
				r = &v.DeclRange
			}
		}
	}
	if r == nil || r.Filename == "" {
		return nil
	}
	file := a.path(r.Filename)
	return &location{URI: pathToURI(file), Range: s.lspRange(file, *r)}
}

// hover shows a target as it resolves (what plan --print prints for it,
// after inherits, matrix and variables), a group's members, a variable's
// value now.
func (s *Server) hover(a *analysis, path string, at position) *hover {
	word := s.wordAt(path, at)
	if word == "" {
		return nil
	}
	if t := a.spec.Targets[word]; t != nil {
		printed, err := a.spec.Print(&spec.Selection{Targets: []string{word}, Names: []string{word}}, a.dir)
		if err != nil {
			return nil
		}
		var doc struct{ Target map[string]json.RawMessage }
		json.Unmarshal(printed, &doc)
		return &hover{Contents: markupContent{Kind: "markdown", Value: fmt.Sprintf("**target %s**, resolved:\n\n```json\n%s\n```", word, doc.Target[word])}}
	}
	if g := a.spec.Groups[word]; g != nil {
		var members []string
		for _, m := range g.Targets {
			members = append(members, m.Value)
		}
		return &hover{Contents: markupContent{Kind: "markdown", Value: fmt.Sprintf("**group %s**: %s", word, strings.Join(members, ", "))}}
	}
	for _, v := range a.spec.Variables {
		if v.Name != word || !v.Value.IsWhollyKnown() {
			continue
		}
		b, err := ctyjson.Marshal(v.Value, v.Value.Type())
		if err != nil {
			return nil
		}
		return &hover{Contents: markupContent{Kind: "markdown", Value: fmt.Sprintf("**variable %s** = `%s` (from %s)", word, b, v.Source)}}
	}
	return nil
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
