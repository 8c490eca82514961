package spec

// Compose files, as bake reads them: each service with a build section
// becomes a target of the same name, in a default group. The document is
// rewritten into xbake's YAML format node by node (yamlhcl.Transform),
// so every error still points into the compose file. Values are
// interpolated first, as compose does (${VAR}, ${VAR:-default},
// ${VAR-default}, $VAR, $$), from the environment and the .env file of
// the working directory (as bake, whose compose project is the working
// directory), and then taken literally.

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"gopkg.in/yaml.v3"

	"github.com/xbake/xbake/spec/yamlhcl"
)

// composeBuildKeys maps a compose build key to the target attribute it
// sets; x-bake holds bake's own attributes, copied as they are.
var composeBuildKeys = map[string]string{
	"context": "context", "dockerfile": "dockerfile", "dockerfile_inline": "dockerfile-inline",
	"args": "args", "labels": "labels", "tags": "tags", "target": "target", "platforms": "platforms",
	"cache_from": "cache-from", "cache_to": "cache-to", "network": "network", "shm_size": "shm-size",
	"extra_hosts": "extra-hosts", "additional_contexts": "contexts", "no_cache": "no-cache", "pull": "pull",
	"ssh": "ssh",
}

// IsComposeFile reports whether a file name is one of compose's.
func IsComposeFile(name string) bool {
	switch filepath.Base(name) {
	case "compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml":
		return true
	}
	return false
}

// composeTransform turns a compose document into targets. project says
// what every compose file read with this one says of the services: one
// built elsewhere gives its image here as their tag, the default group
// lists every service built (a later file's group replaces this one's),
// and a service with neither an image nor a build anywhere is refused,
// as compose refuses the project.
func composeTransform(dir, fileDir string, lookupEnv func(string) (string, bool), project composeProject, reads Boundary) func(*yaml.Node, func(*yaml.Node) hcl.Range) (*yaml.Node, hcl.Diagnostics) {
	built := slices.Clone(project.built)
	// Nothing here can be wrong on its own: what the rewritten document
	// holds is checked by the schema and the loader, at these nodes.
	return func(root *yaml.Node, pos func(*yaml.Node) hcl.Range) (*yaml.Node, hcl.Diagnostics) {
		env := composeEnv(dir, lookupEnv)
		root = yamlhcl.ExpandMerges(root)
		targets := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		group := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		var diags hcl.Diagnostics
		x := extender{cwd: dir, env: env, reads: reads}
		included, err := x.includedServices(root, fileDir, nil)
		if err != nil {
			diags = append(diags, errorf(pos(mapValue(root, "include")), "Invalid include", "%s.", err))
		}
		services := mapValue(root, "services")
		if (services == nil || services.Kind != yaml.MappingNode) && len(included) == 0 {
			return emptyDoc(), diags
		}
		if services == nil || services.Kind != yaml.MappingNode {
			services = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: root.Line, Column: root.Column}
		}
		diags = append(diags, requiredVariables(root, env, pos)...)
		entries := pairs(services)
		for _, inc := range included {
			if mapValue(services, inc[0].Value) == nil { // bake: this file's own service wins
				entries = append(entries, inc)
			}
		}
		for _, entry := range entries {
			name, svc := entry[0], entry[1]
			diags = append(diags, missingEnvFiles(dir, svc, env, pos)...)
			extendsFailed := false
			if ext := mapValue(svc, "extends"); ext != nil {
				// On a mistake the service is read as written: one error,
				// not its knock-ons.
				if merged, err := x.resolve(svc, fileDir, services); err != nil {
					diags = append(diags, errorf(pos(ext), "Invalid extends", "Service %q: %s.", name.Value, err))
					extendsFailed = true
				} else {
					svc = merged
				}
			}
			if project.defined != nil && !project.defined[name.Value] && !extendsFailed {
				diags = append(diags, errorf(pos(name), "Service without image or build",
					"Service %q has neither an image nor a build section in any compose file read; compose, and so bake, refuses the project. Add image: or build:, or read the compose file that defines them too (-f compose.yaml -f this file).", name.Value))
			}
			build := mapValue(svc, "build")
			if build == nil {
				if !slices.Contains(built, name.Value) {
					continue // an image only: nothing to build
				}
				build = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: name.Line, Column: name.Column}
			}
			t := composeTarget(svc, build, env)
			targets.Content = append(targets.Content, literal(composeTargetName(name.Value), name), t)
			if !slices.Contains(built, name.Value) { // a file the scan could not read (stdin)
				built = append(built, name.Value)
			}
		}
		for _, b := range built {
			group.Content = append(group.Content, literal(composeTargetName(b), services))
		}
		doc := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		// The default group lists the services built; a compose file
		// that builds none still has it, empty (bake prints it as null).
		def := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		if len(group.Content) > 0 {
			def.Content = []*yaml.Node{literal("targets", services), group}
		}
		groups := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{literal("default", services), def}}
		doc.Content = append(doc.Content, literal("groups", root), groups)
		if len(targets.Content) > 0 {
			doc.Content = append(doc.Content, literal("targets", root), targets)
		}
		return doc, diags
	}
}

