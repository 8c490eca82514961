package spec

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	hcljson "github.com/hashicorp/hcl/v2/json"
	"gopkg.in/yaml.v3"

	"github.com/xbake/xbake/schema"
	"github.com/xbake/xbake/spec/nesting"
	"github.com/xbake/xbake/spec/yamlhcl"
)

// DefaultFiles are the spec files looked for when no -f is given, in
// order. bake's files are read only when none of xbake's own exists.
var (
	DefaultFiles = []string{"xbuild.hcl", "xbuild.yaml", "xbuild.yml", "xbuild.json"}
	BakeFiles    = []string{"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml",
		"docker-bake.json", "docker-bake.hcl", "docker-bake.override.json", "docker-bake.override.hcl"}
	OverrideFiles = []string{"xbuild.override.hcl", "xbuild.override.yaml", "xbuild.override.yml", "xbuild.override.json"}
)

// syntax says which front end reads a file.
type syntax int

const (
	syntaxHCL      syntax = iota // xbuild.hcl, docker-bake.hcl
	syntaxYAML                   // xbuild.yaml, xbuild.json: plural top-level keys
	syntaxBakeJSON               // docker-bake.json: HCL's JSON syntax
	syntaxCompose                // compose.yaml: services with a build section
)

// sourceFile is one parsed spec file.
type sourceFile struct {
	cwd  string // the working directory, where cwd:// paths start
	name string // as given, used in diagnostics
	path string // absolute path ("" for stdin)
	dir  string // absolute directory of the file
	// pathDir is where its relative paths (dest, secret src, ...) start,
	// ctxDir where its relative build contexts do: the file's directory
	// for an xbuild.* file; the working directory for a bake file, as
	// bake reads it (ctxDir the file's with BUILDX_BAKE_FILE_RELATIVE_PATHS).
	pathDir, ctxDir string
	// included is set for files loaded through another file's include:
	// their names must not repeat names declared elsewhere.
	included bool
	syntax   syntax
	file     *hcl.File
	// lookupEnv reads the environment, for compose's interpolation.
	lookupEnv func(string) (string, bool)
	// compose is what every compose file read says of the services
	// (loader.composeBuilds).
	compose composeProject
	// reads is where the spec may read: a compose file's extends too.
	reads Boundary
}

// HasDefaultFile reports whether dir holds a spec file xbake would read
// without -f.
func HasDefaultFile(dir string) bool { return HasDefaultFileWith(dir, nil) }

// HasDefaultFileWith is HasDefaultFile with exists saying which files
// are there (nil: on disk), as Options.Exists.
func HasDefaultFileWith(dir string, exists func(path string) bool) bool {
	_, diags := findFiles(dir, exists)
	return !diags.HasErrors()
}

// Empty is the spec of a directory without one: no targets, no builders
// but the built-in one. Commands about builders work with it anywhere.
func Empty(dir string) *Spec {
	return &Spec{Root: dir, Targets: map[string]*Target{}, Groups: map[string]*Group{}, Builders: map[string]*Builder{},
		Sources: map[string]*hcl.File{}, FilePaths: map[string]string{}}
}

// findFiles returns the spec files to read in dir when the user named
// none; exists says whether a file is there (nil: on disk).
func findFiles(dir string, exists func(path string) bool) ([]string, hcl.Diagnostics) {
	if exists == nil {
		exists = func(path string) bool { _, err := os.Stat(path); return err == nil }
	}
	pick := func(names []string) []string {
		var found []string
		for _, n := range names {
			if exists(filepath.Join(dir, n)) {
				found = append(found, n)
			}
		}
		return found
	}
	files := pick(DefaultFiles)
	// A team moving from bake keeps docker-bake.hcl readable by bake and
	// puts xbake's settings in xbuild.hcl: then the bake files are read
	// first, as bake reads them, and xbake's own on top. Compose files
	// count only beside a docker-bake file: alone next to xbuild.hcl, a
	// compose file is more often for running services than for building.
	bake := pick(BakeFiles)
	if len(files) > 0 && !slices.ContainsFunc(bake, func(n string) bool { return strings.HasPrefix(n, "docker-bake.") }) {
		bake = nil
	}
	files = append(bake, files...)
	if len(files) == 0 {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "No spec file",
			Detail: fmt.Sprintf("No %s was found in %s (nor bake's docker-bake.hcl or docker-bake.json). "+
				"Create one, or name a file with -f.", strings.Join(DefaultFiles, ", "), dir),
		}}
	}
	return append(files, pick(OverrideFiles)...), nil
}

