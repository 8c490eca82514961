package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Compose's extends and include, as compose reads them into the project
// and so as bake does. A service that extends another is that service
// (in its own file, or in the file extends names, itself extending
// others) with its own keys on top. A file's include brings in the
// services of other files, each read where it is. Only what bake reads
// matters here: build (merged key by key, args and labels name by name,
// a context rebased from another directory), image, and the env files
// of services from other files (compose reads them: a missing one
// fails).

// maxExtends bounds a chain of extends (and so a cycle).
const maxExtends = 16

// extender resolves extends and include for one compose project.
type extender struct {
	cwd   string // the working directory: contexts are printed relative to it
	env   envLookup
	reads Boundary // where the spec may read (--allow fs.read)
}

// resolve returns svc with what it extends merged under it; fileDir is
// the directory of the file that wrote svc and services its services.
// A problem is returned as a message for the extends key.
func (x extender) resolve(svc *yaml.Node, fileDir string, services *yaml.Node) (*yaml.Node, error) {
	return x.resolveChain(svc, fileDir, services, nil)
}

// resolveChain resolves svc, chain the services that extend it so far
// (by file and name: a repeat is a cycle).
func (x extender) resolveChain(svc *yaml.Node, fileDir string, services *yaml.Node, chain []string) (*yaml.Node, error) {
	depth := len(chain)
	svc = deref(svc)
	ext := deref(mapValue(svc, "extends"))
	if ext == nil {
		return svc, nil
	}
	if depth >= maxExtends {
		return nil, fmt.Errorf("extends goes %d services deep: a cycle? Compose refuses it, and so does bake", maxExtends)
	}
	name, file := ext, (*yaml.Node)(nil)
	if ext.Kind == yaml.MappingNode {
		name, file = deref(mapValue(ext, "service")), deref(mapValue(ext, "file"))
	}
	if name == nil || name.Kind != yaml.ScalarNode || name.Value == "" {
		return nil, fmt.Errorf("extends names no service: write extends: NAME or extends: {file: FILE, service: NAME}")
	}
	baseServices, baseDir := services, fileDir
	where := "this file"
	if file != nil && file.Kind == yaml.ScalarNode {
		path := absPath(fileDir, expandCompose(file.Value, x.env))
		src, err := readTextFile(path, x.reads) // inside the boundary, an ordinary file, bounded
		if err != nil {
			return nil, fmt.Errorf("the file %q that extends names: %v", file.Value, err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(src, &doc); err != nil || len(doc.Content) == 0 {
			return nil, fmt.Errorf("the file %q that extends names is not a compose file (%v)", file.Value, err)
		}
		baseServices, baseDir, where = deref(mapValue(doc.Content[0], "services")), filepath.Dir(path), file.Value
	}
	base := deref(mapValue(baseServices, name.Value))
	if base == nil || base.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("there is no service %q in %s to extend", name.Value, where)
	}
	link := filepath.Join(baseDir, where) + "#" + name.Value
	if slices.Contains(chain, link) {
		return nil, fmt.Errorf("extends makes a cycle through service %q; compose refuses it, and so does bake", name.Value)
	}
	base, err := x.resolveChain(base, baseDir, baseServices, append(chain, link))
	if err != nil {
		return nil, err
	}
	if file != nil {
		// Its values are reported at the extends that brought them in:
		// their lines are another file's.
		budget := maxRelocated
		if base = relocated(base, ext, &budget); base == nil {
			return nil, fmt.Errorf("the service %q in %s is too large to extend (more than %d values, or aliases nested too deep)", name.Value, where, maxRelocated)
		}
		if err := x.checkEnvFiles(base, baseDir, where); err != nil {
			return nil, err
		}
	}
	if baseDir != fileDir {
		base = x.rebase(base, baseDir)
	}
	return mergeService(base, svc), nil
}

// maxRelocated bounds the values copied from a service in another file
// (its aliases are expanded by the copy: a bomb must end).
const maxRelocated = 10000

// relocated is a copy of n, aliases expanded, every node placed at at;
// nil when it holds more than *budget nodes.
func relocated(n, at *yaml.Node, budget *int) *yaml.Node {
	n = deref(n)
	if *budget--; *budget < 0 || n == nil {
		return nil
	}
	c := *n
	c.Line, c.Column = at.Line, at.Column
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, child := range n.Content {
		if c.Content[i] = relocated(child, at, budget); c.Content[i] == nil {
			return nil
		}
	}
	return &c
}

// checkEnvFiles fails on an env file of a service from another file
// that does not exist: compose reads them, relative to that file.
func (x extender) checkEnvFiles(svc *yaml.Node, dir, where string) error {
	for _, path := range requiredEnvFiles(svc) {
		p := absPath(dir, expandCompose(path.Value, x.env))
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("the env file %q of the service extended in %s does not exist (%s); compose, and so bake, reads it", path.Value, where, p)
		}
	}
	return nil
}

