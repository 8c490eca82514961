package spec

import (
	"maps"
	"slices"
	"strings"

	"github.com/google/shlex"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Builder is a builder block: where targets that name it are built.
type Builder struct {
	Name      string
	DeclRange hcl.Range
	Driver    String // "local", "remote", "docker" or "docker-container"
	Default   bool
	Platforms []String // platforms the builder declares it supports
	Config    BuilderConfig
	Nodes     []*Node // remote builders: one or more BuildKit endpoints
	// Container holds the options of a docker-container builder, as
	// buildx's driver options.
	Container ContainerOptions
}

// ContainerOptions configure the BuildKit container of a
// docker-container builder.
type ContainerOptions struct {
	Image          *String           // default: moby/buildkit at xbake's BuildKit version
	BuildkitdFlags *String           // extra flags of buildkitd, as one string
	Config         string            // buildkitd.toml to copy in (absolute path)
	Network        *String           // the container's network (docker run --network)
	Env            map[string]String // the container's environment
	// IsolationFallback false refuses a container with less isolation
	// than --privileged when the engine will not grant it (nil: allowed).
	IsolationFallback *Bool
}

// Node is one BuildKit daemon of a remote builder.
type Node struct {
	Name      string
	DeclRange hcl.Range
	Endpoint  String
	Platforms []String
	TLS       *TLS
	// MaxParallelism is how many builds the node takes at once, for the
	// plan's placement over a pool (0: not declared; BuildKit does not
	// report it).
	MaxParallelism int
}

// TLS holds the client certificate files for a tcp:// endpoint, as
// absolute paths.
type TLS struct {
	CA, Cert, Key, ServerName string
}

// BuilderConfig is what goes into the buildkitd.toml of a local builder.
type BuilderConfig struct {
	MaxParallelism int
	Registries     map[string]RegistryConfig
}

// RegistryConfig configures how the daemon reaches one registry.
type RegistryConfig struct {
	HTTP     bool
	Insecure bool
	Mirrors  []string
}

var (
	builderSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "driver"}, {Name: "default"}, {Name: "endpoint"}, {Name: "platforms"},
			{Name: "image"}, {Name: "buildkitd-flags"}, {Name: "buildkitd-config"}, {Name: "network"}, {Name: "env"}, {Name: "isolation-fallback"}},
		Blocks: []hcl.BlockHeaderSchema{
			{Type: "config"}, {Type: "node", LabelNames: []string{"name"}}, {Type: "tls"},
		},
	}
	nodeSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "endpoint", Required: true}, {Name: "platforms"}, {Name: "max-parallelism"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "tls"}},
	}
	tlsSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "ca"}, {Name: "cert"}, {Name: "key"}, {Name: "server_name"}},
	}
	configSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "max_parallelism"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "registry", LabelNames: []string{"host"}}},
	}
	registrySchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "http"}, {Name: "insecure"}, {Name: "mirrors"}},
	}
)

// Drivers and endpoint schemes xbake knows.
var (
	builderDrivers = []string{"local", "remote", "docker", "docker-container"}
	// containerAttrs are the attributes only a docker-container builder takes.
	containerAttrs  = []string{"image", "buildkitd-flags", "buildkitd-config", "network", "env", "isolation-fallback"}
	endpointSchemes = []string{"unix", "tcp", "docker-container", "kube-pod", "ssh", "npipe"}
)

// blockEval evaluates the attributes of one builder-related block in its
// file's context.
type blockEval struct {
	l  *loader
	sf *sourceFile
}

func (e blockEval) value(a *hcl.Attribute) (*attrValue, bool) {
	v, diags := e.l.eval(a.Expr, e.l.ctxFor(e.sf), &a.Range)
	e.l.diags = append(e.l.diags, diags...)
	if diags.HasErrors() || v.IsNull() || !v.IsWhollyKnown() {
		return nil, false
	}
	return &attrValue{attr: a, val: v, base: e.sf.base()}, true
}

