package plan

import (
	"os"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/builder/desc"
	"github.com/xbake/xbake/internal/inputs"
	"github.com/xbake/xbake/internal/rule"
	"github.com/xbake/xbake/spec"
)

// BuiltinBuilder names the builder used when the spec declares none.
const BuiltinBuilder = spec.BuiltinBuilder

// Engine is what a docker-driver builder's engine said of itself.
type Engine struct {
	Version string // "20.10.24+dfsg1", "27.3.1"
	// ContainerdStore: images live in the containerd image store, which
	// holds several platforms per image; the classic store holds one, so
	// the engine's BuildKit refuses multi-platform builds.
	ContainerdStore bool
}

// Options are the command-line settings that change a plan.
type Options struct {
	// Engines are the Docker engines of the builders that use the docker
	// driver, by builder name (asked by the CLI): the engine's built-in
	// BuildKit is as old as the engine, and its image store decides
	// whether it builds several platforms at once.
	Engines map[string]Engine
	Push    bool // --push: every target also pushes its image
	Load    bool // --load: every target also loads into the docker image store
	// EngineMultiPlatform: the Docker engine keeps images in the
	// containerd image store, which holds several platforms per image,
	// so a multi-platform load is fine (the CLI asks the engine).
	EngineMultiPlatform bool
	// Allow holds the --allow grants (network.host, security.insecure,
	// fs.write=PATH), parsed by ParseAllow.
	Allow Allow
	// Builder is --builder or XBAKE_BUILDER: the builder of targets that
	// do not name one.
	Builder string
	// Strict turns warnings into errors.
	Strict bool
	// LookupEnv reads the environment, for secrets; nil is os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// SkipDigests leaves InputDigest empty instead of reading every input
	// file: for a run that neither skips nor records builds, and for
	// fuzzing (which feeds contexts such as "/").
	SkipDigests bool
	// IgnoreVCS leaves git's metadata (.git directories and files) out
	// of the input digests: plan --diff compares a checkout of the base,
	// which has none, with the working tree, which has it and changes it
	// with every commit.
	IgnoreVCS bool
	// RemoteInputs lists, with the digests, what each node reads from
	// elsewhere (Node.RemoteInputs): a run with --skip-unchanged needs
	// it; showing a plan does not, and it costs a read and a parse of
	// every Dockerfile.
	RemoteInputs bool
	// History is what earlier runs took, for placing targets over a
	// builder's pool of nodes (pool.go).
	History History
	// Drain names nodes ("NODE" or "BUILDER/NODE") that get no targets.
	Drain map[string]bool
}

// Plan is the build graph of a selection.
type Plan struct {
	// Nodes in a deterministic order: by level, then by name.
	Nodes []*Node
	// Levels groups the nodes that can build at the same time: a node's
	// level is one more than the highest level of what it waits for.
	Levels [][]*Node
	// CriticalPath is the longest chain of nodes, each waiting for the one
	// before.
	CriticalPath []*Node
	// Note is a line about how the selection was made (--affected).
	Note string
	// Files are the spec files read, in the order they were merged.
	Files []string
	// FilePaths are the same files' paths as read (absolute unless
	// read from stdin): with the working directory, they say which
	// project a run is of.
	FilePaths []string
	// Cyclic is set when targets wait for each other: the levels then
	// say nothing (a cycle has no order), and the plan has errors.
	Cyclic bool
	// Pools are the placements over builders of several nodes.
	Pools []*Pool
	// Builders are the spec's builders as the run's drivers take them:
	// endpoints, TLS files, platforms and capacity of each node.
	Builders desc.Builders
	byName   map[string]*Node
}

// Node is one target to build.
type Node struct {
	Name   string
	Target *spec.Target
	// Implicit is set for targets that were not selected but are needed
	// by selected ones, through target: contexts or depends_on.
	Implicit bool
	Builder  string
	// Driver is the builder's driver ("local" for the built-in one), and
	// Engine the Docker engine its images load into: a docker or
	// docker-container builder's endpoint; empty for $DOCKER_HOST, else
	// the default socket.
	Driver, Engine string
	// Platforms are the platforms it builds: its own, or for a target
	// without platforms that others use as a context, the union of
	// theirs (so each user gets the input it needs); empty means the
	// builder's default.
	Platforms []string
	// PlatformsFromUsers is set when Platforms came from the users.
	PlatformsFromUsers bool
	// Outputs are the target's outputs after --push and --load; a target
	// pulled in only as a context builds to the cache only.
	Outputs []Output
	// Program is what building it means: contexts, Dockerfile, frontend
	// options, secrets (program.go). The executor reads nothing else.
	Program Program
	// Needs are the edges to the nodes this one waits for.
	Needs []*Edge
	Level int
	// Placement says which builder node builds which platforms, for
	// builders whose nodes declare their platforms (see placement.go).
	// Empty: one node, or the daemons' reported platforms decide at run
	// time, by the same rules.
	Placement []Placement
	// Splittable: the platforms may build on different nodes (see
	// Splittable).
	Splittable bool
	// InputDigest hashes everything that determines the result: input
	// files, resolved attributes and the parents' digests (digest.go).
	InputDigest string
	// RemoteInputs are what it reads from elsewhere (base images, image
	// and git contexts), which InputDigest covers by reference only: a
	// run that compares digests asks what each names now
	// (inputs.Resolve). Listed only with Options.RemoteInputs.
	RemoteInputs []inputs.Remote
}

