package exec

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	iofs "io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/configfile"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	gateway "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/identity"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	"github.com/moby/buildkit/session/sshforward/sshprovider"
	"github.com/moby/buildkit/solver/pb"
	"github.com/tonistiigi/fsutil"

	"github.com/xbake/xbake/internal/builder"
	"github.com/xbake/xbake/internal/exec/outputs"
	"github.com/xbake/xbake/internal/exec/schedule"
	"github.com/xbake/xbake/internal/plan"
)

// buildkitSolver builds targets on BuildKit: the solver of every real run.
type buildkitSolver struct{ r *runner }

var _ schedule.Solver = buildkitSolver{}

func (s buildkitSolver) Solve(ctx context.Context, sb *schedule.Build) error {
	j := s.r.jobs[sb.Task.Node.Name]
	b := &build{r: s.r, j: j, sched: sb}
	err := b.run(ctx)
	if err != nil && b.sharedResult != nil {
		b.sharedResult.fail(err) // users waiting for it to build again stop waiting
	}
	if err != nil {
		j.res.Moved = nil // "built on" is said of targets that built
	}
	s.r.progress.Fill(j.res) // before the scheduler reads the step counts
	return err
}

// build is one target's BuildKit build.
type build struct {
	r          *runner
	j          *job
	sched      *schedule.Build // the --jobs slot and the hand-over to users
	cleanup    []func()        // temporary files of this build
	callAnswer string          // what a call (check, outline, targets) answered
	buildRef   string          // BUILDER/NODE/REF of the last solve, as buildx names a build
	solveRef   string          // REF alone, the daemon's name of the build
	pool       bool            // its builder has several nodes
	// sharedResult is what the target handed its users (once, whatever
	// the attempts); a later attempt puts its own result into it.
	sharedResult *sharedResult
	// parents are the results of the targets it reads through target:
	// contexts, as this attempt reads them.
	parents map[string]*contextInput
}

// metadataOf is what --metadata-file records of a build, as bake writes
// it: BuildKit's exporter response, the build's reference, and for an
// atomic push every name with its tag (BuildKit pushed by digest only).
func metadataOf(response map[string]string, ref string, pending []outputs.PendingTag) map[string]string {
	out := maps.Clone(response)
	if out == nil {
		out = map[string]string{}
	}
	out["buildx.build.ref"] = ref
	if len(pending) > 0 {
		out["image.name"] = strings.Join(tagNames(pending), ",")
	}
	return out
}

// run builds the target where the plan placed it. When its node goes
// away during the build and another node of the builder can build it,
// it builds again there, from the start and into fresh staging (nothing
// of the lost attempt is published), at most once per node.
func (b *build) run(ctx context.Context) error {
	all, err := b.r.clients.Nodes(ctx, b.j.node.Builder)
	if err != nil {
		return err
	}
	b.r.joinNodes(b.j.node.Builder)
	b.pool = len(all) > 1
	// gone is the node the target was meant for (the plan's choice from
	// a pool, then a lost one), and why says what happened to it.
	gone, why := "", ""
	for _, pl := range b.j.node.Placement {
		if !slices.ContainsFunc(all, func(n builder.NodeClient) bool { return n.Name == pl.Node }) {
			gone, why = pl.Node, "node "+pl.Node+", where the plan placed it, is not in the run"
		}
	}
	for {
		parents, pin, err := b.parentResults(ctx)
		if err != nil {
			return err
		}
		b.parents = parents
		nodes := b.r.live(b.j.node.Builder, all)
		if len(nodes) == 0 {
			return fmt.Errorf("builder %q has no node left that answers", b.j.node.Builder)
		}
		parts, err := b.r.split(b.j, nodes, pin)
		if err != nil {
			return err
		}
		for _, pl := range b.j.node.Placement {
			if gone == "" && b.r.isLost(b.j.node.Builder, pl.Node) {
				gone, why = pl.Node, "node "+pl.Node+", where the plan placed it, was lost earlier in the run"
			}
		}
		if gone != "" && !slices.ContainsFunc(parts, func(p part) bool { return p.node.Name == gone }) {
			b.j.res.Moved = append(b.j.res.Moved, why+"; built on "+partNodes(parts))
		}
		if len(parts) > 1 {
			err = b.runSplit(ctx, parts)
		} else {
			err = b.runOn(ctx, parts[0])
		}
		var lost *builder.LostError
		if !errors.As(err, &lost) || len(nodes) < 2 || ctx.Err() != nil {
			return err
		}
		b.r.markLost(lost)
		if b.sharedResult != nil {
			b.sharedResult.set(nil) // its users wait for the next attempt's result
		}
		gone, why = lost.Node, "node "+lost.Node+" was lost during its build"
		b.r.say("%s: node %s of builder %s was lost during its build; building it again on another node", b.j.node.Name, lost.Node, lost.Builder)
	}
}

