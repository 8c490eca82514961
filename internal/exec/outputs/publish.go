package outputs

import (
	"context"
	"errors"
	"fmt"
	"github.com/xbake/xbake/internal/exec/result"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Publish creates the tags of an atomic push (pending, each Tag with
// "@DIGEST"), only if every target built.
// The images are already in the registries, by digest; a tag is one small
// request each, so the window in which some tags exist and others not is
// as short as it can be. Before any tag moves, what each one points to is
// recorded; if a tag cannot be created (after retries), the tags already
// moved are put back, and the result says what each tag holds.
func Publish(ctx context.Context, project Project, res *result.Result, pending []PendingTag) {
	pending = slices.Clone(pending)
	if len(pending) == 0 {
		return
	}
	defer nameOnlyWhatExists(res)
	if res.Failed() {
		var failed []string
		for _, t := range res.Targets {
			if t.Status != result.Built && t.Status != result.Cached && t.Status != result.UpToDate {
				failed = append(failed, t.Name)
			}
		}
		res.Withheld = fmt.Sprintf("no tag was pushed because %s did not build; the images were uploaded by digest only", strings.Join(failed, ", "))
		sort.Slice(pending, func(i, j int) bool { return pending[i].Tag < pending[j].Tag })
		for _, p := range pending {
			tag, _, _ := strings.Cut(p.Tag, "@")
			res.TagStates = append(res.TagStates, result.TagState{Tag: tag, Target: p.Target, Outcome: result.TagHeldBack})
		}
		return
	}
	sort.Slice(pending, func(i, j int) bool { return pending[i].Tag < pending[j].Tag })
	before := make([]*remote.Descriptor, len(pending))
	for i, p := range pending {
		tag, _, _ := strings.Cut(p.Tag, "@")
		prev, err := currentTag(ctx, tag)
		if err != nil {
			res.PublishErr = fmt.Errorf("reading what %s points to now (target %s), before tagging: %w; no tag was changed", tag, p.Target, err)
			return
		}
		before[i] = prev
	}
	jl, err := startJournal(project, pending, before)
	if err != nil {
		res.PublishErr = fmt.Errorf("writing the publish journal in %s: %w; no tag was changed", JournalDir(project), err)
		return
	}
	for i, p := range pending {
		tag, digest, _ := strings.Cut(p.Tag, "@")
		if err := retry(ctx, func() error { return CreateTag(ctx, p.Repo, digest, tag) }); err != nil {
			res.PublishErr = fmt.Errorf("tagging %s (target %s): %w", tag, p.Target, err)
			jl.setPhase(phaseRollingBack)
			res.TagStates = rollback(ctx, pending[:i], before[:i])
			res.TagStates = append(res.TagStates, untouched(tag, p.Target, before[i]))
			if putBack(res.TagStates) {
				jl.done()
			} else {
				jl.keep()
				res.PublishErr = fmt.Errorf("%w; the next xbake run of this project finishes putting the tags back", res.PublishErr)
			}
			return
		}
		res.Tags = append(res.Tags, tag)
		res.TagStates = append(res.TagStates, result.TagState{Tag: tag, Target: p.Target, Outcome: result.TagPublished, Digest: digest})
	}
	jl.done()
}

// nameOnlyWhatExists makes each target's image.name in the metadata
// list only the tags of its atomic push that now point to its image:
// a pipeline pulls what the metadata names, so a tag held back or put
// back must not be named.
func nameOnlyWhatExists(res *result.Result) {
	// Per target, the tags of this publish: whether each points to its
	// image now.
	states := map[string]map[string]bool{}
	for _, s := range res.TagStates {
		if states[s.Target] == nil {
			states[s.Target] = map[string]bool{}
		}
		states[s.Target][s.Tag] = states[s.Target][s.Tag] || s.Exists()
	}
	for _, t := range res.Targets {
		state := states[t.Name]
		if state == nil || t.Response == nil {
			continue
		}
		// The names the target had that this publish did not touch (an
		// up-to-date image's tags that already pointed to it) stay.
		var names []string
		for _, n := range strings.Split(t.Response["image.name"], ",") {
			tag, _, _ := strings.Cut(n, "@")
			if exists, published := state[tag]; tag == "" || published && !exists || slices.Contains(names, tag) {
				continue
			}
			names = append(names, tag)
		}
		for _, tag := range slices.Sorted(maps.Keys(state)) {
			if state[tag] && !slices.Contains(names, tag) {
				names = append(names, tag)
			}
		}
		if len(names) > 0 {
			t.Response["image.name"] = strings.Join(names, ",")
		} else {
			delete(t.Response, "image.name")
		}
	}
}

// currentTag returns what tag points to, or nil if it does not exist.
func currentTag(ctx context.Context, tag string) (*remote.Descriptor, error) {
	ref, err := name.NewTag(tag)
	if err != nil {
		return nil, err
	}
	var desc *remote.Descriptor
	err = retry(ctx, func() error {
		d, err := remote.Get(ref, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain))
		if isNotFound(err) {
			return nil
		}
		desc = d
		return err
	})
	return desc, err
}

// rollback puts the tags already moved back where they were, and says
// where each one ends.
func rollback(ctx context.Context, moved []PendingTag, before []*remote.Descriptor) []result.TagState {
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}
	var states []result.TagState
	for i, p := range moved {
		tag, digest, _ := strings.Cut(p.Tag, "@")
		ref, _ := name.NewTag(tag)
		var err error
		state := result.TagState{Tag: tag, Target: p.Target}
		if before[i] != nil {
			err = retry(ctx, func() error { return remote.Tag(ref, before[i], opts...) })
			state.Outcome, state.Digest = result.TagRestored, before[i].Digest.String()
		} else {
			err = retry(ctx, func() error { return remote.Delete(ref, opts...) })
			state.Outcome = result.TagRemoved
		}
		if err != nil {
			state.Outcome, state.Digest, state.Err = result.TagStuck, digest, err
		}
		states = append(states, state)
	}
	return states
}

// untouched is the state of a tag the publish did not reach: what it
// held before, or absent.
func untouched(tag, target string, d *remote.Descriptor) result.TagState {
	if d == nil {
		return result.TagState{Tag: tag, Target: target, Outcome: result.TagAbsent}
	}
	return result.TagState{Tag: tag, Target: target, Outcome: result.TagUnchanged, Digest: d.Digest.String()}
}

// retry runs f up to three times, waiting a little longer each time: a
// registry's answer of the moment (a 5xx, a reset) should not undo a run.
func retry(ctx context.Context, f func() error) error {
	var err error
	for attempt, wait := 0, 200*time.Millisecond; attempt < 3; attempt, wait = attempt+1, wait*4 {
		if err = f(); err == nil {
			return nil
		}
		if attempt < 2 {
			select {
			case <-ctx.Done():
				return err
			case <-time.After(wait):
			}
		}
	}
	return err
}

func isNotFound(err error) bool {
	var terr *transport.Error
	return errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound
}

// CreateTag points tag at the manifest or index repo@digest.
func CreateTag(ctx context.Context, repo, digest, tag string) error {
	src, err := name.NewDigest(repo + "@" + digest)
	if err != nil {
		return err
	}
	dst, err := name.NewTag(tag)
	if err != nil {
		return err
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}
	desc, err := remote.Get(src, opts...)
	if err != nil {
		return err
	}
	return remote.Tag(dst, desc, opts...)
}

// putBack reports whether every tag of a rollback is where it was.
func putBack(states []result.TagState) bool {
	for _, s := range states {
		if s.Outcome == result.TagStuck {
			return false
		}
	}
	return true
}
