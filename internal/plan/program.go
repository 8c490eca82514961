package plan

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	units "github.com/docker/go-units"
	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/inputs"
	"github.com/xbake/xbake/spec"
)

// Program is what building a node means, decided once, here: every
// context classified, the Dockerfile and the ignore rules that apply,
// the frontend's options, the session's secrets and agents. The executor
// turns it into a BuildKit solve and reads nothing else of the spec, so
// `xbake plan` shows what `xbake run` does.
type Program struct {
	// Context is the main build context.
	Context Context
	// Dockerfile is the file (or text) the frontend builds.
	Dockerfile Dockerfile
	// Contexts are the named contexts, by name.
	Contexts []Context
	// FrontendAttrs are the Dockerfile frontend's options, but the
	// platforms (a node may build only some of them).
	FrontendAttrs map[string]string
	// CacheFrom and CacheTo are BuildKit cache imports and exports.
	CacheFrom, CacheTo []CacheEntry
	// Entitlements the build is allowed (network.host, ...).
	Entitlements []string
	Secrets      []Secret
	SSH          []SSH
	// Annotations as written: key=value, TYPES:key=value.
	Annotations []string
	// Tags name the image where an output has no name= of its own.
	Tags []string
	// Call is check, outline, targets (or build, or "").
	Call string
	// Provenance: a provenance attestation is asked for, which the
	// metadata file reads back.
	Provenance bool
	// Attested: some attestation is attached, so the image is an index.
	Attested bool
}

// ContextKind is what a context gives the build.
type ContextKind int

const (
	// LocalDir is a directory on this machine, sent by the client.
	LocalDir ContextKind = iota
	// NodeResult is another node's result (target:NAME).
	NodeResult
	// Image is an image in a registry (docker-image://).
	Image
	// Git is a git repository, at a ref.
	Git
	// URL is a tarball or a Dockerfile over http(s).
	URL
	// OCILayout is an OCI layout on this machine (oci-layout://).
	OCILayout
	// FrontendInput is an input of a gateway frontend (input:NAME).
	FrontendInput
	// UnknownURL is a URL of another scheme, passed on as written.
	UnknownURL
)

var contextKinds = map[spec.ContextKind]ContextKind{
	spec.LocalContext: LocalDir, spec.TargetContext: NodeResult, spec.ImageContext: Image,
	spec.GitContext: Git, spec.URLContext: URL, spec.OCILayoutContext: OCILayout,
	spec.InputContext: FrontendInput, spec.UnknownURLContext: UnknownURL,
}

var contextKindNames = map[ContextKind]string{
	LocalDir: "local directory", NodeResult: "target", Image: "image", Git: "git repository",
	URL: "URL", OCILayout: "OCI layout", FrontendInput: "frontend input", UnknownURL: "URL",
}

func (k ContextKind) String() string { return contextKindNames[k] }

// Context is one build context.
type Context struct {
	// Name is the named context's name, "" for the main context.
	Name string
	Kind ContextKind
	// Value is the context as the frontend reads it: an absolute
	// directory, docker-image://REF, a git or http URL, oci-layout://...
	Value string
	// Dir is the directory on this machine of a LocalDir or OCILayout.
	Dir string
	// Layout is an OCILayout's tag and digest, as spec.ParseOCILayout
	// reads them: the one reading of the value, for the run too.
	Layout LayoutRef
	// Parent is the node whose result a NodeResult context is.
	Parent *Node
	Range  hcl.Range
}

// LayoutRef names an image in an OCI layout: its tag in index.json, or
// its digest when the context gives one.
type LayoutRef struct{ Tag, Digest string }

// Dockerfile says where the Dockerfile comes from.
type Dockerfile struct {
	// Inline is the Dockerfile's text when the spec writes it inline.
	Inline   string
	IsInline bool
	// Path is the file on this machine; "" when inline or inside a
	// remote context.
	Path string
	// InContext is the name given for a Dockerfile inside a git or http
	// context ("" for the frontend's default).
	InContext string
	// IgnoreFile holds the ignore rules of a local context's build
	// (BuildKit's rule: DOCKERFILE.dockerignore beside the Dockerfile,
	// else the context's .dockerignore); "" when none applies.
	IgnoreFile string
}