// partNodes names the nodes of parts: "n2", or "n2, n3".
func partNodes(parts []part) string {
	var names []string
	for _, p := range parts {
		names = append(names, p.node.Name)
	}
	return strings.Join(names, ", ")
}

// runOn builds the target on one node.
func (b *build) runOn(ctx context.Context, on part) error {
	release := b.r.occupy(b.j.node.Builder, on.node.Name, on.reserved)
	defer release()
	outs, err := outputs.Prepare(b.r.outputRequest(b.j, false, on.node.Docker))
	if err != nil {
		return err
	}
	defer outs.Cleanup()
	label := b.j.node.Name
	if b.pool {
		label += "@" + on.node.Name // the progress says where it runs
	}
	resp, err := b.solve(ctx, on, outs, label)
	b.j.res.CallResult = b.callAnswer
	if err != nil {
		return outs.WriteErr(err)
	}
	b.j.res.Response = metadataOf(resp.ExporterResponse, b.buildRef, outs.Pending)
	if b.j.node.Program.Provenance {
		// A provenance that cannot be read back leaves the key out: the
		// build stands.
		if prov, err := fetchProvenance(ctx, on.node.Client, b.solveRef); err == nil {
			maps.Copy(b.j.res.Response, prov)
		}
	}
	b.j.res.Digest = resp.ExporterResponse[exptypes.ExporterImageDigestKey]
	unlock, err := outputs.LockDestinations(outputs.FileDestinations(b.j.node), func(holder string) {
		b.r.say("%s: waiting for another run to finish writing its output (%s)", b.j.node.Name, holder)
	})
	if err != nil {
		return err
	}
	err = outs.Commit()
	unlock()
	if err != nil {
		return err
	}
	b.j.res.Outputs = outs.Described
	b.r.addPending(outs.Pending, b.j.res.Digest)
	return nil
}

// solve runs one BuildKit build of the target's platforms in part, on
// its node, with the prepared exports.
func (b *build) solve(ctx context.Context, part part, outs *outputs.Set, label string) (*client.SolveResponse, error) {
	defer func() {
		for _, f := range b.cleanup {
			f()
		}
	}()
	so, attrs, inputs, err := b.solveOpt(ctx, part.platforms)
	if err != nil {
		return nil, err
	}
	so.Exports = outs.Exports
	so.FrontendAttrs = attrs // the exporters compare the result with the requested platforms
	so.Ref = identity.NewID()
	// A build BuildKit records in its history costs it database writes
	// and a copy of the build's trace: half the time of a fully cached
	// run. Record only when asked, or when the metadata needs the
	// record (the provenance is read back from it).
	so.Internal = !b.r.opts.History && !b.j.node.Program.Provenance
	b.solveRef = so.Ref
	b.buildRef = part.node.Builder + "/" + part.node.Name + "/" + so.Ref
	statusCh := make(chan *client.SolveStatus)
	forwarded := b.r.progress.Forward(b.j.node.Name, label, part.node.Name, statusCh)
	buildCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	b.r.onLost(buildCtx, part.node.Builder, part.node.Name, cancel)
	resp, err := part.node.Client.Build(buildCtx, so, "xbake", func(ctx context.Context, gw gateway.Client) (*gateway.Result, error) {
		// A result others use as a context is built here, in full,
		// before they get it (Evaluate): left lazy, its steps would run
		// inside the first user's build, and a failing step would be
		// blamed on that user while this target looked cancelled.
		res, err := gw.Solve(ctx, gateway.SolveRequest{
			Frontend: "dockerfile.v0", FrontendOpt: attrs, FrontendInputs: inputs, CacheImports: gatewayCache(so.CacheImports),
			Evaluate: b.j.task.Users() > 0,
		})
		if err != nil {
			return nil, err
		}
		if err := b.callResult(res); err != nil {
			return nil, err
		}
		shared := res
		if _, call := attrs["requestid"]; call && b.j.task.Users() > 0 {
			// A call (check, outline) answers without building, but the
			// targets that use this one as a context need its result:
			// without it their frontend would look "base" up in a
			// registry. Build it too, for them.
			build := maps.Clone(attrs)
			delete(build, "requestid")
			if shared, err = gw.Solve(ctx, gateway.SolveRequest{
				Frontend: "dockerfile.v0", FrontendOpt: build, FrontendInputs: inputs, CacheImports: gatewayCache(so.CacheImports), Evaluate: true,
			}); err != nil {
				return nil, err
			}
		}
		if err := b.shareWithUsers(ctx, shared, part.node); err != nil {
			return nil, err
		}
		return res, nil
	}, statusCh)
	<-forwarded
	return resp, part.node.Lost(ctx, err)
}

