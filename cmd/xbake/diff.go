package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/xbake/xbake/internal/diag"
	"github.com/xbake/xbake/internal/inputs"
	"github.com/xbake/xbake/internal/plan"
	"github.com/xbake/xbake/internal/plandiff"
	"github.com/xbake/xbake/spec"
)

// exitChanges is --exit-code's status when the diff is not empty, as
// terraform plan -detailed-exitcode says it.
const exitChanges = 2

// runDiff is `xbake plan --diff REF`: the spec planned as it is at the
// merge base of REF and now, and what changes between the two.
func runDiff(cmd *cobra.Command, o *planOptions, args []string) error {
	ctx, stdout, stderr := cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr()
	if slices.Contains(o.spec.files, "-") {
		return usageErrorf("--diff reads the spec at REF from git, so it cannot take one on stdin")
	}
	cwd, err := os.Getwd()
	if err != nil {
		return usageErrorf("cannot read the working directory: %v", err)
	}
	ref := o.diff
	if ref == affectedDefault {
		ref = ""
		// `--diff HEAD~1`: the flag's value may be omitted, so the flag
		// parser gives a REF written after a space as the first name.
		// It is the REF when git knows it as a commit and the spec has
		// no target or group of that name.
		if len(args) > 0 && isCommit(ctx, cwd, args[0]) && !o.namesTarget(args[0]) {
			ref, args = args[0], args[1:]
		}
	}
	cs, err := inputs.Changes(ctx, cwd, ref)
	var unknown *inputs.UnknownRefError
	switch {
	case errors.As(err, &unknown):
		return usageErrorf("--diff: %s", err)
	case err != nil:
		return &exitError{code: exitSpec, msg: "--diff: " + err.Error()}
	case cs.All:
		return &exitError{code: exitSpec, msg: "--diff: " + cs.Warning}
	}
	if ref == "" {
		ref = "the merge base"
	}

	o.build.remoteInputs, o.build.skipDigests = true, false
	s, ok, err := o.spec.loadChecked(cmd.InOrStdin(), stderr)
	if !ok {
		return err
	}
	sel, selDiags := selectChecked(s, args)
	p, planDiags, err := o.build.plan(ctx, s, sel)
	if err != nil {
		return err
	}
	diags := o.build.findings(s, o.spec.diags, selDiags, planDiags)
	if selDiags.HasErrors() || o.spec.diags.HasErrors() {
		diag.Write(stderr, diags, s.Sources, colorOn(stderr))
		return errChecked(args, selDiags)
	}
	old, err := o.planAtCommit(ctx, cs.Base, cwd, args, stderr)
	if err != nil {
		return err
	}
	d := plandiff.Compute(old, plandiff.Side{Spec: s, Plan: p, Cwd: cwd}, cs.Paths)
	d.Ref, d.Base = ref, cs.Base
	switch o.format {
	case "json":
		err = plandiff.WriteJSON(stdout, d)
	case "markdown":
		err = plandiff.WriteMarkdown(stdout, d)
	default:
		err = plandiff.WriteText(stdout, d, colorOn(stdout))
	}
	if err != nil {
		return err
	}
	diag.Write(stderr, diags, s.Sources, colorOn(stderr)) // the spec's findings now, as plan shows them
	if diags.HasErrors() {
		return errSpec
	}
	if o.exitCode && d.Changed() {
		return &exitError{code: exitChanges}
	}
	return nil
}

