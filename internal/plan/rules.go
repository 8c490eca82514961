package plan

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/rule"
	"github.com/xbake/xbake/spec"
)

// checker runs the rules over a plan. Each rule is one method; the ones
// that compare targets (output-conflict, duplicate-tag) run after the
// per-target ones.
type checker struct {
	plan *Plan
	spec *spec.Spec
	opts Options
	// reads is where builds may read, shared with the digests so each
	// path's links are resolved once per plan.
	reads spec.Boundary
	diags hcl.Diagnostics
	// stats remembers os.Stat's answers: many targets name the same
	// named context, and two rules look at each context.
	stats map[string]statResult
	// cwd is where a secret named only by id is read from, as BuildKit's
	// session reads it.
	cwd string
}

type statResult struct {
	info os.FileInfo
	err  error
}

// stat is os.Stat, once per path and plan.
func (c *checker) stat(path string) (os.FileInfo, error) {
	if r, ok := c.stats[path]; ok {
		return r.info, r.err
	}
	info, err := os.Stat(path)
	if c.stats == nil {
		c.stats = map[string]statResult{}
	}
	c.stats[path] = statResult{info, err}
	return info, err
}

func (c *checker) run() {
	for _, n := range c.plan.Nodes {
		c.multiPlatformLoad(n)
		c.noOutput(n)
		c.invalidOutputs(n)
		c.pushWithoutName(n)
		c.invalidPlatforms(n)
		c.invalidReferences(n)
		c.linkPlatforms(n)
		c.linkSplit(n)
		c.unsupportedPlatforms(n)
		c.missingContext(n)
		c.missingDockerfile(n)
		c.entitlements(n)
		c.writesOutsideTree(n)
		c.readsOutsideTree(n)
		c.missingSecrets(n)
		c.builderCannot(n)
	}
	c.outputConflicts()
	c.duplicateTags()
	c.unusedBuilders()
}

// unusedBuilders: a declared builder that no target of the spec names
// and that is not the default builds nothing, so its settings (a config
// block, nodes) are silently unused.
func (c *checker) unusedBuilders() {
	def := c.spec.DefaultBuilder()
	if c.opts.Builder != "" {
		def = c.opts.Builder
	}
	used := map[string]bool{def: true}
	for _, t := range c.spec.Targets {
		if t.Builder != nil {
			used[t.Builder.Value] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.spec.Builders)) {
		if !used[name] {
			c.report(rule.UnusedBuilder, hcl.DiagWarning, c.spec.Builders[name].DeclRange, "Unused builder",
				"Builder %q is declared, but no target names it and it is not the default, so nothing builds on it: targets without a builder attribute build on %q. "+
					"Mark it default = true, or set builder = %q on the targets that should use it.", name, def, name)
		}
	}
}

func (c *checker) report(id rule.ID, severity hcl.DiagnosticSeverity, subject hcl.Range, summary, format string, args ...any) {
	d := &hcl.Diagnostic{Severity: severity, Summary: summary, Detail: fmt.Sprintf(format, args...)}
	if subject.Filename != "" {
		d.Subject = subject.Ptr()
	}
	c.diags = append(c.diags, rule.Tag(id, d))
}

func (c *checker) errorf(id rule.ID, subject hcl.Range, summary, format string, args ...any) {
	c.report(id, hcl.DiagError, subject, summary, format, args...)
}

// platformsRange spans a target's platforms list, or names the target
// when its platforms come from the targets that use it.
func platformsRange(t *spec.Target) hcl.Range {
	if len(t.Platforms) == 0 {
		return t.DeclRange
	}
	first, last := t.Platforms[0].Range, t.Platforms[len(t.Platforms)-1].Range
	if first.Filename == last.Filename && first.Start.Byte <= last.End.Byte {
		return hcl.RangeBetween(first, last)
	}
	return first
}