// shareWithUsers turns the result into definitions the users can build
// on, and hands them over (schedule.Build.Share): the first attempt
// shares them, a later one (after a lost node) puts its own into what
// the first shared. Either way it waits until the users are done: the
// definitions read local files through this build's session.
func (b *build) shareWithUsers(ctx context.Context, res *gateway.Result, on builder.NodeClient) error {
	if b.j.task.Users() == 0 {
		return nil
	}
	in := &contextInput{defs: map[string]*pb.Definition{}, configs: map[string][]byte{}, builder: on.Builder, node: on.Name}
	add := func(key string, ref gateway.Reference, config []byte) error {
		st, err := ref.ToState()
		if err != nil {
			return err
		}
		def, err := st.Marshal(ctx)
		if err != nil {
			return err
		}
		in.defs[key], in.configs[key] = def.ToPB(), config
		in.bound = in.bound || readsLocalFiles(in.defs[key])
		return nil
	}
	if res.Ref != nil {
		if err := add("", res.Ref, res.Metadata[exptypes.ExporterImageConfigKey]); err != nil {
			return err
		}
	}
	for platform, ref := range res.Refs {
		if err := add(platform, ref, res.Metadata[exptypes.ExporterImageConfigKey+"/"+platform]); err != nil {
			return err
		}
	}
	if b.sharedResult == nil {
		b.sharedResult = newSharedResult(in)
		return b.sched.Share(ctx, b.sharedResult)
	}
	b.sharedResult.set(in)
	return b.sched.WaitUsers(ctx)
}

// solveOpt maps the target's attributes to a BuildKit solve: frontend
// attributes, local directories, inputs from other targets, and the
// session's secrets, ssh agents and registry credentials.
func (b *build) solveOpt(ctx context.Context, platforms []string) (client.SolveOpt, map[string]string, map[string]*pb.Definition, error) {
	pr := &b.j.node.Program
	attrs := maps.Clone(pr.FrontendAttrs)
	if len(platforms) > 0 {
		attrs["platform"] = strings.Join(platforms, ",")
	}
	so := client.SolveOpt{LocalMounts: map[string]fsutil.FS{}, AllowedEntitlements: pr.Entitlements}
	frontendInputs := map[string]*pb.Definition{}
	if err := b.contextMounts(ctx, &so, attrs, frontendInputs); err != nil {
		return so, nil, nil, err
	}
	for _, c := range pr.Contexts {
		if err := b.namedContext(c, &so, attrs, frontendInputs); err != nil {
			return so, nil, nil, err
		}
	}
	for _, e := range pr.CacheFrom {
		so.CacheImports = append(so.CacheImports, client.CacheOptionsEntry{Type: e.Type, Attrs: e.Attrs})
	}
	for _, e := range pr.CacheTo {
		so.CacheExports = append(so.CacheExports, client.CacheOptionsEntry{Type: e.Type, Attrs: e.Attrs})
	}
	attachables, err := sessionAttachables(pr)
	if err != nil {
		return so, nil, nil, err
	}
	so.Session = attachables
	return so, attrs, frontendInputs, nil
}

// callResult keeps what a call (check, outline, targets) answered; a
// check that found problems fails the target.
func (b *build) callResult(res *gateway.Result) error {
	txt, ok := res.Metadata["result.txt"]
	if !ok {
		return nil
	}
	if call := b.j.node.Program.Call; len(txt) == 0 && (call == "check" || call == "lint") {
		txt = []byte("check: no problems found\n")
	}
	b.callAnswer = string(txt)
	if code := string(res.Metadata["result.statuscode"]); code != "" && code != "0" {
		return fmt.Errorf("call %s found problems:\n%s", b.j.node.Program.Call, strings.TrimRight(string(txt), "\n"))
	}
	return nil
}