func (e blockEval) str(attrs hcl.Attributes, name string) *String {
	a, ok := attrs[name]
	if !ok {
		return nil
	}
	av, ok := e.value(a)
	if !ok {
		return nil
	}
	defer func() { e.l.diags = append(e.l.diags, av.diags...) }()
	return av.str()
}

func (e blockEval) list(attrs hcl.Attributes, name string) []String {
	a, ok := attrs[name]
	if !ok {
		return nil
	}
	av, ok := e.value(a)
	if !ok {
		return nil
	}
	defer func() { e.l.diags = append(e.l.diags, av.diags...) }()
	return av.list()
}

func (e blockEval) boolean(attrs hcl.Attributes, name string) bool {
	a, ok := attrs[name]
	if !ok {
		return false
	}
	av, ok := e.value(a)
	if !ok {
		return false
	}
	defer func() { e.l.diags = append(e.l.diags, av.diags...) }()
	b := av.boolean()
	return b != nil && b.Value
}

func (l *loader) declareBuilders() {
	var defaultBuilder *Builder
	for _, b := range l.decls.builders {
		name := b.Labels[0]
		if !l.checkName(name, b.LabelRanges[0], "builder") {
			continue
		}
		if prev, dup := l.spec.Builders[name]; dup {
			l.diags = append(l.diags, errorf(b.LabelRanges[0], "Duplicate builder",
				"A builder named %q is already declared at %s. Rename one of them.", name, at(prev.DeclRange)))
			continue
		}
		bld := l.decodeBuilder(b)
		l.spec.Builders[name] = bld
		if bld.Default {
			if defaultBuilder != nil {
				l.diags = append(l.diags, errorf(b.LabelRanges[0], "Two default builders",
					"Builders %q and %q are both marked default = true; keep one.", defaultBuilder.Name, name))
			}
			defaultBuilder = bld
		}
	}
}