// planAtCommit loads and plans the spec as it is at commit, from a copy
// of the repository's tree at that commit (git archive): the working
// tree is not touched. A spec that does not load there is returned as
// such, not as an error.
func (o *planOptions) planAtCommit(ctx context.Context, commit, cwd string, args []string, stderr io.Writer) (plandiff.Side, error) {
	top, err := gitOutput(ctx, cwd, "rev-parse", "--show-toplevel")
	if err != nil {
		return plandiff.Side{}, &exitError{code: exitSpec, msg: "--diff: " + err.Error()}
	}
	rel, err := filepath.Rel(top, cwd)
	if err != nil {
		return plandiff.Side{}, &exitError{code: exitSpec, msg: "--diff: " + err.Error()}
	}
	tree, err := os.MkdirTemp("", "xbake-diff-")
	if err != nil {
		return plandiff.Side{}, &exitError{code: exitSpec, msg: "--diff: " + err.Error()}
	}
	defer os.RemoveAll(tree)
	if err := extractTree(ctx, top, commit, tree); err != nil {
		return plandiff.Side{}, &exitError{code: exitSpec, msg: "--diff: " + err.Error()}
	}
	dir := filepath.Join(tree, rel)
	vars, overrides, err := o.spec.parse(stderr)
	if err != nil {
		return plandiff.Side{}, err
	}
	if _, err := os.Stat(dir); err != nil {
		return plandiff.Side{Cwd: dir, LoadErrors: hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No such directory",
			Detail: fmt.Sprintf("%s did not exist at %s.", rel, commit)}}}, nil
	}
	// The plan reads the working directory for its paths: it is the
	// copy's while planning, then ours again.
	if err := os.Chdir(dir); err != nil {
		return plandiff.Side{}, &exitError{code: exitSpec, msg: "--diff: " + err.Error()}
	}
	defer os.Chdir(cwd)
	s, diags := spec.Load(spec.Options{Files: o.spec.files, Dir: dir, Vars: vars, Overrides: overrides, AllowRead: o.spec.allowRead})
	if diags.HasErrors() || s == nil {
		return plandiff.Side{Cwd: dir, LoadErrors: diags}, nil
	}
	names := existing(s, args)
	if len(args) > 0 && len(names) == 0 { // everything selected is new
		return plandiff.Side{Spec: s, Plan: &plan.Plan{}, Cwd: dir}, nil
	}
	sel, selDiags := s.Select(names)
	if selDiags.HasErrors() {
		return plandiff.Side{Cwd: dir, LoadErrors: selDiags}, nil
	}
	opts, err := o.build.planOptions()
	if err != nil {
		return plandiff.Side{}, err
	}
	opts.RemoteInputs, opts.SkipDigests = true, false
	p, _ := plan.New(s, sel, opts)
	return plandiff.Side{Spec: s, Plan: p, Cwd: dir}, nil
}

// existing keeps the names that select something in s: a target named
// on the command line that is new since the base is simply added.
func existing(s *spec.Spec, args []string) []string {
	if len(args) == 0 {
		return nil
	}
	var out []string
	for _, a := range args {
		if sel, d := s.Select([]string{a}); !d.HasErrors() && len(sel.Targets) > 0 {
			out = append(out, a)
		}
	}
	return out
}

// extractTree writes the files of commit into dir.
func extractTree(ctx context.Context, repo, commit, dir string) error {
	// tar.umask=user: the files get the modes a checkout would give them
	// (git archive defaults to 0002), which the input digests include.
	archive := exec.CommandContext(ctx, "git", "-C", repo, "-c", "tar.umask=user", "archive", "--format=tar", commit)
	untar := exec.CommandContext(ctx, "tar", "-x", "-C", dir)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return err
	}
	untar.Stdin = pipe
	var errOut strings.Builder
	archive.Stderr, untar.Stderr = &errOut, &errOut
	if err := untar.Start(); err != nil {
		return err
	}
	if err := archive.Run(); err != nil {
		untar.Wait()
		return fmt.Errorf("git archive %s: %v: %s", commit, err, errOut.String())
	}
	if err := untar.Wait(); err != nil {
		return fmt.Errorf("extracting %s: %v: %s", commit, err, errOut.String())
	}
	return nil
}

func isCommit(ctx context.Context, dir, ref string) bool {
	_, err := gitOutput(ctx, dir, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
	return err == nil
}

// namesTarget reports whether name selects a target or group of the spec
// here (loaded quietly; a spec that does not load names nothing).
func (o *planOptions) namesTarget(name string) bool {
	quiet := o.spec
	quiet.collect = true
	s, err := quiet.load(strings.NewReader(""), io.Discard)
	if s == nil || err != nil && !errors.Is(err, errSpec) {
		return false
	}
	_, d := s.Select([]string{name})
	return !d.HasErrors()
}

func gitOutput(ctx context.Context, dir string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...).Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}