// missingEnvFiles reports a service's env_file that does not exist:
// compose reads them while loading the project, so bake fails on one
// that is missing (unless it says required: false).
func missingEnvFiles(dir string, svc *yaml.Node, env envLookup, pos func(*yaml.Node) hcl.Range) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, path := range requiredEnvFiles(svc) {
		p := expandCompose(path.Value, env)
		if _, err := os.Stat(absPath(dir, p)); err != nil {
			diags = append(diags, errorf(pos(path), "Missing env file",
				"The env file %q does not exist (%s); compose, and so bake, reads it while loading the project. Create it, or write env_file: [{path: %q, required: false}].", p, absPath(dir, p), p))
		}
	}
	return diags
}

// requiredEnvFiles are the names of a service's env files that compose
// must read (not required: false), as written.
func requiredEnvFiles(svc *yaml.Node) []*yaml.Node {
	files := deref(mapValue(svc, "env_file"))
	if files == nil {
		return nil
	}
	items := []*yaml.Node{files}
	if files.Kind == yaml.SequenceNode {
		items = files.Content
	}
	var out []*yaml.Node
	for _, item := range items {
		path := deref(item)
		if path.Kind == yaml.MappingNode {
			if r := mapValue(path, "required"); r != nil && r.Value == "false" {
				continue
			}
			path = deref(mapValue(path, "path"))
		}
		if path != nil && path.Kind == yaml.ScalarNode {
			out = append(out, path)
		}
	}
	return out
}

// requiredVariables refuses, as compose does while it interpolates the
// whole file, ${VAR:?message} with VAR unset or empty and ${VAR?message}
// with VAR unset, at the value that holds it.
func requiredVariables(n *yaml.Node, env envLookup, pos func(*yaml.Node) hcl.Range) hcl.Diagnostics {
	var diags hcl.Diagnostics
	switch n.Kind {
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "?") {
			return nil
		}
		for _, m := range composeVar.FindAllStringSubmatch(n.Value, -1) {
			name, op, message := m[1], m[2], m[3]
			val, set := env(name)
			if op == ":?" && val == "" || op == "?" && !set {
				if message == "" {
					message = "set it in the environment or the .env file"
				}
				diags = append(diags, errorf(pos(n), "Required variable missing",
					"required variable %s is missing a value: %s. Compose, and so bake, refuses the file until %s is set%s.", name, message, name,
					map[bool]string{true: " to a non-empty value", false: ""}[op == ":?"]))
			}
		}
	case yaml.SequenceNode, yaml.MappingNode, yaml.DocumentNode:
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 0 {
				continue // keys are not interpolated
			}
			diags = append(diags, requiredVariables(c, env, pos)...)
		}
	}
	return diags
}