// multiPlatformLoad: a docker image store takes one platform per image.
func (c *checker) multiPlatformLoad(n *Node) {
	if len(n.Platforms) < 2 || c.opts.EngineMultiPlatform {
		return
	}
	for _, o := range n.Outputs {
		if o.Type != "docker" {
			continue
		}
		how := "a docker output"
		if o.Range.Filename == "--load" {
			how = "--load"
		}
		c.errorf(rule.MultiPlatformLoad, platformsRange(n.Target), "Multi-platform load",
			"Target %q builds %d platforms (%s) but %s loads it into a Docker image store, which holds one platform per image "+
				"(unless the engine uses the containerd image store, which this one does not). "+
				"Push it instead (--push, or output type=image,push=true), write an OCI archive (output type=oci,dest=%s.tar), or build one platform.",
			n.Name, len(n.Platforms), strings.Join(n.Platforms, ", "), how, n.Name)
		return
	}
}

// noOutput: a result kept only in the build cache is usually a mistake.
func (c *checker) noOutput(n *Node) {
	if n.Implicit || len(n.Outputs) > 0 {
		return
	}
	if call := n.Target.Call; call != nil && call.Value != "build" {
		return // check, outline, targets: nothing to export
	}
	c.report(rule.NoOutput, hcl.DiagWarning, n.Target.DeclRange, "No output",
		"Target %q has no output, so its result stays in the build cache only. Add one, such as "+
			"output = [\"type=image,push=true\"] (with tags), [\"type=oci,dest=%s.tar\"] or [\"type=local,dest=out\"], or run with --push or --load.",
		n.Name, n.Name)
}

// invalidOutputs: an output BuildKit would refuse at the end of the
// build (a push= that is no boolean, a file exporter without a dest) is
// refused here, at its position, before anything builds.
func (c *checker) invalidOutputs(n *Node) {
	for _, o := range n.Outputs {
		if o.problem != "" {
			subject := o.Range
			if subject.Filename == "--push" || subject.Filename == "--load" {
				subject = n.Target.DeclRange
			}
			c.errorf(rule.InvalidOutput, subject, "Invalid output", "%s", o.problem)
		}
	}
}

// imageNames lists what an image output is named, each where it is
// written: its name= attribute (comma-separated) or else the target's
// tags.
func imageNames(t *spec.Target, o Output) []spec.String {
	if name := o.Attrs["name"]; name != "" {
		var out []spec.String
		for _, n := range o.Names {
			out = append(out, spec.String{Value: n, Range: o.Range})
		}
		return out
	}
	return t.Tags
}

// pushWithoutName: a push needs a name to push to.
func (c *checker) pushWithoutName(n *Node) {
	for _, o := range n.Outputs {
		if o.Pushes() && len(o.Names) == 0 {
			subject := o.Range
			if subject.Filename == "--push" {
				subject = n.Target.DeclRange
			}
			c.errorf(rule.PushWithoutName, subject, "Push without a name",
				"Target %q pushes an image but does not name it. Add tags = [\"registry.example.com/%s:1.0\"], or name=... in the output.",
				n.Name, n.Name)
		}
	}
}

func (c *checker) invalidPlatforms(n *Node) {
	for _, p := range n.Target.Platforms {
		if problem := checkPlatform(p.Value); problem != "" {
			c.errorf(rule.InvalidPlatform, p.Range, "Invalid platform", "%s", problem)
		}
	}
}

func (c *checker) invalidReferences(n *Node) {
	check := func(s spec.String, where string) {
		if _, err := reference.ParseNormalizedNamed(s.Value); err != nil {
			c.errorf(rule.InvalidReference, s.Range, "Invalid image reference",
				"%q in %s of target %q is not an image reference (%s). Write [REGISTRY/]REPOSITORY[:TAG], lowercase, such as registry.example.com/team/app:1.0.",
				s.Value, where, n.Name, err)
		}
	}
	for _, t := range n.Target.Tags {
		check(t, "tags")
	}
	for _, o := range n.Outputs {
		if name := o.Attrs["name"]; name != "" && (o.Type == "image" || o.Type == "registry" || o.Type == "docker" || o.Type == "oci") {
			for _, s := range strings.Split(name, ",") {
				check(spec.String{Value: s, Range: o.Range}, "the output name")
			}
		}
	}
}

// normalizedSet parses platforms into their normalized strings.
func normalizedSet(list []string) map[string]bool {
	out := map[string]bool{}
	for _, p := range list {
		if parsed, err := platforms.Parse(p); err == nil {
			out[platforms.Format(platforms.Normalize(parsed))] = true
		}
	}
	return out
}

