package lsp

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/spec"
)

// symbolAt is what the cursor names: in a native HCL file, the name the
// syntax tree has there (syntax.go); elsewhere (JSON, YAML, compose),
// the word under the cursor when the spec has something of that name.
func (s *Server) symbolAt(a *analysis, path string, at position) (name, bool) {
	if src, ok := a.source(path); ok && a.names(path) != nil {
		return a.nameAt(path, byteOffset(string(src), at))
	}
	word := s.wordAt(path, at)
	for _, kind := range []string{kindTarget, kindBuilder, kindVar} {
		if a.declared(kind, word) != nil {
			return name{kind: kind, name: word}, true
		}
	}
	return name{}, false
}

// declared is where the spec declares a name of kind, or nil.
func (a *analysis) declared(kind, nm string) *hcl.Range {
	sp := a.spec
	switch kind {
	case kindTarget:
		if t := sp.Targets[nm]; t != nil {
			return &t.DeclRange
		}
		if g := sp.Groups[nm]; g != nil {
			return &g.DeclRange
		}
	case kindBuilder:
		if b := sp.Builders[nm]; b != nil {
			return &b.DeclRange
		}
	case kindVar:
		for _, v := range sp.Variables {
			if v.Name == nm {
				return &v.DeclRange
			}
		}
	case kindFunc: // the spec keeps no declarations of functions: the files do
		for _, path := range a.paths() {
			for _, n := range a.names(path) {
				if n.decl && n.kind == kindFunc && n.name == nm {
					return &n.rng
				}
			}
		}
	}
	return nil
}

// paths are the project's files, in load order.
func (a *analysis) paths() []string {
	var out []string
	for _, f := range a.spec.Files {
		if p := a.spec.FilePaths[f]; p != "" {
			out = append(out, p)
		}
	}
	return out
}

// definition is where the name under the cursor is declared: a target
// or group (named in inherits, target:, depends_on, a group's targets,
// target.NAME), a variable, a function, a builder; from a target's
// dockerfile or context, the Dockerfile it builds.
func (s *Server) definition(a *analysis, path string, at position) *location {
	n, ok := s.symbolAt(a, path, at)
	if !ok {
		return nil
	}
	if n.kind == kindDockerfile {
		if file := a.dockerfile(n.name); file != "" {
			return &location{URI: pathToURI(file)}
		}
		return nil
	}
	r := a.declared(n.kind, n.name)
	if r == nil || r.Filename == "" {
		return nil
	}
	file := a.path(r.Filename)
	return &location{URI: pathToURI(file), Range: s.lspRange(file, *r)}
}

// dockerfile is the Dockerfile a target builds, when it is a file here.
func (a *analysis) dockerfile(target string) string {
	if a.plan == nil {
		return ""
	}
	if n := a.plan.Node(target); n != nil {
		return n.Program.Dockerfile.Path
	}
	return ""
}

// references are the places the project names what the cursor names,
// its declaration first when asked for.
func (s *Server) references(a *analysis, path string, at position, withDecl bool) []location {
	target, ok := s.symbolAt(a, path, at)
	if !ok || target.kind == kindDockerfile || a.declared(target.kind, target.name) == nil {
		return nil // only what the project declares: not a built-in function
	}
	var out []location
	for _, file := range a.paths() {
		src, _ := a.source(file)
		names := a.names(file)
		if names == nil {
			names = lexicalNames(src, target.kind, target.name)
			// The declaration, unless the pattern found it too.
			r := a.declared(target.kind, target.name)
			if i := slices.IndexFunc(names, func(n name) bool { return n.rng.Start.Byte < r.End.Byte && r.Start.Byte < n.rng.End.Byte }); i >= 0 && a.path(r.Filename) == file {
				names[i].decl = true
			} else if a.path(r.Filename) == file {
				names = append(names, name{kind: target.kind, name: target.name, rng: *r, decl: true})
			}
			slices.SortFunc(names, func(x, y name) int { return x.rng.Start.Byte - y.rng.Start.Byte })
		}
		for _, n := range names {
			if n.kind == target.kind && n.name == target.name && (withDecl || !n.decl) {
				out = append(out, location{URI: pathToURI(file), Range: rng{Start: lspPosition(src, n.rng.Start), End: lspPosition(src, n.rng.End)}})
			}
		}
	}
	return out
}

// prepareRename is the name under the cursor an editor may rename and
// where it is written, or nil where nothing the project declares is
// named (a string, a built-in function): the editor then says so before
// the user types a new name.
func (s *Server) prepareRename(a *analysis, path string, at position) map[string]any {
	n, ok := s.symbolAt(a, path, at)
	if !ok || n.kind == kindDockerfile || a.declared(n.kind, n.name) == nil {
		return nil
	}
	if n.rng.Filename == "" { // found by the word under the cursor: the word is the name
		return map[string]any{"defaultBehavior": true}
	}
	src, _ := a.source(path)
	return map[string]any{"range": rng{Start: lspPosition(src, n.rng.Start), End: lspPosition(src, n.rng.End)}, "placeholder": n.name}
}

// rename renames a target, group, variable, function or builder
// everywhere the project names it. A new name that is not valid for its
// kind, or is another's already, is refused with the reason.
func (s *Server) rename(a *analysis, path string, at position, newName string) (map[string]any, string) {
	n, ok := s.symbolAt(a, path, at)
	if !ok || n.kind == kindDockerfile || a.declared(n.kind, n.name) == nil {
		return nil, "Nothing to rename here: put the cursor on a target, group, variable, function or builder the project declares."
	}
	if problem := spec.NameProblem(n.kind, newName); problem != "" {
		return nil, problem
	}
	if _, _, builtin := spec.FunctionSignature(newName); n.kind == kindFunc && builtin {
		return nil, fmt.Sprintf("%q is a built-in function; pick another name.", newName)
	}
	if newName != n.name && a.declared(n.kind, newName) != nil {
		return nil, fmt.Sprintf("A %s named %q is already declared; pick another name.", n.kind, newName)
	}
	changes := map[string][]textEdit{}
	for _, loc := range s.references(a, path, at, true) {
		changes[loc.URI] = append(changes[loc.URI], textEdit{Range: loc.Range, NewText: newName})
	}
	return map[string]any{"changes": changes}, ""
}
