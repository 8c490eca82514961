package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"golang.org/x/sync/errgroup"

	"github.com/xbake/xbake/internal/inputs"
	"github.com/xbake/xbake/spec"
)

// computeDigests gives every node its input digest, level by level (a
// node's parents are on lower levels), hashing the nodes of a level in
// parallel: reading every context is the slow part of planning a large
// monorepo. A target whose files cannot be read gets no digest and a
// warning; it is then never skipped as unchanged. Nothing outside the
// read boundary is read: read-outside-tree reports it instead.
func (p *Plan) computeDigests(reads spec.Boundary, remote, ignoreVCS bool) hcl.Diagnostics {
	h := inputs.NewHasher()
	h.SkipVCS = ignoreVCS
	warnings := make([]*hcl.Diagnostic, len(p.Nodes))
	index := map[*Node]int{}
	for i, n := range p.Nodes {
		index[n] = i
	}
	for _, level := range p.Levels {
		var g errgroup.Group
		g.SetLimit(runtime.GOMAXPROCS(0))
		for _, n := range level {
			g.Go(func() error {
				if !readsInside(n.Target, reads) {
					return nil
				}
				warnings[index[n]] = digestNode(h, n, remote)
				return nil
			})
		}
		_ = g.Wait() // digestNode reports through warnings
	}
	var diags hcl.Diagnostics
	for _, w := range warnings {
		if w != nil {
			diags = append(diags, w)
		}
	}
	return diags
}

// digestNode sets one node's digest from its parents' digests.
func digestNode(h *inputs.Hasher, n *Node, remote bool) *hcl.Diagnostic {
	parents := map[string]string{}
	var order []string
	for _, e := range n.Needs {
		if e.To.InputDigest == "" {
			return nil // a parent always built makes its users always built
		}
		if e.Kind == ContextEdge {
			parents[e.Context] = e.To.InputDigest
		} else {
			order = append(order, e.To.InputDigest)
		}
	}
	if len(order) > 0 {
		sort.Strings(order)
		sum := sha256.Sum256([]byte(fmt.Sprint(order)))
		parents["depends_on"] = hex.EncodeToString(sum[:])
	}
	dockerfile, _ := DockerfilePath(n.Target)
	d, err := h.Digest(n.Target, dockerfile, parents)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // missing-context and missing-dockerfile say it
	}
	if err != nil {
		return &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Cannot hash inputs",
			Detail:   fmt.Sprintf("The inputs of target %q could not be read (%s), so --skip-unchanged will always build it.", n.Name, err),
			Subject:  n.Target.DeclRange.Ptr(),
		}
	}
	n.InputDigest = withDefaultProvenance(d, n.Program)
	if remote {
		n.RemoteInputs = remoteInputs(n)
	}
	return nil
}

// withDefaultProvenance folds into a digest the provenance attestation
// the plan adds by default (as buildx does; none with
// BUILDX_NO_DEFAULT_ATTESTATIONS=1): the image differs with and without
// it, so a record of one must not pass for the other. Explicit attest
// entries are in the target's attributes already.
func withDefaultProvenance(d string, pr Program) string {
	mode, ok := pr.FrontendAttrs["attest:provenance"]
	if !ok || d == "" {
		return d
	}
	sum := sha256.Sum256([]byte(d + "\x00default attest:provenance=" + mode))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// remoteInputs lists what a node reads from elsewhere, which its digest
// covers by reference only: git and http contexts, image contexts, and
// the images its Dockerfile pulls.
func remoteInputs(n *Node) []inputs.Remote {
	var out []inputs.Remote
	add := func(kind inputs.RemoteKind, ref string) {
		r := inputs.Remote{Kind: kind, Ref: ref}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	pr := &n.Program
	named := map[string]bool{}
	for _, c := range append([]Context{pr.Context}, pr.Contexts...) {
		named[c.Name] = true
		switch c.Kind {
		case Git:
			add(inputs.RemoteGit, c.Value)
		case URL:
			add(inputs.RemoteURL, c.Value)
		case Image:
			add(inputs.RemoteImage, strings.TrimPrefix(c.Value, "docker-image://"))
		}
	}
	dockerfile := []byte(pr.Dockerfile.Inline)
	if pr.Dockerfile.Path != "" {
		var err error
		if dockerfile, err = os.ReadFile(pr.Dockerfile.Path); err != nil {
			return out // the digest read it a moment ago; the build will say
		}
	}
	args := map[string]string{}
	for k, v := range pr.FrontendAttrs {
		if name, ok := strings.CutPrefix(k, "build-arg:"); ok {
			args[name] = v
		}
	}
	for _, ref := range inputs.BaseImages(dockerfile, args, named, n.Platforms) {
		add(inputs.RemoteImage, ref)
	}
	return out
}