// SamePlatform reports whether two platform strings name one platform
// once normalised ("linux/arm64/v8" and "linux/arm64"): the one
// comparison the plan and the run make.
func SamePlatform(a, b string) bool {
	na, okA := normalized(a)
	nb, okB := normalized(b)
	return okA && okB && na == nb
}

func normalized(p string) (string, bool) {
	parsed, err := platforms.Parse(p)
	if err != nil {
		return "", false
	}
	return platforms.Format(platforms.Normalize(parsed)), true
}

// linkPlatforms: a target: context must exist for every platform of the
// child. A parent without platforms builds whatever its children need.
func (c *checker) linkPlatforms(n *Node) {
	for _, e := range n.Needs {
		if e.Kind != ContextEdge || len(e.To.Platforms) == 0 {
			continue
		}
		have := normalizedSet(e.To.Platforms)
		var missing []string
		for _, p := range n.Platforms {
			if np, ok := normalized(p); ok && !have[np] {
				missing = append(missing, p)
			}
		}
		if len(missing) > 0 {
			c.errorf(rule.LinkPlatform, e.Range, "Platform missing in linked target",
				"Target %q uses target %q as its context %q and builds %s, which %q does not build (it builds %s). "+
					"Add %s to the platforms of %q, or remove its platforms so it builds whatever %q needs.",
				n.Name, e.To.Name, e.Context, strings.Join(missing, ", "), e.To.Name, strings.Join(e.To.Platforms, ", "),
				strings.Join(missing, ", "), e.To.Name, n.Name)
		}
	}
}

// linkSplit: a target and a parent it reads through target: that the
// plan puts on different nodes of one builder, because no node builds
// the platforms of both. The parent's result reads its local files
// through its build's session on its node, so the user builds there
// (and fails if that node cannot build it): the run cannot follow the
// plan, and says so here first.
func (c *checker) linkSplit(n *Node) {
	child := placementNodes(n)
	if len(child) == 0 {
		return
	}
	for _, e := range n.Needs {
		if e.Kind != ContextEdge || e.To.Builder != n.Builder {
			continue
		}
		parent := placementNodes(e.To)
		if len(parent) != 1 || slices.Equal(child, parent) {
			continue
		}
		c.report(rule.LinkSplit, hcl.DiagWarning, e.Range, "Linked targets on different nodes",
			"Target %q reads %q through target: (context %q), but no node of builder %q builds the platforms of both, so the plan puts %q on node %s and %q on %s. "+
				"A target's result reads its local files through its own build, on its own node: the run builds %q on node %s too, and fails it if that node cannot build %s. "+
				"Give one node every platform both need, or build %q without a target: context.",
			n.Name, e.To.Name, e.Context, n.Builder, e.To.Name, parent[0], n.Name, strings.Join(child, ", "), n.Name, parent[0], strings.Join(n.Platforms, ", "), n.Name)
	}
}