// readFile reads one named file ("-" is stdin) and parses it with the
// front end its name and content call for.
func readFile(name, dir string, stdin io.Reader, read func(string) ([]byte, error)) (*sourceFile, []byte, hcl.Diagnostics) {
	if read == nil {
		read = os.ReadFile
	}
	var src []byte
	var err error
	path := name
	if name == "-" {
		if stdin == nil {
			stdin = os.Stdin
		}
		src, err = io.ReadAll(stdin)
		name = "<stdin>"
	} else {
		path = specPath(name, dir)
		src, err = read(path)
	}
	if err != nil {
		return nil, nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read spec file",
			Detail:   fmt.Sprintf("Reading %q failed: %s. Check the path given with -f.", name, errText(err)),
		}}
	}
	sf := &sourceFile{name: name, dir: dir, cwd: dir, syntax: detectSyntax(name, src)}
	if name != "<stdin>" {
		sf.dir, sf.path = filepath.Dir(path), path
	}
	sf.pathDir, sf.ctxDir = sf.dir, sf.dir
	return sf, src, nil
}

// specPath is where a spec file named on the command line (or by an
// include) is: relative names start at the working directory.
func specPath(name, dir string) string {
	name = strings.TrimPrefix(name, "cwd://") // bake-action's spelling of "from the working directory"
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(dir, name)
}

func errText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// detectSyntax picks the front end: .hcl files are HCL; a JSON file whose
// top-level keys are bake's singular ones ("target") is bake JSON; any
// other JSON or YAML is xbake's YAML format. Stdin is sniffed.
// looksLikeCompose reports whether a YAML document is a compose file, as
// bake finds out by content: it has services and none of xbake's keys.
func looksLikeCompose(src []byte) bool {
	var probe map[string]any
	if yaml.Unmarshal(src, &probe) != nil {
		return false
	}
	if _, ok := probe["services"]; !ok {
		return false
	}
	for k := range probe {
		if _, ok := yamlTopKeys[k]; ok {
			return false
		}
	}
	return true
}

func detectSyntax(name string, src []byte) syntax {
	if IsComposeFile(name) {
		return syntaxCompose
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".hcl":
		return syntaxHCL
	case ".yaml", ".yml":
		if !IsXbuildFile(name) && looksLikeCompose(src) { // docker-compose.local.yml, ci/compose.prod.yaml
			return syntaxCompose
		}
		return syntaxYAML
	case ".json":
		if isBakeJSON(src) {
			return syntaxBakeJSON
		}
		return syntaxYAML
	}
	trimmed := bytes.TrimSpace(src)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		if isBakeJSON(src) {
			return syntaxBakeJSON
		}
		return syntaxYAML
	}
	var probe map[string]any
	if yaml.Unmarshal(src, &probe) == nil && probe != nil {
		if _, ok := probe["targets"]; ok {
			return syntaxYAML
		}
		for k := range probe {
			if _, ok := yamlTopKeys[k]; ok {
				return syntaxYAML
			}
		}
		if looksLikeCompose(src) { // a compose file on stdin, or named otherwise
			return syntaxCompose
		}
	}
	return syntaxHCL
}

var yamlTopKeys = map[string]struct{}{"variables": {}, "functions": {}, "builders": {}, "groups": {}, "targets": {}}

