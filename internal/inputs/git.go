package inputs

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/xbake/xbake/internal/suggest"
)

// ChangeSet is what changed in a git working tree since a base.
type ChangeSet struct {
	// Paths are absolute paths of changed, added, deleted and untracked
	// (not ignored) files.
	Paths []string
	// All is set when the base could not be found: every target counts
	// as affected, and Warning says why and what to do.
	All     bool
	Warning string
	Base    string // the merge base commit
}

// Changes lists the files that differ between the merge base of ref and
// HEAD, and the working tree, uncommitted and untracked files included.
// An empty ref means origin/HEAD, else main.
func Changes(ctx context.Context, dir, ref string) (*ChangeSet, error) {
	top, err := git(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("--affected needs a git repository: %w", err)
	}
	top = strings.TrimSpace(top)
	if ref == "" {
		ref = defaultBase(ctx, dir)
	} else if _, err := git(ctx, dir, "rev-parse", "--verify", "--quiet", ref+"^{commit}"); err != nil && !shallow(ctx, dir) {
		// In a full clone a ref that names nothing is a mistake; in a
		// shallow one it may just not have been fetched, which the
		// merge base's warning below says.
		return nil, unknownRef(ctx, dir, ref)
	}
	base, err := git(ctx, dir, "merge-base", ref, "HEAD")
	if err != nil {
		return &ChangeSet{All: true, Warning: fmt.Sprintf(
			"the merge base of %s and HEAD is not in this clone (a shallow clone, or %s was not fetched), so every target is treated as affected. "+
				"Fetch enough history: git fetch --unshallow origin (in GitHub Actions: actions/checkout with fetch-depth: 0).", ref, ref)}, nil
	}
	base = strings.TrimSpace(base)
	cs := &ChangeSet{Base: base}
	for _, args := range [][]string{
		{"diff", "--name-only", "-z", "--no-renames", base},
		{"ls-files", "--others", "--exclude-standard", "-z"},
	} {
		out, err := git(ctx, top, args...)
		if err != nil {
			return nil, err
		}
		for _, p := range strings.Split(out, "\x00") {
			if p != "" {
				cs.Paths = append(cs.Paths, filepath.Join(top, p))
			}
		}
	}
	return cs, nil
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errOut.String())
		if msg == "" {
			return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
		}
		return "", fmt.Errorf("git %s: %s (%w)", strings.Join(args, " "), msg, err)
	}
	return out.String(), nil
}

// defaultBase is the ref a change is compared with when none is given:
// the remote's default branch, else main, else the remote's main (a
// runner's clone often has origin/main and no local main).
func defaultBase(ctx context.Context, dir string) string {
	for _, ref := range []string{"origin/HEAD", "main", "origin/main"} {
		if _, err := git(ctx, dir, "rev-parse", "--verify", "--quiet", ref+"^{commit}"); err == nil {
			return ref
		}
	}
	return "main" // for the error that names it
}

// UnknownRefError is a ref given to --affected or --diff that names no
// commit here: a typo, or a branch that was never fetched. Building
// everything instead would hide the mistake.
type UnknownRefError struct {
	Ref, Suggestion string
	// Flag is the flag that gave the ref (--affected unless set).
	Flag string
}

func (e *UnknownRefError) Error() string {
	flag := e.Flag
	if flag == "" {
		flag = "--affected"
	}
	msg := fmt.Sprintf("%s=%s: no branch, tag or commit %q in this repository.", flag, e.Ref, e.Ref)
	if e.Suggestion != "" {
		msg += fmt.Sprintf(" Did you mean %q?", e.Suggestion)
	}
	return msg + " If it exists on the remote, fetch it first (git fetch origin; in GitHub Actions: actions/checkout with fetch-depth: 0)."
}

func unknownRef(ctx context.Context, dir, ref string) error {
	out, _ := git(ctx, dir, "for-each-ref", "--format=%(refname:short)")
	refs := strings.Fields(out)
	// A branch a clone has only as a remote's: origin/main for main.
	for _, r := range refs {
		if _, branch, ok := strings.Cut(r, "/"); ok && branch == ref {
			return &UnknownRefError{Ref: ref, Suggestion: r}
		}
	}
	return &UnknownRefError{Ref: ref, Suggestion: suggest.Closest(ref, refs)}
}

// shallow reports whether the clone lacks history (git clone --depth).
func shallow(ctx context.Context, dir string) bool {
	out, err := git(ctx, dir, "rev-parse", "--is-shallow-repository")
	return err == nil && strings.TrimSpace(out) == "true"
}
