package spec

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"gopkg.in/yaml.v3"

	"github.com/xbake/xbake/internal/rule"
	"github.com/xbake/xbake/schema"
)

func isSchemaDiag(d *hcl.Diagnostic) bool {
	_, ok := d.Extra.(schema.Violation)
	return ok
}

// Options says which files to load and how to override them.
type Options struct {
	// Files are the spec files named with -f, in order; "-" reads Stdin.
	// Empty means: look in Dir for the default names.
	Files []string
	Stdin io.Reader
	// Dir is the working directory: where default files are looked for,
	// and the base of relative -f paths and --set paths.
	Dir string
	// Vars are --var NAME=VALUE overrides.
	Vars map[string]string
	// LookupEnv reads the environment; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Overrides are the parsed --set arguments.
	Overrides []*Override
	// ReadFile reads a spec file; nil means os.ReadFile. Tests and fuzz
	// targets load from memory through it.
	ReadFile func(path string) ([]byte, error)
	// Exists says whether a default file is in Dir, without -f; nil
	// means on disk. The language server counts an editor's unsaved new
	// file.
	Exists func(path string) bool
	// AllowRead are the paths --allow fs.read grants outside the spec's
	// trees (absolute; "*" for everywhere). See Boundary.
	AllowRead []string
	// Evaluating, if set, is kept up to date with the expression being
	// evaluated, for a watchdog.
	Evaluating *Evaluating
	// CacheDir is the directory of the load cache (cache.go); empty
	// means none: every load parses.
	CacheDir string
}

// loader holds the state of one Load.
type loader struct {
	opts  Options
	spec  *Spec
	diags hcl.Diagnostics
	decls decls

	root    *hcl.EvalContext // functions and evaluated variables
	fileCtx map[*sourceFile]*hcl.EvalContext
	vars    map[string]*varDecl
	// varOrder keeps declaration order for evaluation and listing.
	varOrder []string
	funcs    map[string]*funcDecl
	fnDepth  int // nesting of user function calls, bounded by maxFunctionDepth
	budget   budget
	// fileRelative caches BUILDX_BAKE_FILE_RELATIVE_PATHS.
	fileRelative *bool
	// bakeFiles are the files read as bake reads them, by name.
	bakeFiles map[string]bool
	// matrixTargets counts the targets matrices made, bounded by maxMatrixTargets.
	matrixTargets int

	targetDecls     map[string]*targetDecl
	declared        map[string]cty.Value // "target\x00attr" -> declared value, see declaredAttr
	attrStack       []string             // attributes being evaluated ("target\x00attr"), for cycles
	keepDeclared    bool                 // some file refers to target.NAME: keep declared values
	resolved        map[string]*Target
	stack           []step            // targets being resolved, to find cycles
	overrideMatches []map[string]bool // per --set, the targets it applies to
	schemaExtents   []hcl.Range       // what schema errors cover, see finishDiags
	// unparsed holds each file's first syntax error: what the file
	// declares is missing, and the references to it are its knock-on
	// errors (see knockOns).
	unparsed []*hcl.Diagnostic
	// inputs records what the load reads, for the cache; nil without one.
	inputs *loadInputs
}

// Load reads, evaluates and resolves the spec files. It always returns a
// Spec (with Sources set, for rendering diagnostics); when the diagnostics
// hold errors, its content may be partial.
func Load(opts Options) (*Spec, hcl.Diagnostics) {
	if opts.Dir == "" {
		opts.Dir, _ = os.Getwd()
	}
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	if len(opts.Files) == 0 {
		if names, diags := findFiles(opts.Dir, opts.Exists); !diags.HasErrors() {
			opts.Files = names // found once, for the cache's key and the load
		}
	}
	cache := openCache(opts)
	if s, warnings := cache.lookup(opts); s != nil {
		return s, warnings
	}
	var inputs *loadInputs
	if cache != nil {
		inputs = cache.inputs
	}
	s, diags := load(opts, inputs)
	cache.store(s, diags)
	return s, diags
}

