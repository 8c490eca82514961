package inputs

// Inputs that live elsewhere: a base image or image context in a
// registry, a git repository at a ref, a file behind a URL. The plan
// never contacts the network, so a digest covers each by its reference
// only; a run that compares digests (--skip-unchanged, a state file)
// asks what each names now, once per distinct reference, and folds the
// answers in (see Resolve and Fold).

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/buildkit/frontend/dockerfile/dfgitutil"
	"golang.org/x/sync/errgroup"
)

// RemoteKind is what a remote input is.
type RemoteKind string

const (
	// RemoteImage is an image reference: a FROM of the Dockerfile, a
	// docker-image:// context, a # syntax= frontend.
	RemoteImage RemoteKind = "image"
	// RemoteGit is a git context, a repository at a ref.
	RemoteGit RemoteKind = "git"
	// RemoteURL is an http(s) context; what it serves cannot be known
	// without fetching it.
	RemoteURL RemoteKind = "url"
)

// Remote is one input a target reads from elsewhere.
type Remote struct {
	Kind RemoteKind
	Ref  string // as the build uses it: an image reference, a git URL, a URL
}

func (r Remote) String() string { return string(r.Kind) + " " + r.Ref }

// Resolved is what a remote input names now: a digest or a commit, or
// why it could not be found out.
type Resolved struct {
	ID  string
	Err error
}

// Resolve asks what each distinct input names now, a few at a time.
func Resolve(ctx context.Context, list []Remote) map[Remote]Resolved {
	var mu sync.Mutex // guards out
	out := map[Remote]Resolved{}
	distinct := map[Remote]bool{}
	var g errgroup.Group
	g.SetLimit(8)
	for _, r := range list {
		if distinct[r] {
			continue
		}
		distinct[r] = true
		g.Go(func() error {
			id, err := resolveOne(ctx, r)
			mu.Lock()
			out[r] = Resolved{ID: id, Err: err}
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait() // errors are in out
	return out
}

func resolveOne(ctx context.Context, r Remote) (string, error) {
	switch r.Kind {
	case RemoteImage:
		return imageDigest(ctx, r.Ref)
	case RemoteGit:
		return gitCommit(ctx, r.Ref)
	}
	return "", fmt.Errorf("what %s serves cannot be known without downloading it", r.Ref)
}

// imageDigest is the digest of the manifest (or index) ref names in its
// registry now.
func imageDigest(ctx context.Context, ref string) (string, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", err
	}
	if d, ok := r.(name.Digest); ok {
		return d.DigestStr(), nil // pinned: nothing to ask
	}
	desc, err := remote.Head(r, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain))
	if err != nil {
		return "", err
	}
	return desc.Digest.String(), nil
}

var commitRE = regexp.MustCompile(`^[0-9a-f]{40}([0-9a-f]{24})?$`)

// gitCommit is the commit a git context's ref names now (HEAD without a
// ref), asked with git ls-remote.
func gitCommit(ctx context.Context, ref string) (string, error) {
	g, isGit, err := dfgitutil.ParseGitRef(ref)
	if err != nil || !isGit {
		return "", fmt.Errorf("%s is not a git reference: %v", ref, err)
	}
	if g.Checksum != "" {
		return g.Checksum, nil
	}
	if commitRE.MatchString(g.Ref) {
		return g.Ref, nil
	}
	want := g.Ref
	if want == "" {
		want = "HEAD"
	}
	cmd := exec.CommandContext(ctx, "git", "ls-remote", "--", g.Remote, want, "refs/tags/"+want+"^{}")
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git ls-remote %s: %v: %s", g.Remote, err, strings.TrimSpace(stderr.String()))
	}
	return pickCommit(string(out), want)
}

// pickCommit reads ls-remote's answer: an annotated tag's commit (its
// ^{} line) before the tag object, an exact ref before one that only
// ends in the name.
func pickCommit(listing, want string) (string, error) {
	best, bestRank := "", 0
	for _, line := range strings.Split(listing, "\n") {
		sha, ref, ok := strings.Cut(strings.TrimSpace(line), "\t")
		if !ok {
			continue
		}
		rank := 1
		switch {
		case strings.HasSuffix(ref, "^{}"):
			rank = 4
		case ref == want || ref == "refs/heads/"+want:
			rank = 3
		case ref == "refs/tags/"+want:
			rank = 2
		}
		if rank > bestRank {
			best, bestRank = sha, rank
		}
	}
	if best == "" {
		return "", fmt.Errorf("the repository has no ref %q", want)
	}
	return best, nil
}

// Fold combines a target's input digest with what its remote inputs
// name now and its parents' folded digests. A target with neither keeps
// its digest as it is, so that the records of earlier runs stay valid.
// It returns "" (compare nothing: build) and the reason when an input
// could not be resolved.
func Fold(digest string, remotes []Remote, resolved map[Remote]Resolved, parents []ParentDigest) (string, error) {
	if digest == "" {
		return "", nil
	}
	changed := len(remotes) > 0
	for _, p := range parents {
		if p.Folded == "" {
			return "", nil // the parent is built whatever: so is its user
		}
		changed = changed || p.Folded != p.Planned
	}
	if !changed {
		return digest, nil
	}
	lines := []string{"inputs " + digest}
	for _, r := range remotes {
		res := resolved[r]
		if res.ID == "" {
			err := res.Err
			if err == nil {
				err = fmt.Errorf("it was not looked up")
			}
			return "", fmt.Errorf("%s: %w", r, err)
		}
		lines = append(lines, r.String()+" = "+res.ID)
	}
	for _, p := range parents {
		lines = append(lines, "parent "+p.Folded)
	}
	slices.Sort(lines[1:])
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// ParentDigest is a parent's digest as planned and once folded.
type ParentDigest struct{ Planned, Folded string }