// CacheEntry is one cache import or export.
type CacheEntry struct {
	Type  string
	Attrs map[string]string
}

// Secret is a build secret's source; its value is never read here.
type Secret struct{ ID, Src, Env string }

// SSH is an SSH agent socket or key set forwarded into the build.
type SSH struct {
	ID    string
	Paths []string
}

// newProgram decides what building n means. Its parents are nodes of p
// already.
func newProgram(p *Plan, n *Node) Program {
	t := n.Target
	pr := Program{
		Context:       newContext("", *t.Context, p),
		FrontendAttrs: frontendAttrs(t),
		Entitlements:  spec.Values(t.Entitlements),
		Annotations:   spec.Values(t.Annotations),
		Tags:          spec.Values(t.Tags),
	}
	for _, k := range slices.Sorted(maps.Keys(t.Contexts)) {
		pr.Contexts = append(pr.Contexts, newContext(k, t.Contexts[k], p))
	}
	pr.Dockerfile = newDockerfile(t, pr.Context)
	for _, e := range t.CacheFrom {
		pr.CacheFrom = append(pr.CacheFrom, CacheEntry{e.Type, maps.Clone(e.Attrs)})
	}
	for _, e := range t.CacheTo {
		pr.CacheTo = append(pr.CacheTo, CacheEntry{e.Type, maps.Clone(e.Attrs)})
	}
	for _, s := range t.Secrets {
		pr.Secrets = append(pr.Secrets, Secret{ID: s.ID, Src: s.Src, Env: s.Env})
	}
	for _, s := range t.SSH {
		pr.SSH = append(pr.SSH, SSH{ID: s.ID, Paths: s.Paths})
	}
	if t.Call != nil {
		pr.Call = t.Call.Value
	}
	for _, a := range t.Attest {
		if !a.Disabled {
			pr.Attested = true
			pr.Provenance = pr.Provenance || a.Type == "provenance"
		}
	}
	return pr
}

// defaultProvenance is what buildx (0.10 and later) asks of every build
// that says nothing of provenance: a minimal provenance attestation,
// attached only where the exporter holds attestations inline (an image,
// an OCI archive; not a local directory). Not on the docker driver (the
// engine's image store may hold none), not for a target that exports
// nothing or answers a call, and not when the target's attest names
// provenance (--provenance=false disables it) or
// BUILDX_NO_DEFAULT_ATTESTATIONS is true.
const defaultProvenance = "mode=min,inline-only=true"

func addDefaultProvenance(pr *Program, n *Node, driver string, lookupEnv func(string) (string, bool)) {
	if v, ok := lookupEnv("BUILDX_NO_DEFAULT_ATTESTATIONS"); ok {
		if off, err := strconv.ParseBool(v); err != nil || off {
			return
		}
	}
	if driver == "docker" || (pr.Call != "" && pr.Call != "build") {
		return
	}
	for _, a := range n.Target.Attest {
		if a.Type == "provenance" {
			return
		}
	}
	exports := false
	for _, o := range n.Outputs {
		exports = exports || o.Type != "cacheonly"
	}
	if !exports {
		return
	}
	pr.FrontendAttrs["attest:provenance"] = defaultProvenance
	pr.Attested = true
}

func newContext(name string, v spec.String, p *Plan) Context {
	c := Context{Name: name, Kind: contextKinds[spec.KindOf(v.Value)], Value: v.Value, Range: v.Range}
	switch c.Kind {
	case LocalDir:
		c.Dir = v.Value
	case OCILayout:
		l, _ := spec.ParseOCILayout(v.Value)
		c.Dir, c.Layout = l.Dir, LayoutRef{Tag: l.Tag, Digest: l.Digest}
	case NodeResult:
		c.Parent = p.Node(strings.TrimPrefix(v.Value, "target:"))
	}
	return c
}