// load loads the files, recording what it reads in inputs (when not
// nil).
func load(opts Options, inputs *loadInputs) (*Spec, hcl.Diagnostics) {
	l := &loader{
		inputs: inputs,
		opts:   opts,
		spec: &Spec{
			Sources:   map[string]*hcl.File{},
			FilePaths: map[string]string{},
			BakeFiles: map[string]bool{},
			Targets:   map[string]*Target{},
			Groups:    map[string]*Group{},
			Builders:  map[string]*Builder{},
		},
		root:        newRootContext(),
		fileCtx:     map[*sourceFile]*hcl.EvalContext{},
		vars:        map[string]*varDecl{},
		funcs:       map[string]*funcDecl{},
		targetDecls: map[string]*targetDecl{},
		bakeFiles:   map[string]bool{},
		declared:    map[string]cty.Value{},
		resolved:    map[string]*Target{},
	}
	for name, f := range l.root.Functions {
		l.root.Functions[name] = l.budget.limited(name, l.inputs.watch(name, f))
	}
	l.spec.Root = opts.Dir
	l.spec.Reads = readBoundary(opts)
	l.readFiles()
	if l.diags.HasErrors() && len(l.spec.Files) == 0 {
		return l.spec, l.diags
	}
	l.declareFunctions()
	l.declareVariables()
	l.evalVariables()
	l.checkValidations()
	l.declareBuilders()
	l.keepDeclared = l.refersToTargets()
	l.declareTargets()
	l.decls.targets = nil // targetDecls hold what is still needed
	l.declareGroups()
	l.checkGroups()
	l.matchOverrides()
	l.resolveAll()
	l.checkTargets()
	return l.spec, l.finishDiags()
}

func (l *loader) readFiles() {
	names := l.opts.Files
	if len(names) == 0 {
		var diags hcl.Diagnostics
		names, diags = findFiles(l.opts.Dir, l.opts.Exists)
		l.diags = append(l.diags, diags...)
	}
	queue := make([]pendingFile, 0, len(names))
	for _, n := range names {
		queue = append(queue, pendingFile{name: n})
	}
	composeBuilds := l.composeBuilds(names)
	seen := map[string]bool{}
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		sf, src, diags := readFile(next.name, l.opts.Dir, l.opts.Stdin, l.opts.ReadFile)
		l.diags = append(l.diags, diags...)
		if sf == nil || (sf.path != "" && seen[sf.path]) {
			continue
		}
		seen[sf.path] = true
		if sf.path == "" || sf.syntax == syntaxCompose { // stdin; compose reads .env and env_file outside it
			l.inputs.notKept(sf.name)
		}
		l.inputs.file(next.name, src)
		sf.included = next.included
		sf.lookupEnv = l.lookupEnv
		sf.compose = composeBuilds
		sf.reads = l.spec.Reads
		if !sf.included && !IsXbuildFile(sf.name) && sf.syntax != syntaxYAML { // xbake's YAML format is its own
			sf.readAsBake(l.fileRelativePaths())
			l.bakeFiles[sf.name] = true
			l.spec.BakeFiles[sf.name] = true
		}
		if l.opts.Evaluating != nil { // a watchdog stopping a slow parse names the file
			l.opts.Evaluating.current.Store(&hcl.Range{Filename: sf.name, Start: hcl.Pos{Line: 1, Column: 1}})
		}
		parseDiags := sf.parse(src)
		for _, d := range parseDiags {
			if v, ok := d.Extra.(schema.Violation); ok && d.Subject != nil {
				l.schemaExtents = append(l.schemaExtents, v.Extent)
			}
		}
		l.diags = append(l.diags, parseDiags...)
		if parseDiags.HasErrors() {
			for _, d := range parseDiags {
				if d.Severity == hcl.DiagError && d.Subject != nil && !isSchemaDiag(d) {
					l.unparsed = append(l.unparsed, d)
					break
				}
			}
		}
		if len(l.spec.Files) == 0 {
			l.spec.Root = sf.dir
		}
		l.spec.Files = append(l.spec.Files, sf.name)
		l.spec.FilePaths[sf.name] = sf.path
		l.spec.Sources[sf.name] = sf.file
		l.diags = append(l.diags, l.decls.collect(sf)...)
		queue = append(queue, l.includes(sf)...)
		// The declarations now hold the blocks; keep only the text, so
		// each target's syntax can be freed once it is resolved.
		l.spec.Sources[sf.name] = &hcl.File{Bytes: sf.file.Bytes}
		sf.file = nil
	}
}

// pendingFile is a spec file still to read.
type pendingFile struct {
	name     string
	included bool
}

// includes expands the include attribute of a file: paths and globs
// relative to the file's directory.
func (l *loader) includes(sf *sourceFile) []pendingFile {
	var out []pendingFile
	for _, a := range l.decls.includes {
		v, diags := a.Expr.Value(nil)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			continue
		}
		av := &attrValue{attr: a.Attribute, val: v, base: sf.base()}
		patterns := av.list()
		l.diags = append(l.diags, av.diags...)
		for _, p := range patterns {
			out = append(out, l.expandInclude(sf, p)...)
		}
	}
	return out
}