// composeTarget builds one target from a service.
func composeTarget(svc, build *yaml.Node, env envLookup) *yaml.Node {
	t := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: build.Line, Column: build.Column}
	set := func(key string, v *yaml.Node) { t.Content = append(t.Content, literal(key, v), v) }
	if build.Kind == yaml.ScalarNode { // build: ./dir
		set("context", interpolate(build, env))
	}
	hasTags := false
	for i := 0; build.Kind == yaml.MappingNode && i+1 < len(build.Content); i += 2 {
		key, v := build.Content[i].Value, build.Content[i+1]
		if key == "x-bake" {
			for j := 0; v.Kind == yaml.MappingNode && j+1 < len(v.Content); j += 2 {
				xkey, xv := v.Content[j].Value, interpolate(v.Content[j+1], env)
				if xbakeLists[xkey] && xv.Kind == yaml.ScalarNode && xv.Tag == "!!str" {
					xv = fieldsList(xv) // bake reads a string as its words
				}
				if xkey == "contexts" {
					xv = composeContexts(xv)
				}
				set(xkey, xv)
				hasTags = hasTags || xkey == "tags"
			}
			continue
		}
		attr, ok := composeBuildKeys[key]
		if !ok {
			continue // compose keys bake does not read (secrets, isolation, ...)
		}
		v = interpolate(v, env)
		switch attr {
		case "args":
			v = composeArgs(v, env)
		case "labels", "extra-hosts":
			v = keyValues(v, map[string]string{"labels": "=", "extra-hosts": ":"}[attr])
		case "tags":
			hasTags = true
		case "contexts":
			v = composeContexts(v)
		case "ssh":
			v = composeSSH(v)
		}
		set(attr, v)
	}
	if image := mapValue(svc, "image"); image != nil && !hasTags {
		set("tags", &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: image.Line, Column: image.Column,
			Content: []*yaml.Node{interpolate(image, env)}})
	}
	return t
}

// composeTargetName is the target a service becomes: bake replaces the
// dots a service name may hold (ubuntu-22.04) with underscores.
func composeTargetName(service string) string { return strings.ReplaceAll(service, ".", "_") }

// xbakeLists are the x-bake keys that hold lists: bake also takes a
// string there, split into words.
var xbakeLists = map[string]bool{"tags": true, "cache-from": true, "cache-to": true, "secret": true, "ssh": true,
	"platforms": true, "output": true, "no-cache-filter": true}

// fieldsList is a string node as the list of its words.
func fieldsList(v *yaml.Node) *yaml.Node {
	l := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: v.Line, Column: v.Column}
	for _, w := range strings.Fields(v.Value) {
		l.Content = append(l.Content, literal(w, v))
	}
	return l
}

// composeContexts reads compose's additional contexts as bake does:
// "service:NAME" (and "target:NAME") is the target of that service.
func composeContexts(v *yaml.Node) *yaml.Node {
	v = keyValues(v, "=")
	if v.Kind != yaml.MappingNode {
		return v
	}
	c := *v
	c.Content = append([]*yaml.Node{}, v.Content...)
	for i := 1; i < len(c.Content); i += 2 {
		val := c.Content[i].Value
		if c.Content[i].Kind != yaml.ScalarNode {
			continue
		}
		switch {
		case strings.HasPrefix(val, "service:") || strings.HasPrefix(val, "target:"):
			_, name, _ := strings.Cut(val, ":")
			c.Content[i] = literal("target:"+composeTargetName(name), c.Content[i])
		case val != "" && !strings.Contains(val, "://") && !strings.Contains(val, "@") && !strings.HasPrefix(val, "git"):
			// A directory: compose cleans it (./packages/x is packages/x).
			c.Content[i] = literal(filepath.ToSlash(filepath.Clean(val)), c.Content[i])
		}
	}
	return &c
}

// composeSSH reads compose's SSH sources as bake does: a list (or map)
// of ID and ID=PATH, the path cleaned (./key is key; relative to the
// working directory, as bake reads it), sorted by ID. Checked against
// buildx v0.38.2's --print; no compat case records it because bake
// parses the key files and a case would need private keys in the
// repository (spec/compose_test.go TestComposeSSH).
func composeSSH(v *yaml.Node) *yaml.Node {
	type source struct {
		id   string
		node *yaml.Node
	}
	var sources []source
	add := func(id, path string, at *yaml.Node) {
		entry := id
		if path != "" {
			entry += "=" + filepath.ToSlash(filepath.Clean(path))
		}
		sources = append(sources, source{id, literal(entry, at)})
	}
	switch v.Kind {
	case yaml.SequenceNode:
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode {
				return v // the schema says what is wrong
			}
			id, path, _ := strings.Cut(item.Value, "=")
			add(id, path, item)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(v.Content); i += 2 {
			path := v.Content[i+1]
			if path.Kind != yaml.ScalarNode {
				return v
			}
			if path.Tag == "!!null" { // default: (the agent)
				add(v.Content[i].Value, "", v.Content[i])
			} else {
				add(v.Content[i].Value, path.Value, v.Content[i])
			}
		}
	default:
		return v
	}
	slices.SortStableFunc(sources, func(a, b source) int { return strings.Compare(a.id, b.id) })
	l := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: v.Line, Column: v.Column}
	for _, s := range sources {
		l.Content = append(l.Content, s.node)
	}
	return l
}