// EdgeKind says why one target waits for another.
type EdgeKind string

const (
	// ContextEdge: the parent's result is a build input (target:NAME).
	ContextEdge EdgeKind = "context"
	// OrderEdge: depends_on, order only.
	OrderEdge EdgeKind = "depends_on"
)

// Wait is what of the other node an edge waits for.
type Wait string

const (
	// WaitResult: the other node's build result, which it keeps alive
	// (its outputs not yet written) until every user of it is done.
	WaitResult Wait = "result"
	// WaitDone: the other node finished, its outputs written.
	WaitDone Wait = "done"
)

// Edge links a node to one it waits for.
type Edge struct {
	From, To *Node // From waits for To
	Kind     EdgeKind
	Context  string    // the named context, for a ContextEdge
	Range    hcl.Range // where the link is written
	// Waits says what the run waits for: a context edge waits for the
	// result; depends_on for the other node to be done, except where
	// From also uses To as a context (To cannot be done before From has
	// used it), where it waits for the result too.
	Waits Wait
}

// Node returns the node of a target, or nil.
func (p *Plan) Node(name string) *Node { return p.byName[name] }

// New plans the selected targets of a spec. The diagnostics hold every
// rule that failed; the plan is complete even when they hold errors, so it
// can still be shown.
func New(s *spec.Spec, sel *spec.Selection, opts Options) (*Plan, hcl.Diagnostics) {
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	var diags hcl.Diagnostics
	defaultBuilder, d := pickDefaultBuilder(s, opts.Builder)
	diags = append(diags, d...)
	p := buildGraph(s, sel, opts, defaultBuilder)
	p.Files = s.Files
	p.Builders = BuildersOf(s)
	for _, f := range s.Files {
		if path, ok := s.FilePaths[f]; ok && path != "" {
			f = path
		}
		p.FilePaths = append(p.FilePaths, f)
	}
	for _, n := range p.Nodes {
		n.Program = newProgram(p, n)
		n.Driver = spec.BuiltinBuilder
		if b := s.Builders[n.Builder]; b != nil {
			n.Driver = b.Driver.Value
			if (n.Driver == "docker" || n.Driver == "docker-container") && len(b.Nodes) > 0 {
				n.Engine = b.Nodes[0].Endpoint.Value
			}
		}
		addDefaultProvenance(&n.Program, n, n.Driver, opts.LookupEnv)
	}
	cycles := p.findCycles()
	if len(cycles) == 0 {
		cycles = p.findKeepAliveCycles()
	}
	diags = append(diags, cycles...)
	p.computeLevels()
	if len(cycles) > 0 {
		p.CriticalPath = nil // a graph with a cycle has no longest chain to show
		p.Cyclic = true
	}
	p.inheritPlatforms()
	for _, n := range p.Nodes {
		n.Splittable = Splittable(p, n)
		n.Placement = Place(s.Builders[n.Builder], n.Platforms, n.Splittable)
	}
	p.placePools(s, opts.History, opts.Drain)
	// The rules and the digests both read the file system and do not
	// touch each other's data: they run at once.
	reads := readBoundary(s, opts.Allow).Memoized()
	cwd, _ := os.Getwd()
	c := &checker{plan: p, spec: s, opts: opts, reads: reads, cwd: cwd}
	ruled := make(chan struct{})
	go func() { defer close(ruled); c.run() }()
	var digestDiags hcl.Diagnostics
	if !opts.SkipDigests {
		digestDiags = p.computeDigests(reads, opts.RemoteInputs, opts.IgnoreVCS)
	}
	<-ruled
	diags = append(diags, c.diags...)
	diags = append(diags, digestDiags...)
	if opts.Strict {
		for _, d := range diags {
			d.Severity = hcl.DiagError
		}
	}
	return p, diags
}

// pickDefaultBuilder returns the builder of targets that name none:
// --builder (or XBAKE_BUILDER), else the builder marked default, else the
// built-in local one.
func pickDefaultBuilder(s *spec.Spec, flag string) (string, hcl.Diagnostics) {
	if flag != "" {
		if _, ok := s.Builders[flag]; ok || flag == BuiltinBuilder {
			return flag, nil
		}
		var names []string
		for n := range s.Builders {
			names = append(names, n)
		}
		return BuiltinBuilder, hcl.Diagnostics{rule.Tag(rule.UnknownBuilder, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown builder",
			Detail:   "--builder (or XBAKE_BUILDER) names " + quote(flag) + ", which the spec does not declare." + didYouMean(flag, names),
		})}
	}
	return s.DefaultBuilder(), nil
}
