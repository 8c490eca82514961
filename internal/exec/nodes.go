package exec

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	"golang.org/x/sync/errgroup"

	"github.com/xbake/xbake/internal/builder"
	"github.com/xbake/xbake/internal/exec/outputs"
	"github.com/xbake/xbake/internal/plan"
)

// part is the share of a target one node builds.
type part struct {
	node      builder.NodeClient
	platforms []string
	reserved  bool // leastBusy already counted the build on the node
}

// split finds where a target builds. On a builder of one node, there.
// Where a parent it reads through target: pins it (pin: the node whose
// build holds the parent's local files), there. Where the plan placed
// the platforms (the nodes declare theirs), as it says, with the
// platforms of a node not in the run placed again over those that are.
// Otherwise what only the daemons know decides, as the plan says it
// will: each platform goes to a node that reports it natively
// (emulation only when none does), and a target without platforms to the
// least busy node. A target is split over nodes only when every output is
// a push (or the cache) and no target uses it as a context: only then can
// the parts be joined afterwards, as one index in the registry.
func (r *runner) split(j *job, nodes []builder.NodeClient, pin string) ([]part, error) {
	if len(nodes) == 1 {
		return []part{{node: nodes[0], platforms: j.platforms}}, nil
	}
	if pin != "" {
		return pinned(j, nodes, pin)
	}
	if len(j.node.Placement) == 1 && j.node.Placement[0].Pooled {
		return r.pooled(j, nodes)
	}
	if len(j.node.Placement) > 0 {
		return placed(j, nodes)
	}
	return r.byPlatform(j, nodes), nil
}

// byPlatform places each platform on a node that builds it, natively
// first; a target without platforms goes to the least busy node.
func (r *runner) byPlatform(j *job, nodes []builder.NodeClient) []part {
	if len(j.platforms) == 0 {
		return []part{{node: r.leastBusy(j.node.Builder, nodes), platforms: nil, reserved: true}}
	}
	var parts []part
	for _, p := range j.platforms {
		parts = addToPart(parts, nodeFor(p, nodes), p)
	}
	if len(parts) > 1 && !j.node.Splittable {
		return []part{{node: parts[0].node, platforms: j.platforms}}
	}
	return parts
}

// addToPart adds platform p to n's part, making one if needed.
func addToPart(parts []part, n builder.NodeClient, p ...string) []part {
	if k := slices.IndexFunc(parts, func(pt part) bool { return pt.node.Name == n.Name }); k >= 0 {
		parts[k].platforms = append(parts[k].platforms, p...)
		return parts
	}
	return append(parts, part{node: n, platforms: append([]string{}, p...)})
}

// pinned builds the whole target on node pin, where its parent's
// result is.
func pinned(j *job, nodes []builder.NodeClient, pin string) ([]part, error) {
	i := slices.IndexFunc(nodes, func(n builder.NodeClient) bool { return n.Name == pin })
	if i < 0 {
		return nil, fmt.Errorf("builder %q: the result it builds on is on node %q, which is no longer in the run", j.node.Builder, pin)
	}
	if !buildsAll(nodes[i], j.platforms) {
		return nil, fmt.Errorf("builder %q: the result it reads through target: is on node %q (it reads local files only that node's build has), which does not build %s",
			j.node.Builder, pin, strings.Join(j.platforms, ", "))
	}
	return []part{{node: nodes[i], platforms: j.platforms}}, nil
}

// pooled follows the plan's choice from the builder's pool, unless that
// node is not in the run (it did not answer at the start, or was lost):
// then the plan's scheduler places the pool again over the live nodes
// (failoverPlacement), and only a target it cannot place goes to the
// least busy node that builds its platforms.
func (r *runner) pooled(j *job, nodes []builder.NodeClient) ([]part, error) {
	want := j.node.Placement[0].Node
	if i := slices.IndexFunc(nodes, func(n builder.NodeClient) bool { return n.Name == want }); i >= 0 {
		return []part{{node: nodes[i], platforms: j.platforms}}, nil
	}
	var able []builder.NodeClient
	for _, n := range nodes {
		if buildsAll(n, j.platforms) {
			able = append(able, n)
		}
	}
	if len(able) == 0 {
		return nil, fmt.Errorf("builder %q: the plan placed it on node %q, which is not in the run, and no other node builds %s",
			j.node.Builder, want, strings.Join(j.platforms, ", "))
	}
	if again := r.failoverPlacement(j.node.Builder, nodes)[j.node.Name]; again != "" {
		if i := slices.IndexFunc(able, func(n builder.NodeClient) bool { return n.Name == again }); i >= 0 {
			return []part{{node: able[i], platforms: j.platforms}}, nil
		}
	}
	return []part{{node: r.leastBusy(j.node.Builder, able), platforms: j.platforms, reserved: true}}, nil
}