func (l *loader) expandInclude(sf *sourceFile, p String) []pendingFile {
	pattern := absPath(sf.dir, p.Value)
	matches, err := filepath.Glob(pattern)
	l.inputs.glob(pattern, matches)
	if err != nil {
		l.diags = append(l.diags, errorf(p.Range, "Invalid include", "%q is not a valid glob pattern: %s.", p.Value, err))
		return nil
	}
	if len(matches) == 0 {
		if !strings.ContainsAny(p.Value, "*?[") {
			l.diags = append(l.diags, errorf(p.Range, "Missing include", "The included file %q does not exist.", pattern))
		} else {
			l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Include matches nothing",
				Detail: fmt.Sprintf("The pattern %q matches no file.", p.Value), Subject: p.Range.Ptr()})
		}
		return nil
	}
	var out []pendingFile
	for _, m := range matches {
		if !l.spec.Reads.Allows(m) {
			l.diags = append(l.diags, errorf(p.Range, "Include outside the tree",
				"The included file %q lies outside %s, and was not read. Move it inside, or allow reading it with --allow fs.read=%s.",
				m, strings.Join(l.spec.Reads.Trees, " and "), filepath.Dir(m)))
			continue
		}
		name := m
		if rel, err := filepath.Rel(l.opts.Dir, m); err == nil && !strings.HasPrefix(rel, "..") {
			name = rel
		}
		out = append(out, pendingFile{name: name, included: true})
	}
	return out
}

// readBoundary: the working directory and the directories of the files
// named on the command line are the spec's trees.
func readBoundary(opts Options) Boundary {
	dir := opts.Dir
	if dir == "" {
		dir, _ = os.Getwd()
	}
	b := Boundary{Trees: []string{dir}, Granted: opts.AllowRead}
	for _, f := range opts.Files {
		if f == "-" {
			continue
		}
		d := filepath.Dir(absPath(dir, f))
		if !slices.Contains(b.Trees, d) {
			b.Trees = append(b.Trees, d)
		}
	}
	return b
}

// composeProject is what the compose files named say about their
// services together: bake reads them as one project, so a service whose
// build is in compose.override.yaml and whose image is in compose.yaml is
// one target, tagged with that image.
type composeProject struct {
	built   []string        // services with a build section, sorted
	defined map[string]bool // services with a build section or an image
}

// composeBuilds scans the compose files named.
func (l *loader) composeBuilds(names []string) composeProject {
	seen := map[string]bool{}
	project := composeProject{defined: map[string]bool{}}
	var out []string
	for _, n := range names {
		if n == "-" { // stdin cannot be read twice: no check of images
			project.defined = nil
			continue
		}
		sf, src, diags := readFile(n, l.opts.Dir, nil, l.opts.ReadFile)
		if diags.HasErrors() || sf.syntax != syntaxCompose {
			continue // reported when the file is read for good
		}
		var doc yaml.Node
		if yaml.Unmarshal(src, &doc) != nil || len(doc.Content) == 0 {
			continue
		}
		services := deref(mapValue(doc.Content[0], "services"))
		x := extender{cwd: l.opts.Dir, env: composeEnv(l.opts.Dir, l.opts.LookupEnv), reads: l.spec.Reads}
		entries := pairs(orEmpty(services))
		if services == nil || services.Kind != yaml.MappingNode {
			entries = nil
		}
		included, _ := x.includedServices(doc.Content[0], sf.dir, nil) // errors: reported when the file is read for good
		for _, entry := range append(entries, included...) {
			name, svc := entry[0].Value, entry[1]
			if merged, err := x.resolve(svc, sf.dir, services); err == nil && mapValue(deref(svc), "extends") != nil {
				svc = merged // what it extends may build
			}
			if hasKey(svc, "build", 0) {
				setDefined(project.defined, name)
				if !seen[name] {
					seen[name] = true
					out = append(out, name)
				}
			}
			if hasKey(svc, "image", 0) {
				setDefined(project.defined, name)
			}
		}
	}
	sort.Strings(out)
	project.built = out
	return project
}

func setDefined(defined map[string]bool, name string) {
	if defined != nil {
		defined[name] = true
	}
}