// rebase makes a build context written in another file's directory
// relative to the working directory, as compose resolves it there.
func (x extender) rebase(svc *yaml.Node, dir string) *yaml.Node {
	build := deref(mapValue(svc, "build"))
	if build == nil {
		return svc
	}
	ctx := build
	if build.Kind == yaml.MappingNode {
		ctx = deref(mapValue(build, "context"))
	}
	if ctx == nil || ctx.Kind != yaml.ScalarNode {
		return svc
	}
	value := expandCompose(ctx.Value, x.env)
	if strings.Contains(value, "://") || strings.HasPrefix(value, "git@") || filepath.IsAbs(value) {
		return svc
	}
	rel, err := filepath.Rel(x.cwd, filepath.Join(dir, value))
	if err != nil {
		return svc
	}
	// Written back as compose text: $ doubled, so that the
	// interpolation that follows leaves it as it is.
	rebased := literal(strings.ReplaceAll(filepath.ToSlash(rel), "$", "$$"), ctx)
	if build.Kind == yaml.ScalarNode {
		return withKey(svc, "build", rebased)
	}
	return withKey(svc, "build", withKey(build, "context", rebased))
}

// mergeService is base with over's keys on top (extends itself left
// out): build is merged, every other key replaced.
func mergeService(base, over *yaml.Node) *yaml.Node {
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: over.Line, Column: over.Column}
	for i := 0; i+1 < len(base.Content); i += 2 {
		if k := base.Content[i].Value; k != "extends" && mapValue(over, k) == nil {
			out.Content = append(out.Content, base.Content[i], base.Content[i+1])
		}
	}
	for i := 0; i+1 < len(over.Content); i += 2 {
		k, v := over.Content[i], over.Content[i+1]
		switch k.Value {
		case "extends":
			continue
		case "build":
			if b := deref(mapValue(base, "build")); b != nil {
				v = mergeBuild(b, deref(v))
			}
		}
		out.Content = append(out.Content, k, v)
	}
	return out
}

// mergeBuild merges two build sections: a string is a context; args
// and labels merge name by name, other keys are replaced.
func mergeBuild(base, over *yaml.Node) *yaml.Node {
	base, over = buildMap(base), buildMap(over)
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: over.Line, Column: over.Column}
	for i := 0; i+1 < len(base.Content); i += 2 {
		if mapValue(over, base.Content[i].Value) == nil {
			out.Content = append(out.Content, base.Content[i], base.Content[i+1])
		}
	}
	for i := 0; i+1 < len(over.Content); i += 2 {
		k, v := over.Content[i], over.Content[i+1]
		if b := mapValue(base, k.Value); b != nil && (k.Value == "args" || k.Value == "labels") {
			v = mergeNamed(b, v)
		}
		out.Content = append(out.Content, k, v)
	}
	return out
}

// buildMap is a build section as a mapping (build: DIR is its context).
func buildMap(b *yaml.Node) *yaml.Node {
	if b.Kind == yaml.ScalarNode {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: b.Line, Column: b.Column,
			Content: []*yaml.Node{literal("context", b), b}}
	}
	return b
}

// mergeNamed merges args or labels, each a mapping or a list of NAME and
// NAME=VALUE, into a mapping (a NAME alone is a null value, read from the
// environment later).
func mergeNamed(base, over *yaml.Node) *yaml.Node {
	out := namedMap(base)
	for _, pair := range pairs(namedMap(over)) {
		out = withKey(out, pair[0].Value, pair[1])
	}
	return out
}

func namedMap(n *yaml.Node) *yaml.Node {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		return n
	}
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}
	for _, item := range n.Content {
		k, v, ok := strings.Cut(item.Value, "=")
		value := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: item.Line, Column: item.Column}
		if ok {
			value = literal(v, item)
		}
		m.Content = append(m.Content, literal(k, item), value)
	}
	return m
}

func pairs(m *yaml.Node) [][2]*yaml.Node {
	var out [][2]*yaml.Node
	for i := 0; m.Kind == yaml.MappingNode && i+1 < len(m.Content); i += 2 {
		out = append(out, [2]*yaml.Node{m.Content[i], m.Content[i+1]})
	}
	return out
}

// withKey is a copy of mapping m with key set to v (replaced where it
// is, else added at the end).
func withKey(m *yaml.Node, key string, v *yaml.Node) *yaml.Node {
	c := *m
	c.Content = append([]*yaml.Node{}, m.Content...)
	for i := 0; i+1 < len(c.Content); i += 2 {
		if c.Content[i].Value == key {
			c.Content[i+1] = v
			return &c
		}
	}
	c.Content = append(c.Content, literal(key, v), v)
	return &c
}

// maxIncludes bounds how deep compose files include each other.
const maxIncludes = 8