func isBakeJSON(src []byte) bool {
	var probe map[string]any
	if yaml.Unmarshal(src, &probe) != nil {
		return false
	}
	for _, k := range []string{"target", "group", "variable", "function"} {
		if _, ok := probe[k]; ok {
			return true
		}
	}
	for k := range probe {
		if _, ok := yamlTopKeys[k]; ok {
			return false // xbake's own format: targets, groups, ...
		}
	}
	// bake reads any JSON object as HCL's JSON syntax: a file of other
	// keys ({"TAG": "1.2.3"}) sets variables.
	return probe != nil
}

// parse runs the file's front end; YAML documents are validated against
// the embedded JSON Schema first.
func (sf *sourceFile) parse(src []byte) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if sf.syntax != syntaxYAML && sf.syntax != syntaxCompose { // yaml.v3 bounds its nesting; yamlhcl checks each template
		d := nesting.Check(src, sf.name, false)
		if d == nil && sf.syntax == syntaxHCL {
			d = nesting.CheckLines(src, sf.name)
		}
		if d != nil {
			sf.file = &hcl.File{Body: hcl.EmptyBody(), Bytes: src}
			return hcl.Diagnostics{d}
		}
	}
	switch sf.syntax {
	case syntaxHCL:
		sf.file, diags = parseHCL(src, sf.name)
	case syntaxBakeJSON:
		sf.file, diags = hcljson.Parse(src, sf.name)
	case syntaxYAML, syntaxCompose:
		var transform yamlhcl.Transform
		if sf.syntax == syntaxCompose {
			if emptyYAML(src) {
				sf.file = &hcl.File{Body: hcl.EmptyBody(), Bytes: src}
				return hcl.Diagnostics{errorf(hcl.Range{Filename: sf.name, Start: hcl.Pos{Line: 1, Column: 1, Byte: 0}, End: hcl.Pos{Line: 1, Column: 1, Byte: 0}},
					"Empty compose file", "%s holds nothing but comments; compose, and so bake, refuses an empty compose file. Add services, or leave the file out.", sf.name)}
			}
			transform = composeTransform(sf.cwd, sf.dir, sf.lookupEnv, sf.compose, sf.reads) // bake reads .env and env_file from the working directory
		}
		var root *yaml.Node
		sf.file, root, diags = yamlhcl.ParseWith(src, sf.name, pluralKey, transform)
		if !diags.HasErrors() && root != nil {
			diags = schema.Validate(root, func(n *yaml.Node) hcl.Range { return yamlhcl.NodeRange(sf.file, n) })
		}
	}
	if sf.file == nil {
		sf.file = &hcl.File{Body: hcl.EmptyBody(), Bytes: src}
	}
	return diags
}

// emptyYAML reports whether a YAML file holds nothing but blank lines,
// comments and document markers.
func emptyYAML(src []byte) bool {
	for _, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") && line != "---" && line != "..." {
			return false
		}
	}
	return true
}

// pluralKey maps a block type to its top-level YAML key.
func pluralKey(blockType string) string { return blockType + "s" }

// base is where this file's relative paths start.
func (sf *sourceFile) base() base { return base{dir: sf.pathDir, ctxDir: sf.ctxDir, cwd: sf.cwd} }

// IsXbuildFile reports whether a spec file is xbake's own (xbuild.hcl,
// xbuild.yaml, ...), whose relative paths start at its directory; any
// other file is read as bake reads it.
func IsXbuildFile(name string) bool {
	return strings.HasPrefix(filepath.Base(name), "xbuild.")
}

// readAsBake makes the relative paths of a bake file start where bake
// starts them: at the working directory, and its build contexts at the
// file's directory when fileRelative (BUILDX_BAKE_FILE_RELATIVE_PATHS).
func (sf *sourceFile) readAsBake(fileRelative bool) {
	sf.pathDir, sf.ctxDir = sf.cwd, sf.cwd
	if fileRelative {
		sf.ctxDir = sf.dir
	}
}