// failoverPlacement is the plan's placement of a builder's pool over the
// live nodes, made once per set of live nodes (plan.PlaceOver).
func (r *runner) failoverPlacement(builderName string, live []builder.NodeClient) map[string]string {
	if r.plan == nil {
		return nil
	}
	var names []string
	for _, n := range live {
		names = append(names, n.Name)
	}
	key := builderName + "\x00" + strings.Join(slices.Sorted(slices.Values(names)), "\x00")
	r.mu.Lock()
	defer r.mu.Unlock()
	if m, ok := r.replaced[key]; ok {
		return m
	}
	m := r.plan.PlaceOver(builderName, names, nil)
	if r.replaced == nil {
		r.replaced = map[string]map[string]string{}
	}
	r.replaced[key] = m
	return m
}

// buildsAll: the node declares or reports every platform (a target
// without platforms builds anywhere).
func buildsAll(n builder.NodeClient, want []string) bool {
	for _, p := range want {
		if !slices.ContainsFunc(n.All, func(np string) bool { return samePlatform(p, np) }) {
			return false
		}
	}
	return true
}

// live are the nodes of a builder not lost in this run.
func (r *runner) live(builderName string, nodes []builder.NodeClient) []builder.NodeClient {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(nodes), func(n builder.NodeClient) bool { return r.lost[builderName+"/"+n.Name] })
}

// isLost reports whether a node of a builder was lost in this run.
func (r *runner) isLost(builderName, node string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lost[builderName+"/"+node]
}

// onLost calls f once the node is marked lost, unless ctx ends first: a
// build that waits for its users on a node that died hears it from the
// users' builds (its own connection may say nothing).
func (r *runner) onLost(ctx context.Context, builderName, node string, f func()) {
	go func() {
		for {
			r.mu.Lock()
			lost, changed := r.lost[builderName+"/"+node], r.lostChanged
			r.mu.Unlock()
			if lost {
				f()
				return
			}
			select {
			case <-changed:
			case <-ctx.Done():
				return
			}
		}
	}()
}

// markLost takes a node out of the run.
func (r *runner) markLost(e *builder.LostError) {
	r.mu.Lock()
	first := !r.lost[e.Builder+"/"+e.Node]
	r.lost[e.Builder+"/"+e.Node] = true
	if first {
		close(r.lostChanged)
		r.lostChanged = make(chan struct{})
	}
	r.mu.Unlock()
	if first {
		r.say("builder %s: node %s (%s) stopped answering; its targets move to the other nodes", e.Builder, e.Node, e.Endpoint)
	}
}

// joinNodes runs once per builder, when its nodes are connected and
// before any of its targets is placed (every caller waits for the first):
// it warns of the nodes that did not answer, and places the builder's
// pool again over the nodes that did.
func (r *runner) joinNodes(builderName string) {
	r.mu.Lock()
	once, ok := r.joined[builderName]
	if !ok {
		once = &sync.Once{}
		r.joined[builderName] = once
	}
	r.mu.Unlock()
	once.Do(func() {
		left := r.clients.LeftOut(builderName)
		gone := map[string]bool{}
		for _, l := range left {
			gone[l.Node] = true
			r.say("warning: %v; left out of this run", l.Err)
		}
		if len(gone) > 0 && r.plan.Replace(builderName, gone) {
			r.say("builder %s: its targets are placed again over the nodes that answered", builderName)
		}
	})
}