func (l *loader) decodeBuilder(b *block) *Builder {
	e := blockEval{l: l, sf: b.file}
	content, diags := b.Body.Content(builderSchema)
	l.diags = append(l.diags, diags...)
	bld := &Builder{Name: b.Labels[0], DeclRange: b.LabelRanges[0], Driver: String{Value: "local", Range: b.LabelRanges[0]}}
	if d := e.str(content.Attributes, "driver"); d != nil {
		bld.Driver = *d
		if !contains(builderDrivers, d.Value) {
			l.diags = append(l.diags, errorf(d.Range, "Unknown builder driver",
				"%q is not a driver; use \"local\" (xbake runs its own buildkitd), \"docker-container\" (xbake runs BuildKit in a container on your Docker engine), \"remote\" (BuildKit daemons you run) or \"docker\" (a Docker engine's own BuildKit).%s", d.Value, didYouMean(d.Value, builderDrivers)))
		}
	}
	bld.Default = e.boolean(content.Attributes, "default")
	bld.Platforms = e.list(content.Attributes, "platforms")
	bld.Container = l.decodeContainerOptions(e, content.Attributes, bld)
	var builderTLS *TLS
	for _, blk := range content.Blocks {
		switch blk.Type {
		case "config":
			bld.Config = l.decodeBuilderConfig(e, blk)
		case "tls":
			builderTLS = l.decodeTLS(e, blk)
		case "node":
			bld.Nodes = append(bld.Nodes, l.decodeNode(e, blk))
		}
	}
	if ep := e.str(content.Attributes, "endpoint"); ep != nil {
		// A single endpoint is a one-node builder.
		l.checkEndpoint(*ep)
		bld.Nodes = append([]*Node{{Name: bld.Name, DeclRange: ep.Range, Endpoint: *ep, Platforms: bld.Platforms, TLS: builderTLS}}, bld.Nodes...)
	}
	l.checkBuilderShape(bld)
	return bld
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func (l *loader) checkBuilderShape(bld *Builder) {
	switch bld.Driver.Value {
	case "remote":
		if len(bld.Nodes) == 0 {
			l.diags = append(l.diags, errorf(bld.DeclRange, "Remote builder without endpoint",
				"Builder %q uses the remote driver but names no daemon; add endpoint = \"tcp://host:1234\" or node blocks.", bld.Name))
		}
	case "docker":
		if len(bld.Nodes) > 1 || (len(bld.Nodes) == 1 && !strings.HasPrefix(bld.Nodes[0].Endpoint.Value, "unix://")) {
			l.diags = append(l.diags, errorf(bld.Nodes[len(bld.Nodes)-1].DeclRange, "Invalid Docker endpoint",
				"Builder %q uses the docker driver: it takes one Docker engine on this machine, as endpoint = \"unix:///var/run/docker.sock\" (the default is $DOCKER_HOST, else that socket).", bld.Name))
		}
	case "docker-container":
		// The docker CLI reaches the engine: unix, tcp (with DOCKER_TLS_*)
		// and ssh addresses, as DOCKER_HOST takes them.
		if len(bld.Nodes) > 1 || (len(bld.Nodes) == 1 && !hasAnyPrefix(bld.Nodes[0].Endpoint.Value, "unix://", "tcp://", "ssh://", "npipe://")) {
			l.diags = append(l.diags, errorf(bld.Nodes[len(bld.Nodes)-1].DeclRange, "Invalid Docker endpoint",
				"Builder %q uses the docker-container driver: it takes one Docker engine, as DOCKER_HOST names one (unix://, tcp://HOST:2376, ssh://USER@HOST). Without an endpoint it uses the engine the docker CLI uses ($DOCKER_HOST, $DOCKER_CONTEXT, the current docker context).", bld.Name))
		}
	case "local":
		if len(bld.Nodes) > 0 {
			l.diags = append(l.diags, errorf(bld.Nodes[0].DeclRange, "Endpoint on a local builder",
				"Builder %q uses the local driver, which starts its own daemon; remove the endpoint and nodes, or set driver = \"remote\".", bld.Name))
		}
	}
	seen := map[string]bool{}
	for _, n := range bld.Nodes {
		if seen[n.Name] {
			l.diags = append(l.diags, errorf(n.DeclRange, "Duplicate node",
				"Builder %q already has a node named %q.", bld.Name, n.Name))
		}
		seen[n.Name] = true
	}
}

// decodeContainerOptions reads the attributes of a docker-container
// builder; on any other driver they are an error at their position.
func (l *loader) decodeContainerOptions(e blockEval, attrs hcl.Attributes, bld *Builder) ContainerOptions {
	var o ContainerOptions
	if bld.Driver.Value != "docker-container" {
		for _, name := range containerAttrs {
			if a, ok := attrs[name]; ok {
				l.diags = append(l.diags, errorf(a.NameRange, "Attribute of another driver",
					"%q configures the BuildKit container of a docker-container builder; builder %q uses the %s driver. Remove it, or set driver = \"docker-container\".", name, bld.Name, bld.Driver.Value))
			}
		}
		return o
	}
	o.Image = e.str(attrs, "image")
	o.BuildkitdFlags = e.str(attrs, "buildkitd-flags")
	o.Network = e.str(attrs, "network")
	if a, ok := attrs["isolation-fallback"]; ok {
		if av, ok := e.value(a); ok {
			o.IsolationFallback = av.boolean()
			l.diags = append(l.diags, av.diags...)
		}
	}
	if c := e.str(attrs, "buildkitd-config"); c != nil && c.Value != "" {
		o.Config = absPath(e.sf.dir, c.Value)
		l.checkBuildkitdConfig(c.Range, o.Config)
	}
	if f := o.BuildkitdFlags; f != nil {
		if _, err := shlex.Split(f.Value); err != nil {
			l.diags = append(l.diags, errorf(f.Range, "Invalid buildkitd-flags", "The flags cannot be split as a shell would split them: %v. Check the quotes.", err))
		}
	}
	if a, ok := attrs["env"]; ok {
		if av, ok := e.value(a); ok {
			o.Env = av.strMap()
			l.diags = append(l.diags, av.diags...)
		}
	}
	return o
}

func (l *loader) decodeNode(e blockEval, blk *hcl.Block) *Node {
	content, diags := blk.Body.Content(nodeSchema)
	l.diags = append(l.diags, diags...)
	n := &Node{Name: blk.Labels[0], DeclRange: blk.LabelRanges[0]}
	if ep := e.str(content.Attributes, "endpoint"); ep != nil {
		n.Endpoint = *ep
		l.checkEndpoint(*ep)
	}
	n.Platforms = e.list(content.Attributes, "platforms")
	if a, ok := content.Attributes["max-parallelism"]; ok {
		n.MaxParallelism, _ = l.wholeNumber(e, a, 1)
	}
	for _, b := range content.Blocks {
		n.TLS = l.decodeTLS(e, b)
	}
	return n
}

func (l *loader) checkEndpoint(ep String) {
	scheme, _, ok := strings.Cut(ep.Value, "://")
	if ok && contains(endpointSchemes, scheme) {
		return
	}
	l.diags = append(l.diags, errorf(ep.Range, "Invalid endpoint",
		"%q is not a BuildKit address; write SCHEME://ADDRESS with a scheme among %s, for example tcp://buildkit.internal:1234.", ep.Value, quoteList(endpointSchemes)))
}

func (l *loader) decodeTLS(e blockEval, blk *hcl.Block) *TLS {
	content, diags := blk.Body.Content(tlsSchema)
	l.diags = append(l.diags, diags...)
	t := &TLS{}
	path := func(name string) string {
		if s := e.str(content.Attributes, name); s != nil && s.Value != "" {
			return absPath(e.sf.dir, s.Value)
		}
		return ""
	}
	t.CA, t.Cert, t.Key = path("ca"), path("cert"), path("key")
	if s := e.str(content.Attributes, "server_name"); s != nil {
		t.ServerName = s.Value
	}
	return t
}

func (l *loader) decodeBuilderConfig(e blockEval, blk *hcl.Block) BuilderConfig {
	content, diags := blk.Body.Content(configSchema)
	l.diags = append(l.diags, diags...)
	cfg := BuilderConfig{Registries: map[string]RegistryConfig{}}
	if a, ok := content.Attributes["max_parallelism"]; ok {
		cfg.MaxParallelism, _ = l.wholeNumber(e, a, 0)
	}
	for _, rb := range content.Blocks {
		rc, diags := rb.Body.Content(registrySchema)
		l.diags = append(l.diags, diags...)
		cfg.Registries[rb.Labels[0]] = RegistryConfig{
			HTTP:     e.boolean(rc.Attributes, "http"),
			Insecure: e.boolean(rc.Attributes, "insecure"),
			Mirrors:  Values(e.list(rc.Attributes, "mirrors")),
		}
	}
	return cfg
}

// BuiltinBuilder names the builder used when the spec declares none: a
// local buildkitd that xbake starts and reuses.
const BuiltinBuilder = "local"

// DefaultBuilder is the builder of targets that name none, when the
// command line does not choose one: the builder marked default = true
// (the first by name, if a spec marks several), else the built-in one.
func (s *Spec) DefaultBuilder() string {
	for _, name := range slices.Sorted(maps.Keys(s.Builders)) {
		if s.Builders[name].Default {
			return name
		}
	}
	return BuiltinBuilder
}

// wholeNumber reads an attribute that counts something (steps, builds):
// a whole number of at least min, else an error at its value.
func (l *loader) wholeNumber(e blockEval, a *hcl.Attribute, min int64) (int, bool) {
	av, ok := e.value(a)
	if !ok {
		return 0, false
	}
	n, err := convert.Convert(av.val, cty.Number)
	if err == nil && !n.IsNull() && n.IsKnown() && n.AsBigFloat().IsInt() {
		if i, _ := n.AsBigFloat().Int64(); i >= min && i <= 1<<20 {
			return int(i), true
		}
	}
	l.diags = append(l.diags, errorf(a.Expr.Range(), "Incorrect attribute value type",
		"%s must be a whole number of at least %d, such as 4.", a.Name, min))
	return 0, false
}
