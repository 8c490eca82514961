package exec

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func (r *runner) addPending(tags []pendingTag, digest string) {
	if len(tags) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range tags {
		t.tag = t.tag + "@" + digest // remembered with the digest to tag
		r.pending = append(r.pending, t)
	}
}

// publish creates the tags of an atomic push, only if every target built.
// The images are already in the registries, by digest; a tag is one small
// request each, so the window in which some tags exist and others not is
// as short as it can be.
func (r *runner) publish(ctx context.Context, res *Result) {
	r.mu.Lock()
	pending := append([]pendingTag{}, r.pending...)
	r.mu.Unlock()
	if len(pending) == 0 {
		return
	}
	if res.Failed() {
		var failed []string
		for _, t := range res.Targets {
			if t.Status != Built && t.Status != Cached {
				failed = append(failed, t.Name)
			}
		}
		res.Withheld = fmt.Sprintf("no tag was pushed because %s did not build; the images were uploaded by digest only", strings.Join(failed, ", "))
		return
	}
	sort.Slice(pending, func(i, j int) bool { return pending[i].tag < pending[j].tag })
	for _, p := range pending {
		tag, digest, _ := strings.Cut(p.tag, "@")
		if err := createTag(ctx, p.repo, digest, tag); err != nil {
			res.PublishErr = fmt.Errorf("tagging %s (target %s): %w", tag, p.target, err)
			return
		}
		res.Tags = append(res.Tags, tag)
	}
}

// createTag points tag at the manifest or index repo@digest.
func createTag(ctx context.Context, repo, digest, tag string) error {
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
