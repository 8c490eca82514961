package exec

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"github.com/xbake/xbake/internal/atomicfile"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/distribution/reference"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"

	"github.com/xbake/xbake/internal/exec/outputs"
	"github.com/xbake/xbake/internal/inputs"
	"github.com/xbake/xbake/internal/plan"
)

// The annotation xbake writes on pushed images with --skip-unchanged
// only: the input digest of the build, so a later run can tell with one
// registry request whether the image is up to date. It depends on the
// inputs alone, never on the tags, so one build pushed under several
// tags (or tagged again later) keeps one digest. Without
// --skip-unchanged, the image is exactly what BuildKit built.
const annotationDigest = "dev.xbake.input-digest"

// stateFile is the record of targets built to files or the cache:
// target name -> the input digest of its last successful build.
type stateFile map[string]stateEntry

type stateEntry struct {
	InputDigest string   `json:"input_digest"`
	Outputs     []string `json:"outputs,omitempty"`
}

func readState(path string) stateFile {
	st := stateFile{}
	if b, err := os.ReadFile(path); err == nil {
		json.Unmarshal(b, &st) // an unreadable record means: build
	}
	return st
}

// writeState records the successful builds, keeping other targets'
// records, atomically.
func writeState(path string, res *Result, digests map[string]string) error {
	st := readState(path)
	for _, t := range res.Targets {
		if (t.Status == Built || t.Status == Cached || t.Status == UpToDate) && digests[t.Name] != "" {
			st[t.Name] = stateEntry{InputDigest: digests[t.Name], Outputs: t.Outputs}
		}
	}
	return atomicfile.WriteJSON(path, st)
}

// remoteLookupTimeout bounds the lookups of remote inputs of a run.
const remoteLookupTimeout = 30 * time.Second

// foldDigests gives each target the digest to compare: the plan's,
// folded with what its base images, image and git contexts name now
// (one lookup per distinct reference, at once) and with its parents'
// folded digests. A target one of whose inputs cannot be looked up is
// built, with a warning: never skipped on a guess.
func (r *runner) foldDigests(ctx context.Context) {
	var all []inputs.Remote
	for _, j := range r.order {
		if j.digest != "" {
			all = append(all, j.node.RemoteInputs...)
		}
	}
	// A registry that does not answer must not hold the run: what is not
	// resolved in time is built.
	lookup, cancel := context.WithTimeout(ctx, remoteLookupTimeout)
	defer cancel()
	resolved := inputs.Resolve(lookup, all)
	for _, j := range r.order { // parents come first
		var parents []inputs.ParentDigest
		for _, e := range j.node.Needs {
			parents = append(parents, inputs.ParentDigest{Planned: e.To.InputDigest, Folded: r.jobs[e.To.Name].digest})
		}
		folded, err := inputs.Fold(j.node.InputDigest, j.node.RemoteInputs, resolved, parents)
		if err != nil {
			r.say("warning: %s will be built: an input cannot be compared with the last build (%v)", j.node.Name, err)
		}
		j.digest = folded
	}
}

// decideSkips marks the targets whose last successful build had the same
// input digest: their pushed image carries it (and the missing tags are
// added to it), and their file outputs exist with a matching state record.
// A target another one still needs as a context is built anyway (from
// the cache), since its result is that one's input.
func (r *runner) decideSkips(ctx context.Context) {
	st := readState(r.opts.StateFile)
	for _, j := range r.order {
		j.skip, j.addTags, j.skipResponse = r.upToDate(ctx, j, st)
	}
	r.skipUnusedCacheOnly()
	for i := len(r.order) - 1; i >= 0; i-- { // users come after what they use
		j := r.order[i]
		if j.skip {
			continue
		}
		for _, e := range j.node.Needs {
			if parent := r.jobs[e.To.Name]; parent.skip && e.Kind == plan.ContextEdge {
				parent.skip, parent.addTags, parent.skipResponse = false, nil, nil
			}
		}
	}
}

// upToDate reports whether the target's outputs hold a build of the same
// inputs; if so, it returns the tags its pushed image still needs and
// the metadata a build of it would have given (response).
// skipUnusedCacheOnly skips a target whose outputs keep nothing but the
// cache (a shared base) when every target of the run that uses it is up
// to date: its result would go nowhere. On a fresh runner there is no
// record of it to compare, so without this it would be built for nobody.
// A cache-only target that nothing in the run uses is built: the user
// asked for it.
func (r *runner) skipUnusedCacheOnly() {
	users := map[string][]*job{}
	for _, j := range r.order {
		for _, e := range j.node.Needs {
			users[e.To.Name] = append(users[e.To.Name], j)
		}
	}
	for i := len(r.order) - 1; i >= 0; i-- { // users first
		j := r.order[i]
		if j.skip || len(users[j.node.Name]) == 0 || !j.node.CacheOnly() {
			continue
		}
		j.skip = !slices.ContainsFunc(users[j.node.Name], func(u *job) bool { return !u.skip })
		j.unused = j.skip
	}
}

