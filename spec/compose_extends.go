package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Compose's extends: a service that extends another is that service
// (in its own file, or in the file extends names, itself extending
// others) with its own keys on top, as compose merges them and so as
// bake reads them. Only what bake reads matters here: build (merged key
// by key, args and labels name by name), image, and the env files a
// base service names (compose reads them, so a missing one fails).

// maxExtends bounds a chain of extends (and so a cycle).
const maxExtends = 16

// extender resolves extends for the services of one compose project.
type extender struct {
	cwd   string // the working directory: contexts are printed relative to it
	env   envLookup
	reads Boundary // where the spec may read (--allow fs.read)
}

// resolve returns svc with what it extends merged under it; fileDir is
// the directory of the file that wrote svc and services its services.
// A problem is returned as a message for the extends key.
func (x extender) resolve(svc *yaml.Node, fileDir string, services *yaml.Node, depth int) (*yaml.Node, error) {
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
		if !x.reads.Allows(path) {
			return nil, fmt.Errorf("the file %q that extends names is outside the spec's directories; allow it with --allow fs.read=%s", file.Value, filepath.Dir(path))
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("the file %q that extends names cannot be read (%v)", file.Value, err)
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
	files := deref(mapValue(svc, "env_file"))
	if files == nil {
		return nil
	}
	items := []*yaml.Node{files}
	if files.Kind == yaml.SequenceNode {
		items = files.Content
	}
	for _, item := range items {
		path, required := deref(item), true
		if path.Kind == yaml.MappingNode {
			if r := mapValue(path, "required"); r != nil && r.Value == "false" {
				required = false
			}
			path = deref(mapValue(path, "path"))
		}
		if path == nil || path.Kind != yaml.ScalarNode || !required {
			continue
		}
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