// composeArgs reads build args as compose does: an arg named without a
// value (["NAME"] in list form, NAME: with no value in map form) takes
// its value from the environment, else the .env file, and is left out
// when neither has it.
func composeArgs(v *yaml.Node, env envLookup) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: v.Line, Column: v.Column}
	add := func(k string, val *yaml.Node, at *yaml.Node) {
		if val == nil {
			value, ok := env(k)
			if !ok {
				return
			}
			val = literal(escapeTemplate(value), at)
		}
		m.Content = append(m.Content, literal(k, at), val)
	}
	switch v.Kind {
	case yaml.SequenceNode:
		for _, item := range v.Content {
			k, val, ok := strings.Cut(item.Value, "=")
			if !ok {
				add(k, nil, item)
				continue
			}
			add(k, literal(val, item), item)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(v.Content); i += 2 {
			k, val := v.Content[i], v.Content[i+1]
			if val.Kind == yaml.ScalarNode && val.Tag == "!!null" {
				add(k.Value, nil, k)
				continue
			}
			add(k.Value, val, k)
		}
	default:
		return v
	}
	return m
}

// keyValues turns compose's list form (["A=1", "B"]) into a mapping; an
// entry without a value is dropped, as bake drops it.
func keyValues(v *yaml.Node, sep string) *yaml.Node {
	if v.Kind != yaml.SequenceNode {
		return v
	}
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: v.Line, Column: v.Column}
	for _, item := range v.Content {
		k, val, ok := strings.Cut(item.Value, sep)
		if !ok {
			continue
		}
		m.Content = append(m.Content, literal(k, item), literal(val, item))
	}
	return m
}

// interpolate returns a copy of v with compose's variables replaced and
// every string made literal for the HCL templates that read it.
func interpolate(v *yaml.Node, env envLookup) *yaml.Node {
	c := *v
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!str" || v.Tag == "" {
			c.Value = escapeTemplate(expandCompose(v.Value, env))
		}
	case yaml.SequenceNode, yaml.MappingNode:
		c.Content = make([]*yaml.Node, len(v.Content))
		for i, n := range v.Content {
			c.Content[i] = interpolate(n, env)
		}
	}
	return &c
}

var composeVar = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// expandCompose applies compose's variable syntax.
func expandCompose(s string, env envLookup) string {
	return composeVar.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		sub := composeVar.FindStringSubmatch(m)
		name, op, word := sub[1], sub[2], sub[3]
		if name == "" {
			name = sub[4]
		}
		val, set := env(name)
		switch op {
		case ":-":
			if val == "" {
				return word
			}
		case "-":
			if !set {
				return word
			}
		case ":+":
			if val != "" {
				return word
			}
			return ""
		case "+":
			if set {
				return word
			}
			return ""
		}
		return val
	})
}

// escapeTemplate makes a string literal in an HCL template.
func escapeTemplate(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "${", "$${"), "%{", "%%{")
}

// envLookup reads a variable compose interpolates.
type envLookup func(string) (string, bool)

// composeEnv is the environment compose interpolates from: the process
// environment, else the .env file in dir (the working directory).
func composeEnv(dir string, lookupEnv func(string) (string, bool)) envLookup {
	dotEnv := map[string]string{}
	if b, err := os.ReadFile(filepath.Join(dir, ".env")); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
			if ok {
				dotEnv[strings.TrimSpace(k)] = dotEnvValue(strings.TrimSpace(v), func(name string) (string, bool) {
					if v, ok := dotEnv[name]; ok { // a key set earlier in the file
						return v, true
					}
					return lookupEnv(name)
				})
			}
		}
	}
	return func(name string) (string, bool) {
		if v, ok := lookupEnv(name); ok {
			return v, true
		}
		v, ok := dotEnv[name]
		return v, ok
	}
}

// dotEnvValue reads a .env value as compose does: in single quotes it is
// literal; unquoted or in double quotes, ${VAR} and $VAR refer to keys
// set earlier in the file, else the environment.
func dotEnvValue(v string, lookup envLookup) string {
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return v[1 : len(v)-1]
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	return expandCompose(v, lookup)
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// literal is a string node at the position of at.
func literal(s string, at *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Line: at.Line, Column: at.Column}
}

func emptyDoc() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"} }