func (r *runner) upToDate(ctx context.Context, j *job, st stateFile) (ok bool, tags []outputs.PendingTag, response map[string]string) {
	d := j.digest
	if d == "" {
		return false, nil, nil
	}
	var needState, pushes bool
	for _, o := range j.node.Outputs {
		switch {
		case o.Pushes():
			pushes = true
			add, resp, ok := r.registryRecord(ctx, j.node.Name, o, d)
			if !ok {
				return false, nil, nil
			}
			tags = append(tags, add...)
			if response == nil {
				response = resp
			}
		case o.Type == "image":
			return false, nil, nil // only in the builder: nothing to compare with
		default:
			needState = true
			if o.WritesFile() {
				if _, err := os.Stat(o.Dest); err != nil {
					return false, nil, nil
				}
			}
		}
	}
	if needState || !pushes {
		if r.opts.StateFile == "" || st[j.node.Name].InputDigest != d {
			return false, nil, nil
		}
	}
	return true, tags, response
}

// registryRecord reads the first name's manifest: if it carries the input
// digest, the image is up to date, and the names it was not pushed under
// (in the same repository) are returned to be tagged. response is the
// metadata of the image, with the keys a build's has: a deploy step
// keyed on containerimage.digest or image.name finds an up-to-date
// target as it finds a built one.
func (r *runner) registryRecord(ctx context.Context, target string, o plan.Output, digest string) ([]outputs.PendingTag, map[string]string, bool) {
	names := o.Names
	if len(names) == 0 {
		return nil, nil, false
	}
	ref, err := name.ParseReference(names[0])
	if err != nil {
		return nil, nil, false
	}
	desc, err := remote.Get(ref, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain))
	if err != nil {
		return nil, nil, false
	}
	var m struct {
		Annotations map[string]string `json:"annotations"`
		Config      struct {
			Digest string `json:"digest"`
		} `json:"config"`
	}
	if json.Unmarshal(desc.Manifest, &m) != nil || m.Annotations[annotationDigest] != digest {
		return nil, nil, false
	}
	repo := ref.Context().Name()
	var add []outputs.PendingTag
	var all []string
	for _, n := range names {
		named, err := reference.ParseNormalizedNamed(n)
		if err != nil {
			return nil, nil, false
		}
		full := reference.TagNameOnly(named).String()
		all = append(all, full)
		if pointsTo(ctx, full, desc.Digest.String()) {
			continue
		}
		if named.Name() != repo && reference.FamiliarName(named) != repo {
			return nil, nil, false // another repository: the image must be pushed there
		}
		add = append(add, outputs.PendingTag{Target: target, Repo: repo, Tag: full + "@" + desc.Digest.String()})
	}
	descriptor, _ := json.Marshal(map[string]any{"mediaType": string(desc.MediaType), "digest": desc.Digest.String(), "size": desc.Size})
	response := map[string]string{
		exptypes.ExporterImageDigestKey:     desc.Digest.String(),
		exptypes.ExporterImageDescriptorKey: base64.StdEncoding.EncodeToString(descriptor),
		"image.name":                        strings.Join(all, ","),
	}
	if m.Config.Digest != "" { // a single image, not an index
		response[exptypes.ExporterImageConfigDigestKey] = m.Config.Digest
	}
	return add, response, true
}

// pointsTo reports whether tag exists and names the manifest digest.
func pointsTo(ctx context.Context, tag, digest string) bool {
	ref, err := name.NewTag(tag)
	if err != nil {
		return false
	}
	desc, err := remote.Head(ref, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain))
	return err == nil && desc.Digest.String() == digest
}

// recordAnnotations are the exporter attributes that record a build's
// input digest on the pushed image (--skip-unchanged only): on the index
// when there is one (several platforms, or attestations), else on the
// manifest.
func (r *runner) recordAnnotations(attrs map[string]string, digest string, index bool) {
	if digest == "" || !r.opts.SkipUnchanged {
		return
	}
	attrs["annotation."+annotationDigest] = digest
	if index {
		attrs["annotation-index."+annotationDigest] = digest
	}
}
