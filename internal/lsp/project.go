package lsp

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/diag"
	"github.com/xbake/xbake/internal/plan"
	"github.com/xbake/xbake/internal/rule"
	"github.com/xbake/xbake/spec"
)

// project is what `xbake plan` reads for a document: the files of the
// editor's "files" setting (its -f list) when the document is one of
// them, else the default files of the directory of a project that
// includes the document, else its own directory's default files, or the
// document alone when it is not one of them.
type project struct {
	dir   string   // the working directory
	files []string // -f files (absolute); empty: dir's default files
}

func (p project) key() string { return p.dir + "\x00" + strings.Join(p.files, "\x00") }

// analysis is one load and plan of a project.
type analysis struct {
	project project
	spec    *spec.Spec
	plan    *plan.Plan // nil when the spec did not load
	diags   hcl.Diagnostics

	mu     sync.Mutex
	syntax map[string][]name // the names each file writes (syntax.go), by path
}

// analyze loads a project as `xbake plan` would, with the editor's open
// documents in place of the files, and plans every target but
// inherit-only ones.
func (s *Server) analyze(p project) *analysis {
	opts := spec.Options{Dir: p.dir, Files: p.files, ReadFile: s.readFile, Exists: s.exists}
	sp, diags := spec.Load(opts)
	a := &analysis{project: p, spec: sp, syntax: map[string][]name{}}
	if sp == nil {
		a.diags = diags
		return a
	}
	sel := &spec.Selection{All: true, Targets: sp.Buildable()}
	pl, planDiags := plan.New(sp, sel, plan.Options{SkipDigests: true})
	a.plan = pl
	all := append(diags, planDiags...)
	for _, d := range all {
		if rule.Of(d) == "" {
			rule.Tag(rule.ForSummary(d.Summary), d)
		}
	}
	a.diags, _ = diag.Ignore(all, sp.Sources, nil) // # xbake:ignore comments, as plan honours them
	return a
}

// reads reports whether the analysis read the file at path.
func (a *analysis) reads(path string) bool {
	if a.spec == nil {
		return false
	}
	for _, p := range a.spec.FilePaths {
		if p == path {
			return true
		}
	}
	return false
}

// isDefaultFile reports whether xbake reads the file without -f in its
// directory.
func isDefaultFile(path string) bool {
	name := filepath.Base(path)
	return slices.Contains(spec.DefaultFiles, name) || slices.Contains(spec.BakeFiles, name) || slices.Contains(spec.OverrideFiles, name)
}

// exists reports whether a file is open in the editor (saved or not) or
// on disk.
func (s *Server) exists(path string) bool {
	if _, ok := s.text(path); ok {
		return true
	}
	_, err := os.Stat(path)
	return err == nil
}

// projectOf is the project the document at path belongs to (see
// project).
func (s *Server) projectOf(path string) project {
	s.mu.Lock()
	root, files := s.root, s.files
	s.mu.Unlock()
	if slices.Contains(files, path) {
		return project{dir: root, files: files}
	}
	// A project above that includes the file: the nearest, up to the
	// workspace's root (its real path, when the editor opened the root
	// through a link and the file by its real path).
	if root != "" && !within(path, root) {
		if real, err := filepath.EvalSymlinks(root); err == nil && within(path, real) {
			root = real
		}
	}
	for dir := filepath.Dir(filepath.Dir(path)); root != "" && within(dir, root); dir = filepath.Dir(dir) {
		if spec.HasDefaultFileWith(dir, s.exists) {
			if a := s.load(project{dir: dir}); a.reads(path) {
				return a.project
			}
		}
		if dir == root {
			break
		}
	}
	if isDefaultFile(path) {
		return project{dir: filepath.Dir(path)}
	}
	return project{dir: filepath.Dir(path), files: []string{path}}
}

// within reports whether path is dir or inside it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// load is the analysis of a project: the last one while no document
// changed since, else a new one. Loads are serialized.
func (s *Server) load(p project) *analysis {
	s.analyzing.Lock()
	defer s.analyzing.Unlock()
	key := p.key()
	s.mu.Lock()
	a, edits := s.analyses[key], s.edits
	s.mu.Unlock()
	if a != nil {
		return a
	}
	a = s.analyze(p)
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
	return filepath.Join(a.project.dir, name)
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
