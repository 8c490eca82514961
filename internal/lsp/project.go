package lsp

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/diag"
	"github.com/xbake/xbake/internal/plan"
	"github.com/xbake/xbake/internal/rule"
	"github.com/xbake/xbake/spec"
)

// analysis is one load and plan of the project a document belongs to.
type analysis struct {
	spec  *spec.Spec
	diags hcl.Diagnostics
	dir   string
}

// analyze loads the project of the file at path as `xbake plan` would in
// its directory (the default files there, or this file when it is not
// one of them), with the editor's open documents in place of the files,
// and plans every target but inherit-only ones.
func (s *Server) analyze(path string) *analysis {
	dir := filepath.Dir(path)
	opts := spec.Options{Dir: dir, ReadFile: s.readFile}
	if !isDefaultFile(path) {
		opts.Files = []string{path}
	}
	sp, diags := spec.Load(opts)
	a := &analysis{spec: sp, dir: dir}
	if sp == nil {
		a.diags = diags
		return a
	}
	sel := &spec.Selection{All: true, Targets: sp.Buildable()}
	_, planDiags := plan.New(sp, sel, plan.Options{SkipDigests: true})
	all := append(diags, planDiags...)
	for _, d := range all {
		if rule.Of(d) == "" {
			rule.Tag(rule.ForSummary(d.Summary), d)
		}
	}
	a.diags, _ = diag.Ignore(all, sp.Sources, nil) // # xbake:ignore comments, as plan honours them
	return a
}

// isDefaultFile reports whether xbake reads the file without -f in its
// directory.
func isDefaultFile(path string) bool {
	name := filepath.Base(path)
	return slices.Contains(spec.DefaultFiles, name) || slices.Contains(spec.BakeFiles, name) || slices.Contains(spec.OverrideFiles, name)
}

// projectKey names the project a document belongs to: its directory's
// default files, or the document alone.
func projectKey(path string) string {
	if isDefaultFile(path) {
		return filepath.Dir(path)
	}
	return path
}

// load is the analysis of path's project: the last one while no document
// of it changed since, else a new one. Loads are serialized.
func (s *Server) load(path string) *analysis {
	s.analyzing.Lock()
	defer s.analyzing.Unlock()
	key := projectKey(path)
	s.mu.Lock()
	a, edits := s.analyses[key], s.edits
	s.mu.Unlock()
	if a != nil {
		return a
	}
	a = s.analyze(path)
	s.mu.Lock()
	if s.edits == edits { // no document changed meanwhile: a is current
		s.analyses[key] = a
	}
	s.mu.Unlock()
	return a
}

// readFile reads an open document's text, else the file.
func (s *Server) readFile(path string) ([]byte, error) {
	if text, ok := s.text(path); ok {
		return []byte(text), nil
	}
	return os.ReadFile(path)
}

// path is the file a diagnostic's file name is, in the analysed
// directory.
func (a *analysis) path(name string) string {
	if p, ok := a.spec.FilePaths[name]; ok {
		return p
	}
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(a.dir, name)
}

// diagnostics groups the findings by file, every file of the project
// present (an empty list clears what an editor showed before).
func (a *analysis) diagnostics(s *Server) map[string][]diagnostic {
	out := map[string][]diagnostic{}
	if a.spec != nil {
		for _, p := range a.spec.FilePaths {
			out[p] = []diagnostic{}
		}
	}
	texts := map[string][]byte{} // each file read once, however many findings it has
	for _, d := range a.diags {
		if d.Subject == nil || d.Subject.Filename == "" {
			continue
		}
		path := a.path(d.Subject.Filename)
		if _, ok := texts[path]; !ok {
			texts[path], _ = s.readFile(path)
		}
		severity := 1
		if d.Severity == hcl.DiagWarning {
			severity = 2
		}
		msg := d.Summary
		if d.Detail != "" {
			msg += ": " + d.Detail
		}
		r := rng{Start: lspPosition(texts[path], d.Subject.Start), End: lspPosition(texts[path], d.Subject.End)}
		out[path] = append(out[path], diagnostic{Range: r, Severity: severity, Code: string(rule.Of(d)), Source: "xbake", Message: msg})
	}
	return out
}

// lspRange turns an HCL range into LSP's (0-based lines, UTF-16 columns)
// by its byte offsets in the document's text.
func (s *Server) lspRange(path string, r hcl.Range) rng {
	text, _ := s.readFile(path)
	return rng{Start: lspPosition(text, r.Start), End: lspPosition(text, r.End)}
}

func lspPosition(text []byte, p hcl.Pos) position {
	line := max(p.Line-1, 0)
	start := lineStart(text, line)
	end := min(max(p.Byte, start), len(text))
	if p.Byte == 0 && p.Line > 1 { // a range without byte offsets
		return position{Line: line, Character: max(p.Column-1, 0)}
	}
	return position{Line: line, Character: utf16Len(string(text[start:end]))}
}

// lineStart is the byte offset of a 0-based line.
func lineStart(text []byte, line int) int {
	off := 0
	for i := 0; i < line; i++ {
		j := bytes.IndexByte(text[off:], '\n')
		if j < 0 {
			return len(text)
		}
		off += j + 1
	}
	return off
}

// byteOffset is the byte offset of an LSP position in text.
func byteOffset(text string, p position) int {
	off := lineStart([]byte(text), p.Line)
	units := 0
	for i, r := range text[off:] {
		if units >= p.Character || r == '\n' {
			return off + i
		}
		units++ // one unit...
		if r >= 0x10000 {
			units++ // ...two for a surrogate pair
		}
	}
	return len(text)
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

func uriToPath(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" {
		return uri
	}
	return filepath.Clean(u.Path)
}

func pathToURI(path string) string {
	return (&url.URL{Scheme: "file", Path: path}).String()
}