// placementNodes are the distinct nodes a target is placed on, sorted.
func placementNodes(n *Node) []string {
	var out []string
	for _, pl := range n.Placement {
		out = append(out, pl.Node)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// unsupportedPlatforms: a builder whose platforms attribute lists what it
// supports builds nothing else. (A node's platforms are the ones it
// builds natively; others may still run there under emulation.)
func (c *checker) unsupportedPlatforms(n *Node) {
	b := c.spec.Builders[n.Builder]
	if b == nil || len(b.Platforms) == 0 {
		return
	}
	declared := spec.Values(b.Platforms)
	have := normalizedSet(declared)
	for _, p := range n.Target.Platforms {
		if np, ok := normalized(p.Value); ok && !have[np] {
			c.errorf(rule.UnsupportedPlatform, p.Range, "Unsupported platform",
				"Target %q builds %s on builder %q, whose platforms are only %s. Add %s to the builder's platforms (and a node that builds it), or build this target elsewhere.",
				n.Name, p.Value, n.Builder, strings.Join(declared, ", "), p.Value)
		}
	}
}

func (c *checker) missingContext(n *Node) {
	t := n.Target
	checkDir := func(dir string, rng hcl.Range, what string) {
		info, err := c.stat(dir)
		switch {
		case err != nil:
			c.errorf(rule.MissingContext, rng, "Missing context",
				"The %s of target %q is %q, which does not exist. Create the directory or fix the path (relative paths start at the spec file's directory).%s",
				what, n.Name, dir, gitHint(c.spec.Root, dir))
		case !info.IsDir():
			c.errorf(rule.MissingContext, rng, "Missing context",
				"The %s of target %q is %q, which is a file, not a directory.", what, n.Name, dir)
		}
	}
	if spec.IsLocal(t.Context.Value) {
		checkDir(t.Context.Value, t.Context.Range, "context")
	}
	for _, k := range slices.Sorted(maps.Keys(t.Contexts)) {
		v := t.Contexts[k]
		if spec.IsLocal(v.Value) {
			checkDir(v.Value, v.Range, fmt.Sprintf("context %q", k))
		}
		// An OCI layout is a directory with an index.json: without one
		// the build could only fail, and the input digest would be empty.
		if layout, ok := spec.ParseOCILayout(v.Value); ok && !c.writtenByThePlan(layout.Dir) {
			if _, err := c.stat(filepath.Join(layout.Dir, "index.json")); err != nil {
				c.errorf(rule.MissingContext, v.Range, "Missing OCI layout",
					"The context %q of target %q is the OCI layout %q, which has no index.json (%v). Write the layout there first (an oci output with tar=false), or fix the path.",
					k, n.Name, layout.Dir, err)
			}
		}
	}
}

// writtenByThePlan reports whether an output of a target in the plan
// writes dir (a layout another target of the same run makes, which it
// waits for through depends_on).
func (c *checker) writtenByThePlan(dir string) bool {
	for _, n := range c.plan.Nodes {
		for _, o := range n.Outputs {
			if o.Dest != "" && filepath.Clean(o.Dest) == filepath.Clean(dir) {
				return true
			}
		}
	}
	return false
}

// gitHint suggests the git URL a missing directory such as
// gitlab.com/group/repo may have been meant as: without a scheme,
// BuildKit and bake read it as a directory (github.com/ excepted).
func gitHint(root, dir string) string {
	rel, err := filepath.Rel(root, dir)
	if err != nil {
		return ""
	}
	host, repo, ok := strings.Cut(filepath.ToSlash(rel), "/")
	if !ok || !strings.Contains(host, ".") || strings.HasPrefix(host, ".") {
		return ""
	}
	return fmt.Sprintf(" To build from a git repository, write %q.", "https://"+host+"/"+strings.TrimSuffix(repo, ".git")+".git")
}

// DockerfilePath returns the Dockerfile a target builds, resolved against
// its context, and whether it is a file on this machine: with a git or
// https context only one named by an absolute path is (as in bake), a
// relative one lies in the repository.
func DockerfilePath(t *spec.Target) (string, bool) {
	if t.DockerfileInline != nil {
		return "", false
	}
	name := "Dockerfile"
	if t.Dockerfile != nil && t.Dockerfile.Value != "" {
		name = t.Dockerfile.Value
	}
	switch {
	case filepath.IsAbs(name):
		return name, true
	case spec.IsLocal(t.Context.Value):
		return filepath.Join(t.Context.Value, name), true
	default:
		return "", false
	}
}

func (c *checker) missingDockerfile(n *Node) {
	t := n.Target
	path, ok := DockerfilePath(t)
	if !ok {
		return
	}
	if spec.IsLocal(t.Context.Value) {
		if info, err := c.stat(t.Context.Value); err != nil || !info.IsDir() {
			return // missing-context says it
		}
	}
	if info, err := c.stat(path); err == nil && !info.IsDir() {
		return
	}
	subject := t.DeclRange
	if t.Dockerfile != nil {
		subject = t.Dockerfile.Range
	}
	c.errorf(rule.MissingDockerfile, subject, "Missing Dockerfile",
		"Target %q has no Dockerfile at %q. Create it, set dockerfile to its path relative to the context, or write it in dockerfile-inline.",
		n.Name, path)
}

func (c *checker) entitlements(n *Node) {
	for _, e := range n.Target.Entitlements {
		if !c.opts.Allow.Entitlements[e.Value] {
			c.errorf(rule.EntitlementDenied, e.Range, "Entitlement not granted",
				"Target %q needs %q, which must be granted on the command line: add --allow %s.", n.Name, e.Value, e.Value)
		}
	}
}

// builderCannot: a docker-driver builder is the engine's built-in
// BuildKit, as old as the engine and bound to its image store. Before
// Docker 23.0 (BuildKit 0.10 inside) it knows no named contexts: a
// target: link or any contexts entry would be taken for an image name and
// pulled (docker.io/library/base). With the classic image store it builds
// one platform at a time (buildx: "Multi-platform build is not supported
// for the docker driver").
func (c *checker) builderCannot(n *Node) {
	engine, ok := c.opts.Engines[n.Builder]
	if !ok || n.Driver != "docker" {
		return
	}
	const instead = "Build it with a docker-container builder on the same engine (driver = \"docker-container\") or a local one, or "
	if len(n.Target.Contexts) > 0 && !engineAtLeast(engine.Version, 23) {
		first := slices.Sorted(maps.Keys(n.Target.Contexts))[0]
		c.errorf(rule.BuilderCannot, n.Target.Contexts[first].Range, "Builder cannot do this",
			"Target %q uses named contexts (%s), which builder %q cannot take: it is Docker %s's built-in BuildKit, and named contexts need Docker 23.0 or later. "+
				instead+"upgrade Docker.",
			n.Name, strings.Join(slices.Sorted(maps.Keys(n.Target.Contexts)), ", "), n.Builder, engine.Version)
	}
	if len(n.Platforms) > 1 && !engine.ContainerdStore {
		c.errorf(rule.BuilderCannot, platformsRange(n.Target), "Builder cannot do this",
			"Target %q builds %d platforms (%s), which builder %q cannot: it is the built-in BuildKit of a Docker engine (%s) that keeps images in the classic store, one platform per image. "+
				instead+"turn on the engine's containerd image store (\"features\": {\"containerd-snapshotter\": true} in daemon.json), or build one platform.",
			n.Name, len(n.Platforms), strings.Join(n.Platforms, ", "), n.Builder, engine.Version)
	}
}

// engineAtLeast reports whether a Docker version ("20.10.24+dfsg1",
// "27.3.1") is at least major.
func engineAtLeast(version string, major int) bool {
	m, err := strconv.Atoi(strings.SplitN(version, ".", 2)[0])
	return err != nil || m >= major // an unreadable version is not refused
}

// missingSecrets: a secret's or SSH key's source must exist. Only its
// presence is checked; its value is never read.
func (c *checker) missingSecrets(n *Node) {
	c.diags = append(c.diags, MissingSources(n.Name, n.Target, c.opts.LookupEnv, c.cwd, true)...)
}

// outputConflicts: two targets writing one file or directory would
// overwrite each other.
func (c *checker) outputConflicts() {
	first := map[string]*Node{}
	var stdout *Node // the target whose output streams to stdout
	for _, n := range c.plan.Nodes {
		for _, o := range n.Outputs {
			if o.Dest == "-" {
				if stdout != nil {
					c.errorf(rule.OutputConflict, o.Range, "Output conflict",
						"Targets %q and %q both stream an output to stdout, where the two would interleave; give one of them a file as dest.", stdout.Name, n.Name)
				}
				stdout = n
				continue
			}
			if !o.WritesFile() {
				continue
			}
			if prev, ok := first[o.Dest]; ok && prev != n {
				c.errorf(rule.OutputConflict, o.Range, "Output conflict",
					"Targets %q and %q both write to %q; give each its own dest.", prev.Name, n.Name, o.Dest)
				continue
			}
			first[o.Dest] = n
		}
	}
}

// duplicateTags: two targets pushing one tag race for it.
func (c *checker) duplicateTags() {
	first := map[string]*Node{}
	for _, n := range c.plan.Nodes {
		seen := map[string]bool{}
		for _, o := range n.Outputs {
			if !o.Pushes() {
				continue
			}
			for _, name := range imageNames(n.Target, o) {
				if seen[name.Value] {
					continue
				}
				seen[name.Value] = true
				if prev, ok := first[name.Value]; ok {
					c.report(rule.DuplicateTag, hcl.DiagWarning, name.Range, "Duplicate tag",
						"Targets %q and %q both push %q; whichever finishes last wins. Give each its own tag.", prev.Name, n.Name, name.Value)
					continue
				}
				first[name.Value] = n
			}
		}
	}
}