// contextMounts sends the build context and the Dockerfile. A local
// context shares a key with every other build of the same directory, so
// BuildKit transfers it once per run and only the changes later.
func (b *build) contextMounts(ctx context.Context, so *client.SolveOpt, attrs map[string]string, frontendInputs map[string]*pb.Definition) error {
	pr := &b.j.node.Program
	if pr.Context.Kind != plan.LocalDir {
		attrs["context"] = pr.Context.Value
		return b.remoteContextDockerfile(so, attrs)
	}
	fs, err := contextFS(pr.Context.Dir)
	if err != nil {
		return fmt.Errorf("context %s: %w", pr.Context.Dir, err)
	}
	so.LocalMounts["context"] = fs
	so.SharedKey = sharedKey(pr.Context.Dir)
	def, filename, err := dockerfileInput(ctx, pr.Dockerfile)
	if err != nil {
		return err
	}
	frontendInputs["dockerfile"] = def
	attrs["filename"] = filename
	return nil
}

// dockerfileInput is the Dockerfile of a build with a local context,
// with the ignore rules that apply beside it, as a definition the
// frontend reads as its "dockerfile" input. Sent as local directories
// instead, the daemon would ask this process for the Dockerfile, then
// for the .dockerignore, one after the other: those two round trips
// were most of the time of a cached build. The ignore rules go in as
// FILENAME.dockerignore, which BuildKit reads first, so the context's
// own .dockerignore is never asked for; when no ignore file applies, an
// empty one (a comment) says so.
func dockerfileInput(ctx context.Context, d plan.Dockerfile) (*pb.Definition, string, error) {
	filename := "Dockerfile"
	content := []byte(d.Inline)
	if !d.IsInline {
		filename = filepath.Base(d.Path)
		var err error
		if content, err = os.ReadFile(d.Path); err != nil {
			return nil, "", fmt.Errorf("dockerfile %s: %w", d.Path, err)
		}
	}
	ignore := []byte("# no .dockerignore applies\n")
	if d.IgnoreFile != "" {
		rules, err := os.ReadFile(d.IgnoreFile)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", d.IgnoreFile, err)
		}
		if len(rules) > 0 {
			ignore = rules
		}
	}
	st := llb.Scratch().File(
		llb.Mkfile("/"+filename, 0o644, content).Mkfile("/"+filename+".dockerignore", 0o644, ignore),
		llb.WithCustomName("[internal] load build definition from "+filename))
	def, err := st.Marshal(ctx)
	if err != nil {
		return nil, "", err
	}
	return def.ToPB(), filename, nil
}

// remoteContextDockerfile: with a git or https context the frontend
// reads the Dockerfile from the context, unless it is written inline or
// named by an absolute path: then it comes from this machine, through
// the "dockerfile" directory (dockerfilekey says so), as in bake.
func (b *build) remoteContextDockerfile(so *client.SolveOpt, attrs map[string]string) error {
	d := b.j.node.Program.Dockerfile
	dir, name := "", ""
	switch {
	case d.IsInline:
		tmp, err := os.MkdirTemp("", "xbake-inline-")
		if err != nil {
			return err
		}
		b.cleanup = append(b.cleanup, func() { os.RemoveAll(tmp) })
		if err := os.WriteFile(filepath.Join(tmp, "Dockerfile"), []byte(d.Inline), 0o600); err != nil {
			return err
		}
		dir, name = tmp, "Dockerfile"
	case d.Path == "":
		if d.InContext != "" {
			attrs["filename"] = d.InContext // inside the remote context
		}
		return nil
	default:
		dir, name = filepath.Split(d.Path)
	}
	fs, err := fsutil.NewFS(dir)
	if err != nil {
		return fmt.Errorf("dockerfile: %w", err)
	}
	so.LocalMounts["dockerfile"] = fs
	attrs["dockerfilekey"] = "dockerfile"
	attrs["filename"] = name
	return nil
}