// hasKey reports whether a compose service has key (build, image), its
// own or merged in (<<: *anchor), without expanding the document: the
// file is not checked for alias bombs yet.
func hasKey(svc *yaml.Node, key string, depth int) bool {
	svc = deref(svc)
	if svc == nil || svc.Kind != yaml.MappingNode || depth > 8 {
		return false
	}
	for i := 0; i+1 < len(svc.Content); i += 2 {
		switch k, v := svc.Content[i], deref(svc.Content[i+1]); {
		case k.Value == key:
			return true
		case k.Value == "<<" && v != nil && v.Kind == yaml.SequenceNode:
			for _, m := range v.Content {
				if hasKey(m, key, depth+1) {
					return true
				}
			}
		case k.Value == "<<":
			if hasKey(v, key, depth+1) {
				return true
			}
		}
	}
	return false
}

// deref follows an alias to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

// fileRelativePaths reads BUILDX_BAKE_FILE_RELATIVE_PATHS as bake does
// (a boolean; empty is false), once.
func (l *loader) fileRelativePaths() bool {
	if l.fileRelative == nil {
		v, _ := l.lookupEnv("BUILDX_BAKE_FILE_RELATIVE_PATHS")
		on, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil && strings.TrimSpace(v) != "" {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid BUILDX_BAKE_FILE_RELATIVE_PATHS",
				Detail:   fmt.Sprintf("The environment variable BUILDX_BAKE_FILE_RELATIVE_PATHS is %q; set it to 1 or true to resolve build contexts against each bake file's directory, to 0, false or nothing to resolve them against the working directory.", v),
			})
		}
		l.fileRelative = &on
	}
	return *l.fileRelative
}

func (l *loader) lookupEnv(name string) (string, bool) {
	value, set := l.opts.LookupEnv(name)
	l.inputs.env(name, value, set)
	return value, set
}

// checkTargets reports what only the resolved targets show: links and
// dependencies to targets that do not exist, and unknown builders.
func (l *loader) checkTargets() {
	for _, name := range l.spec.TargetNames {
		t := l.spec.Targets[name]
		if t == nil {
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(t.Contexts)) {
			v := t.Contexts[k]
			link, ok := strings.CutPrefix(v.Value, "target:")
			if !ok {
				continue
			}
			switch {
			case link == name:
				l.diags = append(l.diags, errorf(v.Range, "Target links to itself",
					"The context %q of target %q is the target itself; a target cannot be its own input.", k, name))
			case !l.isTarget(link):
				l.diags = append(l.diags, unknownTarget(v.Range,
					"The context %q of target %q links to %q, which is not a target.%s", k, name, link, didYouMean(link, l.spec.TargetNames)))
			}
		}
		for _, d := range t.DependsOn {
			if !l.isTarget(d.Value) && l.spec.Groups[d.Value] == nil {
				l.diags = append(l.diags, unknownTarget(d.Range,
					"Target %q depends on %q, which is neither a target nor a group.%s", name, d.Value, didYouMean(d.Value, l.allNames())))
			}
		}
		if b := t.Builder; b != nil && l.spec.Builders[b.Value] == nil && b.Value != "local" {
			l.diags = append(l.diags, unknownBuilder(b.Range,
				"Target %q runs on builder %q, which is not declared.%s Declare it with a builder block, or remove the attribute to use the default local builder.",
				name, b.Value, didYouMean(b.Value, append(slices.Sorted(maps.Keys(l.spec.Builders)), BuiltinBuilder))))
		}
	}
}

// finishDiags orders the diagnostics by file and position and drops
// repeats. A YAML file is checked by the schema and then by the decoder,
// which may both see one mistake: a line the schema already complained
// about gets no second diagnostic.
// coverage returns a test of whether a range starts inside one of the
// extents: per file, the extents sorted by start with the furthest end
// so far, searched in O(log n).
func coverage(extents []hcl.Range) func(hcl.Range) bool {
	byFile := map[string][]hcl.Range{}
	for _, e := range extents {
		byFile[e.Filename] = append(byFile[e.Filename], e)
	}
	reach := map[string][]int{}
	for f, list := range byFile {
		sort.Slice(list, func(i, j int) bool { return list[i].Start.Byte < list[j].Start.Byte })
		ends := make([]int, len(list))
		for i, e := range list {
			ends[i] = e.End.Byte
			if i > 0 && ends[i-1] > ends[i] {
				ends[i] = ends[i-1]
			}
		}
		reach[f] = ends
	}
	return func(r hcl.Range) bool {
		list := byFile[r.Filename]
		i := sort.Search(len(list), func(i int) bool { return list[i].Start.Byte > r.Start.Byte }) - 1
		return i >= 0 && reach[r.Filename][i] > r.Start.Byte
	}
}

