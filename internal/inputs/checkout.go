package inputs

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Checkout writes the files of commit in repo into dest (an existing,
// empty directory) as a checkout of that commit would have them: git's
// own index and working tree are not touched, and, unlike git archive,
// no export-ignore or export-subst attribute applies (the base of a
// diff is the commit as people build it, not its release tarball).
// Submodules checked out in repo are written at the commit the tree
// records, when their clone has it; others stay empty directories, as
// in a clone without --recurse-submodules.
func Checkout(ctx context.Context, repo, commit, dest string) error {
	// A temporary index: read-tree fills it from the commit, and
	// checkout-index writes its files (with the modes, filters and line
	// endings a checkout applies) under dest.
	index, err := os.CreateTemp("", "xbake-index-")
	if err != nil {
		return err
	}
	index.Close()
	defer os.Remove(index.Name())
	env := append(os.Environ(), "GIT_INDEX_FILE="+index.Name())
	if err := gitEnv(ctx, repo, env, "read-tree", commit); err != nil {
		return err
	}
	if err := gitEnv(ctx, repo, env, "checkout-index", "--all", "--force", "--prefix="+strings.TrimSuffix(dest, string(filepath.Separator))+string(filepath.Separator)); err != nil {
		return err
	}
	return checkoutSubmodules(ctx, repo, commit, dest)
}

// checkoutSubmodules writes each submodule (a gitlink in commit's tree)
// whose clone in repo has the recorded commit.
func checkoutSubmodules(ctx context.Context, repo, commit, dest string) error {
	out, err := git(ctx, repo, "ls-tree", "-r", "-z", commit)
	if err != nil {
		return err
	}
	for _, entry := range strings.Split(out, "\x00") {
		// "160000 commit SHA\tPATH"
		meta, path, ok := strings.Cut(entry, "\t")
		fields := strings.Fields(meta)
		if !ok || len(fields) != 3 || fields[1] != "commit" {
			continue
		}
		sub := filepath.Join(repo, filepath.FromSlash(path))
		if !ownRepository(ctx, sub) {
			continue
		}
		if _, err := git(ctx, sub, "cat-file", "-e", fields[2]+"^{commit}"); err != nil {
			continue // not fetched in the submodule's clone
		}
		target := filepath.Join(dest, filepath.FromSlash(path))
		if err := os.MkdirAll(target, 0o755); err != nil {
			return err
		}
		if err := Checkout(ctx, sub, fields[2], target); err != nil {
			return fmt.Errorf("submodule %s: %w", path, err)
		}
	}
	return nil
}

// ownRepository reports whether dir is the top of a git working tree of
// its own (an initialised submodule), not a directory of its parent's.
func ownRepository(ctx context.Context, dir string) bool {
	top, err := git(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return false
	}
	real, err := filepath.EvalSymlinks(dir)
	return err == nil && strings.TrimSpace(top) == real
}

func gitEnv(ctx context.Context, dir string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	cmd.Env = env
	// Killed on a cancel, git may leave a child (a filter, a hook) that
	// holds its output open: do not wait for it for long.
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