func newDockerfile(t *spec.Target, main Context) Dockerfile {
	var d Dockerfile
	if t.DockerfileInline != nil {
		d.Inline, d.IsInline = t.DockerfileInline.Value, true
	} else if path, local := DockerfilePath(t); local {
		d.Path = path
	} else if t.Dockerfile != nil {
		d.InContext = t.Dockerfile.Value
	}
	if main.Kind == LocalDir {
		d.IgnoreFile = inputs.IgnoreFile(main.Dir, d.Path)
	}
	return d
}

// frontendAttrs are the Dockerfile frontend's options for a target, but
// its platforms.
func frontendAttrs(t *spec.Target) map[string]string {
	attrs := map[string]string{}
	if t.Target != nil {
		attrs["target"] = t.Target.Value
	}
	for k, v := range t.Args {
		attrs["build-arg:"+k] = v.Value
	}
	for k, v := range t.Labels {
		attrs["label:"+k] = v.Value
	}
	if t.NoCache != nil && t.NoCache.Value {
		attrs["no-cache"] = ""
	} else if len(t.NoCacheFilter) > 0 {
		attrs["no-cache"] = strings.Join(spec.Values(t.NoCacheFilter), ",")
	}
	if t.Pull != nil && t.Pull.Value {
		attrs["image-resolve-mode"] = "pull"
	}
	if t.Network != nil {
		attrs["force-network-mode"] = t.Network.Value
	}
	if len(t.ExtraHosts) > 0 {
		var hosts []string
		for _, h := range slices.Sorted(maps.Keys(t.ExtraHosts)) {
			hosts = append(hosts, h+"="+t.ExtraHosts[h].Value)
		}
		attrs["add-hosts"] = strings.Join(hosts, ",")
	}
	if t.ShmSize != nil {
		if n, err := units.RAMInBytes(t.ShmSize.Value); err == nil {
			attrs["shm-size"] = strconv.FormatInt(n, 10)
		}
	}
	addResources(attrs, t.Resources)
	if len(t.Ulimits) > 0 {
		attrs["ulimit"] = strings.Join(spec.Values(t.Ulimits), ",")
	}
	for _, a := range t.Attest {
		if a.Disabled {
			continue
		}
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(a.Attrs)) {
			parts = append(parts, k+"="+a.Attrs[k])
		}
		attrs["attest:"+a.Type] = strings.Join(parts, ",")
	}
	if t.Call != nil {
		if id, ok := callRequests[t.Call.Value]; ok {
			attrs["requestid"] = id
		}
	}
	return attrs
}

// resourceAttrs are the Dockerfile frontend's names of the resources.
var resourceAttrs = map[string]string{
	"memory": "memory", "memory-swap": "memswap", "cpu-shares": "cpushares", "cpu-period": "cpuperiod",
	"cpu-quota": "cpuquota", "cpuset-cpus": "cpusetcpus", "cpuset-mems": "cpusetmems",
}

// addResources passes the resource limits to the frontend, sizes in
// bytes (the spec checked them), as buildx does.
func addResources(attrs map[string]string, res map[string]spec.String) {
	for k, v := range res {
		value := v.Value
		if k == "memory" || (k == "memory-swap" && value != "-1") {
			n, err := units.RAMInBytes(value)
			if err != nil {
				continue
			}
			value = strconv.FormatInt(n, 10)
		}
		attrs[resourceAttrs[k]] = value
	}
}

// callRequests maps call to the frontend's subrequests, as buildx does.
var callRequests = map[string]string{
	"check":   "frontend.lint",
	"lint":    "frontend.lint", // what bake's --check and --call check write
	"outline": "frontend.outline",
	"targets": "frontend.targets",
}

// ShowPath renders an absolute path relative to cwd, as every message
// of xbake shows paths.
func ShowPath(path, cwd string) string { return spec.ShowPath(path, cwd) }