// placed turns the plan's placement into parts. The platforms the plan
// put on a node that is not in the run (it did not answer at the start,
// or was lost) go to the live nodes that build them, natively first.
func placed(j *job, nodes []builder.NodeClient) ([]part, error) {
	var parts []part
	replaced := false
	for _, pl := range j.node.Placement {
		i := slices.IndexFunc(nodes, func(n builder.NodeClient) bool { return n.Name == pl.Node })
		if i >= 0 {
			parts = addToPart(parts, nodes[i], pl.Platforms...)
			continue
		}
		replaced = true
		for _, p := range pl.Platforms {
			n, ok := nodeBuilding(p, nodes)
			if !ok {
				return nil, fmt.Errorf("builder %q: the plan places %s on node %q, which is not in the run, and no node left builds it", j.node.Builder, p, pl.Node)
			}
			parts = addToPart(parts, n, p)
		}
	}
	if replaced && len(parts) > 1 && !j.node.Splittable {
		// Its parts could not be joined: one node that builds them all.
		for _, n := range nodes {
			if buildsAll(n, j.platforms) {
				return []part{{node: n, platforms: j.platforms}}, nil
			}
		}
		return nil, fmt.Errorf("builder %q: the node the plan placed it on is not in the run, and no node left builds all of %s (its outputs cannot be joined from several nodes)",
			j.node.Builder, strings.Join(j.platforms, ", "))
	}
	return parts, nil
}

// nodeBuilding is nodeFor where some node builds p at all.
func nodeBuilding(p string, nodes []builder.NodeClient) (builder.NodeClient, bool) {
	n := nodeFor(p, nodes)
	return n, slices.ContainsFunc(n.All, func(np string) bool { return samePlatform(p, np) })
}

// nodeFor picks the first node that builds p natively, else the first
// that can build it at all, else the first node.
func nodeFor(p string, nodes []builder.NodeClient) builder.NodeClient {
	for _, list := range []func(builder.NodeClient) []string{
		func(n builder.NodeClient) []string { return n.Native },
		func(n builder.NodeClient) []string { return n.All },
	} {
		for _, n := range nodes {
			for _, np := range list(n) {
				if samePlatform(p, np) {
					return n
				}
			}
		}
	}
	return nodes[0]
}

// samePlatform is the plan's comparison: one normalisation for both.
func samePlatform(a, b string) bool { return plan.SamePlatform(a, b) }

// leastBusy returns the node with the fewest running builds and counts
// the new build on it at once, so that targets starting together spread
// over the nodes.
func (r *runner) leastBusy(builderName string, nodes []builder.NodeClient) builder.NodeClient {
	r.mu.Lock()
	defer r.mu.Unlock()
	best := nodes[0]
	for _, n := range nodes[1:] {
		if r.busy[builderName+"/"+n.Name] < r.busy[builderName+"/"+best.Name] {
			best = n
		}
	}
	r.busy[builderName+"/"+best.Name]++
	return best
}

// occupy counts a build on a node until the returned function is called;
// with counted, leastBusy has counted it already.
func (r *runner) occupy(builderName, node string, counted bool) func() {
	key := builderName + "/" + node
	if !counted {
		r.mu.Lock()
		r.busy[key]++
		r.mu.Unlock()
	}
	return func() {
		r.mu.Lock()
		r.busy[key]--
		r.mu.Unlock()
	}
}