// includedServices are the services of the files a compose file
// includes (include: at its top, each a path, or {path: PATH or
// [PATHS]}), as compose reads them into the project and so as bake
// does: each read in its own file (extends resolved there, its env
// files checked there, a build context rebased from its directory),
// named and placed at the include entry that brought it.
func (x extender) includedServices(root *yaml.Node, fileDir string, chain []string) ([][2]*yaml.Node, error) {
	inc := deref(mapValue(root, "include"))
	if inc == nil {
		return nil, nil
	}
	if len(chain) >= maxIncludes {
		return nil, fmt.Errorf("include goes %d files deep: a cycle? Compose refuses it, and so does bake", maxIncludes)
	}
	if inc.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("include must be a list of files (or of {path: FILE})")
	}
	var out [][2]*yaml.Node
	for _, item := range inc.Content {
		services, err := x.includeEntry(includePaths(deref(item)), fileDir, chain)
		if err != nil {
			return nil, err
		}
		out = append(out, services...)
	}
	return out, nil
}

// includePaths are the file names of one include entry.
func includePaths(item *yaml.Node) []*yaml.Node {
	if item.Kind == yaml.MappingNode {
		item = deref(mapValue(item, "path"))
	}
	switch {
	case item == nil:
		return nil
	case item.Kind == yaml.SequenceNode:
		return item.Content
	case item.Kind == yaml.ScalarNode:
		return []*yaml.Node{item}
	}
	return nil
}

// includeEntry reads one include entry: its files are one project, a
// later file's service merged onto an earlier one's (as -f a -f b), and
// a build that names no context builds the directory of the first.
func (x extender) includeEntry(paths []*yaml.Node, fileDir string, chain []string) ([][2]*yaml.Node, error) {
	var out [][2]*yaml.Node
	projectDir := ""
	for _, at := range paths {
		services, dir, err := x.includeFile(at, fileDir, chain)
		if err != nil {
			return nil, err
		}
		if projectDir == "" {
			projectDir = dir
		}
		for _, svc := range services {
			if i := slices.IndexFunc(out, func(o [2]*yaml.Node) bool { return o[0].Value == svc[0].Value }); i >= 0 {
				out[i][1] = mergeService(out[i][1], svc[1])
			} else {
				out = append(out, svc)
			}
		}
	}
	for i, svc := range out {
		if build := deref(mapValue(svc[1], "build")); build != nil && build.Kind == yaml.MappingNode && mapValue(build, "context") == nil {
			if rel, err := filepath.Rel(x.cwd, projectDir); err == nil {
				out[i][1] = withKey(svc[1], "build", withKey(build, "context", literal(filepath.ToSlash(rel), build)))
			}
		}
	}
	return out, nil
}

// includeFile reads the services of one included file (and of the
// files it includes), placed at at, and returns its directory; chain
// are the files that include it (a repeat is a cycle).
func (x extender) includeFile(at *yaml.Node, fileDir string, chain []string) ([][2]*yaml.Node, string, error) {
	path := absPath(fileDir, expandCompose(at.Value, x.env))
	if slices.Contains(chain, path) {
		return nil, "", fmt.Errorf("include makes a cycle through %q; compose refuses it, and so does bake", at.Value)
	}
	src, err := readTextFile(path, x.reads) // inside the boundary, an ordinary file, bounded
	if err != nil {
		return nil, "", fmt.Errorf("the included file %q: %v", at.Value, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil || len(doc.Content) == 0 {
		return nil, "", fmt.Errorf("the included file %q is not a compose file (%v)", at.Value, err)
	}
	root, dir := doc.Content[0], filepath.Dir(path)
	out, err := x.includedServices(root, dir, append(slices.Clone(chain), path))
	if err != nil {
		return nil, "", err
	}
	services := deref(mapValue(root, "services"))
	for _, pair := range pairs(orEmpty(services)) {
		svc, err := x.resolve(pair[1], dir, services)
		if err != nil {
			return nil, "", fmt.Errorf("service %q of the included file %q: %v", pair[0].Value, at.Value, err)
		}
		budget := maxRelocated
		if svc = relocated(svc, at, &budget); svc == nil {
			return nil, "", fmt.Errorf("the service %q in %q is too large to include (more than %d values, or aliases nested too deep)", pair[0].Value, at.Value, maxRelocated)
		}
		if err := x.checkEnvFiles(svc, dir, at.Value); err != nil {
			return nil, "", err
		}
		svc = withoutKey(x.rebase(svc, dir), "env_file") // checked here, where it is
		out = append(out, [2]*yaml.Node{literal(pair[0].Value, at), svc})
	}
	return out, dir, nil
}

func orEmpty(m *yaml.Node) *yaml.Node {
	if m == nil {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	}
	return m
}

// withoutKey is a copy of mapping m without key.
func withoutKey(m *yaml.Node, key string) *yaml.Node {
	c := *m
	c.Content = nil
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != key {
			c.Content = append(c.Content, m.Content[i], m.Content[i+1])
		}
	}
	return &c
}
