package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/xbake/xbake/internal/diag"
	"github.com/xbake/xbake/internal/inputs"
	"github.com/xbake/xbake/internal/plan"
	"github.com/xbake/xbake/internal/plandiff"
	"github.com/xbake/xbake/spec"
)

// exitChanges is --exit-code's status when the diff is not empty. It is
// not terraform's 2, which is xbake's usage error: a script must be able
// to tell "something changes" from "the command line is wrong".
const exitChanges = 3

// runDiff is `xbake plan --diff REF`: the spec planned as it is at the
// merge base of REF and now, and what changes between the two.
func runDiff(cmd *cobra.Command, o *planOptions, args []string) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	// An interrupt stops git and the planning of the base, and the
	// temporary tree is removed before xbake exits.
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
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
		unknown.Flag = "--diff"
		return usageErrorf("%s", err)
	case err != nil:
		return &exitError{code: exitSpec, msg: "--diff: " + err.Error()}
	case cs.All:
		return &exitError{code: exitSpec, msg: "--diff: " + cs.Warning}
	}
	if ref == "" {
		ref = "the merge base"
	}

	o.build.remoteInputs, o.build.skipDigests, o.build.ignoreVCS = true, false, true
	s, ok, err := o.spec.loadChecked(cmd.InOrStdin(), stderr)
	if !ok {
		return err
	}
	sel, selDiags := selectChecked(s, args, o.spec.diags)
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
	if ctx.Err() != nil {
		return &exitError{code: exitInterrupted, msg: "interrupted"}
	}
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
// of the repository's files at that commit: the working tree is not
// touched. A spec that does not load there is returned as such, not as
// an error.
func (o *planOptions) planAtCommit(ctx context.Context, commit, cwd string, args []string, stderr io.Writer) (plandiff.Side, error) {
	b, err := checkoutBase(ctx, cwd, commit)
	if err != nil {
		return plandiff.Side{}, &exitError{code: exitSpec, msg: "--diff: " + err.Error()}
	}
	defer b.Close()
	s, diags, restore, err := o.spec.loadAt(b, stderr)
	if err != nil {
		return plandiff.Side{}, err
	}
	defer restore()
	if s == nil {
		return plandiff.Side{Cwd: b.dir, LoadErrors: diags}, nil
	}
	names := existing(s, args)
	if len(args) > 0 && len(names) == 0 { // everything selected is new
		return plandiff.Side{Spec: s, Plan: &plan.Plan{}, Cwd: b.dir}, nil
	}
	sel, selDiags := s.Select(names)
	if selDiags.HasErrors() {
		return plandiff.Side{Cwd: b.dir, LoadErrors: selDiags}, nil
	}
	opts, err := o.build.planOptions()
	if err != nil {
		return plandiff.Side{}, err
	}
	opts.RemoteInputs, opts.SkipDigests, opts.IgnoreVCS = true, false, true
	p, _ := plan.New(s, sel, opts)
	return plandiff.Side{Spec: s, Plan: p, Cwd: b.dir}, nil
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