// runSplit builds the parts on their nodes at once, each pushing by
// digest, then joins them in one index per repository, which gets the
// tags (at the end of the run for an atomic push, now for an eager one).
func (b *build) runSplit(ctx context.Context, parts []part) error {
	// Every part's outputs are prepared before any part starts, so that
	// a failure here never leaves goroutines running after we return.
	outs := make([]*outputs.Set, len(parts))
	for i := range parts {
		o, err := outputs.Prepare(b.r.outputRequest(b.j, true, false))
		if err != nil {
			for _, prepared := range outs[:i] {
				prepared.Cleanup()
			}
			return err
		}
		outs[i] = o
	}
	tags := outs[0].Pending
	// Each part writes only its own slots; the job's result is written
	// here, after Wait, by this goroutine alone.
	digests := make([]string, len(parts))
	subs := make([]*build, len(parts))
	g, gctx := errgroup.WithContext(ctx)
	for i, p := range parts {
		subs[i] = &build{r: b.r, j: b.j, sched: b.sched, pool: b.pool, parents: b.parents}
		g.Go(func() error {
			defer outs[i].Cleanup()
			release := b.r.occupy(b.j.node.Builder, p.node.Name, false)
			defer release()
			resp, err := subs[i].solve(gctx, p, outs[i], fmt.Sprintf("%s@%s", b.j.node.Name, p.node.Name))
			if err != nil {
				return fmt.Errorf("node %s (%s): %w", p.node.Name, strings.Join(p.platforms, ", "), err)
			}
			digests[i] = resp.ExporterResponse[exptypes.ExporterImageDigestKey]
			return nil
		})
	}
	err := g.Wait()
	for _, sub := range subs {
		if sub.callAnswer != "" {
			b.j.res.CallResult = sub.callAnswer
			break
		}
	}
	if err != nil {
		return err
	}
	var nodes []string
	for _, p := range parts {
		nodes = append(nodes, p.node.Name+": "+strings.Join(p.platforms, ", "))
	}
	b.j.res.Outputs = append(b.j.res.Outputs, "built on "+strings.Join(nodes, "; "))
	if len(tags) == 0 {
		return nil // cache only
	}
	repos := map[string][]outputs.PendingTag{}
	var order []string
	for _, t := range tags {
		if _, ok := repos[t.Repo]; !ok {
			order = append(order, t.Repo)
		}
		repos[t.Repo] = append(repos[t.Repo], t)
	}
	for _, repo := range order {
		ann := map[string]string{}
		b.r.recordAnnotations(ann, b.j.digest, true)
		idx, err := joinIndex(ctx, repo, digests, ann["annotation-index."+annotationDigest])
		if err != nil {
			return fmt.Errorf("joining the platforms in %s: %w", repo, err)
		}
		b.j.res.Digest = idx
		b.j.res.Response = map[string]string{exptypes.ExporterImageDigestKey: idx, "image.name": strings.Join(tagNames(repos[repo]), ","),
			"buildx.build.ref": subs[0].buildRef}
		if b.r.opts.PushMode == PushEager {
			for _, t := range repos[repo] {
				if err := outputs.CreateTag(ctx, repo, idx, t.Tag); err != nil {
					return err
				}
			}
			continue
		}
		b.r.addPending(repos[repo], idx)
	}
	b.j.res.Outputs = append(b.j.res.Outputs, outputs.DescribeImage(tagNames(tags), true))
	return nil
}

func tagNames(tags []outputs.PendingTag) []string {
	var out []string
	for _, t := range tags {
		out = append(out, t.Tag)
	}
	return out
}

// joinIndex writes, by digest, an index of the manifests the parts
// pushed to repo, and returns its digest.
func joinIndex(ctx context.Context, repo string, digests []string, inputDigest string) (string, error) {
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}
	var adds []mutate.IndexAddendum
	for _, d := range digests {
		ref, err := name.NewDigest(repo + "@" + d)
		if err != nil {
			return "", err
		}
		desc, err := remote.Get(ref, opts...)
		if err != nil {
			return "", err
		}
		more, err := addenda(desc)
		if err != nil {
			return "", err
		}
		adds = append(adds, more...)
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
	if inputDigest != "" {
		idx = mutate.Annotations(idx, map[string]string{annotationDigest: inputDigest}).(v1.ImageIndex)
	}
	dig, err := idx.Digest()
	if err != nil {
		return "", err
	}
	ref, err := name.NewDigest(repo + "@" + dig.String())
	if err != nil {
		return "", err
	}
	if err := remote.WriteIndex(ref, idx, opts...); err != nil {
		return "", err
	}
	return dig.String(), nil
}

// addenda lists the manifests of a pushed image or index, with their
// platforms.
func addenda(desc *remote.Descriptor) ([]mutate.IndexAddendum, error) {
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, err
		}
		m, err := idx.IndexManifest()
		if err != nil {
			return nil, err
		}
		var out []mutate.IndexAddendum
		for _, d := range m.Manifests {
			img, err := idx.Image(d.Digest)
			if err != nil {
				return nil, err
			}
			out = append(out, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: d.Platform, Annotations: d.Annotations}})
		}
		return out, nil
	}
	img, err := desc.Image()
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	return []mutate.IndexAddendum{{Add: img, Descriptor: v1.Descriptor{Platform: cfg.Platform()}}}, nil
}