// namedContext maps one entry of contexts: another target's result, a
// local directory, or anything the frontend reads itself (images, git and
// https URLs, OCI layouts).
func (b *build) namedContext(c plan.Context, so *client.SolveOpt, attrs map[string]string, inputs map[string]*pb.Definition) error {
	name := c.Name
	switch c.Kind {
	case plan.NodeResult:
		in := b.parents[c.Parent.Name]
		if in == nil {
			return fmt.Errorf("context %q: target %s has no result", name, c.Parent.Name)
		}
		for key, def := range in.defs {
			inputName := name
			if key != "" {
				inputName = name + "::" + key
			}
			inputs[inputName] = def
			attrs["context:"+inputName] = "input:" + inputName
			if cfg := in.configs[key]; cfg != nil {
				md, _ := json.Marshal(map[string][]byte{exptypes.ExporterImageConfigKey: cfg})
				attrs["input-metadata:"+inputName] = string(md)
			}
		}
	case plan.OCILayout:
		ref, err := ociLayoutContext(c, so, sharedKey(b.j.node.Name+"/"+name))
		if err != nil {
			return fmt.Errorf("context %q: %w", name, err)
		}
		attrs["context:"+name] = ref
	case plan.LocalDir:
		fs, err := contextFS(c.Dir)
		if err != nil {
			return fmt.Errorf("context %q: %w", name, err)
		}
		so.LocalMounts[name] = fs
		attrs["context:"+name] = "local:" + name
		attrs["sharedkey:localdir:"+name] = sharedKey(c.Dir)
	default:
		attrs["context:"+name] = c.Value
	}
	return nil
}

// contextFS is a local directory as a build context, without the
// temporaries of outputs being written into it by this or another run.
func contextFS(dir string) (fsutil.FS, error) {
	fs, err := fsutil.NewFS(dir)
	if err != nil {
		return nil, err
	}
	return withoutTemporaries{fs}, nil
}

// withoutTemporaries leaves out of a context every entry whose name
// starts with outputs.TempPrefix, at any depth. It keeps no state, so the walks
// BuildKit makes of one context at once (one per platform) can share
// it: fsutil's own exclude filter compiles its patterns on first use,
// and two walks raced on that.
type withoutTemporaries struct{ fsutil.FS }

func (w withoutTemporaries) Walk(ctx context.Context, target string, fn iofs.WalkDirFunc) error {
	return w.FS.Walk(ctx, target, func(path string, entry iofs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(filepath.Base(path), outputs.TempPrefix) {
			if entry != nil && entry.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		return fn(path, entry, err)
	})
}

func sharedKey(dir string) string {
	sum := sha256.Sum256([]byte(dir))
	return "xbake-" + hex.EncodeToString(sum[:12])
}

// dockerConfig reads the credentials `docker login` keeps, from
// $DOCKER_CONFIG as it is now: docker/cli's own default remembers the
// directory of its first use for the life of the process.
func dockerConfig() *configfile.ConfigFile {
	if cfg, err := config.Load(os.Getenv("DOCKER_CONFIG")); err == nil {
		return cfg
	}
	return config.LoadDefaultConfigFile(os.Stderr) // says what is wrong with the file
}

// sessionAttachables are what the build may ask the client for: registry
// credentials from the Docker config, secrets and ssh agents.
func sessionAttachables(pr *plan.Program) ([]session.Attachable, error) {
	out := []session.Attachable{authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{
		AuthConfigProvider: authprovider.LoadAuthConfig(dockerConfig()),
	})}
	if len(pr.Secrets) > 0 {
		var sources []secretsprovider.Source
		for _, s := range pr.Secrets {
			sources = append(sources, secretsprovider.Source{ID: s.ID, FilePath: s.Src, Env: s.Env})
		}
		store, err := secretsprovider.NewStore(sources)
		if err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		out = append(out, secretsprovider.NewSecretProvider(store))
	}
	if len(pr.SSH) > 0 {
		var confs []sshprovider.AgentConfig
		for _, s := range pr.SSH {
			confs = append(confs, sshprovider.AgentConfig{ID: s.ID, Paths: s.Paths})
		}
		agents, err := sshprovider.NewSSHAgentProvider(confs)
		if err != nil {
			return nil, fmt.Errorf("ssh: %w", err)
		}
		out = append(out, agents)
	}
	return out, nil
}

func gatewayCache(in []client.CacheOptionsEntry) []gateway.CacheOptionsEntry {
	var out []gateway.CacheOptionsEntry
	for _, e := range in {
		out = append(out, gateway.CacheOptionsEntry{Type: e.Type, Attrs: e.Attrs})
	}
	return out
}