// knockOns: when a file does not parse, everything it declares is
// missing, and each use of it elsewhere would be an error of its own
// ("Unknown target: group backend lists api"). They are one mistake: the
// syntax error says what depends on the file, and they are dropped.
func (l *loader) knockOns() {
	if len(l.unparsed) == 0 {
		return
	}
	broken := map[string]bool{}
	for _, d := range l.unparsed {
		broken[d.Subject.Filename] = true
	}
	var dropped []string
	kept := l.diags[:0]
	for _, d := range l.diags {
		if d.Severity == hcl.DiagError && d.Subject != nil && !broken[d.Subject.Filename] && knockOnSummaries[d.Summary] {
			dropped = append(dropped, fmt.Sprintf("%s:%d", d.Subject.Filename, d.Subject.Start.Line))
			continue
		}
		kept = append(kept, d)
	}
	l.diags = kept
	if len(dropped) > 0 {
		shown := dropped[:min(len(dropped), 3)]
		more := ""
		if len(dropped) > len(shown) {
			more = fmt.Sprintf(", and %d more", len(dropped)-len(shown))
		}
		l.unparsed[0].Detail += fmt.Sprintf(" Until it parses, what it declares is missing: the %d uses of it elsewhere (%s%s) fail too and are not listed; fix this first.",
			len(dropped), strings.Join(shown, ", "), more)
	}
}

// knockOnSummaries are the errors a missing declaration causes.
var knockOnSummaries = map[string]bool{
	"Unknown target": true, "Unknown variable": true, "Unknown builder": true, "Call to unknown function": true,
	"Unsupported attribute": true, "Unknown inherited target": true,
}

func (l *loader) finishDiags() hcl.Diagnostics {
	l.steadySuggestions()
	fileIndex := map[string]int{}
	for i, f := range l.spec.Files {
		fileIndex[f] = i + 1
	}
	sort.SliceStable(l.diags, func(i, j int) bool {
		a, b := l.diags[i].Subject, l.diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return fileIndex[a.Filename] < fileIndex[b.Filename]
		}
		return a.Start.Byte < b.Start.Byte
	})
	// Two reports of one mistake (the schema and the decoder both see a
	// wrong value) are one: the schema's, which says more. Otherwise a
	// diagnostic is a duplicate only with the same range and summary, so
	// a one-line file with three mistakes shows three.
	l.lenientInBakeFiles()
	l.knockOns()
	covered := coverage(l.schemaExtents)
	seen := map[string]bool{}
	out := make(hcl.Diagnostics, 0, len(l.diags))
	for _, d := range l.diags {
		key := d.Summary + "|" + d.Detail
		if d.Subject != nil {
			if !isSchemaDiag(d) && covered(*d.Subject) {
				continue
			}
			key = d.Subject.String() + "|" + d.Summary
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		if rule.Of(d) == "" {
			rule.Tag(rule.ForSummary(d.Summary), d) // every finding has an ID
		}
		out = append(out, d)
	}
	return out
}

// lenientInBakeFiles turns unknown attributes and blocks in bake's files
// into warnings: bake ignores them, and a team switching to xbake must
// not see its build refused. In xbake's own files a typo stays an error;
// --strict makes every warning one.
func (l *loader) lenientInBakeFiles() {
	for _, d := range l.diags {
		if d.Severity != hcl.DiagError || d.Subject == nil || !l.bakeFiles[d.Subject.Filename] {
			continue
		}
		switch d.Summary {
		case "Unsupported argument", "Unsupported block type":
			d.Severity = hcl.DiagWarning
			d.Detail += " bake ignores it; so does xbake in a bake file (in an xbuild.* file, or with --strict, it is an error)."
		}
	}
}

// hclUnknownVariable is HCL's message for a name no context holds.
var hclUnknownVariable = regexp.MustCompile(`^There is no variable named "([^"]+)"\.(?: Did you mean "([^"]+)"\?)?$`)

// steadySuggestions makes the "did you mean" of an unknown variable the
// same on every run. HCL suggests the first near name in a Go map's
// order (so does bake: two runs may suggest two names); xbake suggests
// the nearest of the declared variables and HCL's own suggestion (which
// may be a matrix's or a function's parameter), the first in
// alphabetical order among equals.
func (l *loader) steadySuggestions() {
	for _, d := range l.diags {
		m := hclUnknownVariable.FindStringSubmatch(d.Detail)
		if d.Summary != "Unknown variable" || m == nil {
			continue
		}
		candidates := slices.Clone(l.varOrder)
		if m[2] != "" {
			candidates = append(candidates, m[2])
		}
		slices.Sort(candidates)
		d.Detail = fmt.Sprintf("There is no variable named %q.", m[1]) + didYouMean(m[1], slices.Compact(candidates))
	}
}
