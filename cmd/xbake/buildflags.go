package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"reflect"
	"slices"
	"strings"
	"syscall"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/xbake/xbake/internal/builder"
	"github.com/xbake/xbake/internal/exec/outputs"
	"github.com/xbake/xbake/internal/inputs"
	"github.com/xbake/xbake/internal/plan"
	"github.com/xbake/xbake/internal/rule"
	"github.com/xbake/xbake/internal/suggest"
	"github.com/xbake/xbake/spec"
)

// buildFlags are the flags that change what a plan builds: the ones
// `xbake plan` and `xbake run` share.
type buildFlags struct {
	push, load, strict bool
	// ignore are the rule IDs of --ignore.
	ignore   []string
	allow    []string
	builder  string
	affected string // "" unless --affected; affectedDefault for no REF
	// bake's shorthands for --set on every target
	noCache, pull, check bool
	provenance, sbom     string
	call                 string
	// remoteInputs lists what each target reads from elsewhere, for
	// --skip-unchanged (plan.Options.RemoteInputs).
	remoteInputs bool
	// skipDigests leaves the input digests out of the plan: a run reads
	// them only to skip or record builds, and hashing every input file
	// costs a run of small targets a fifth of its time.
	skipDigests bool
	// ignoreVCS leaves .git out of the digests (plan --diff).
	ignoreVCS bool
	drain     []string // --drain: nodes that get no targets
	// specFlags are the spec's flags, for --affected to read the spec at
	// the base as it reads it now (set by grantReads).
	specFlags *specFlags
}

// affectedDefault stands for --affected without a REF: origin/HEAD, else
// main. The help shows it, so it is printable; "[" cannot be in a git
// ref name, so no REF a user types is mistaken for it.
const affectedDefault = "[merge-base]"

func (f *buildFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.push, "push", false, "push every target's image (shorthand for --set *.push=true)")
	fl.BoolVar(&f.load, "load", false, "load every target's image into Docker (shorthand for --set *.load=true)")
	fl.StringArrayVar(&f.allow, "allow", nil, "grant an entitlement: network.host, security.insecure, fs.write=PATH (outputs outside the spec's directory), fs.read=PATH (files outside the working directory and the spec's), fs=PATH (both); repeatable")
	fl.StringVar(&f.builder, "builder", os.Getenv("XBAKE_BUILDER"), "builder for targets that name none (default: $XBAKE_BUILDER, else the builder marked default, else the local one)")
	fl.BoolVar(&f.strict, "strict", false, "treat warnings as errors")
	fl.StringSliceVar(&f.ignore, "ignore", nil, "silence the warnings of a rule for this run (repeatable or comma-separated IDs, docs/rules.md)")
	fl.StringVar(&f.affected, "affected", "", "only targets whose inputs changed since the merge base with REF (default origin/HEAD, else main), and those that depend on them: --affected or --affected=REF")
	fl.Lookup("affected").NoOptDefVal = affectedDefault
	fl.BoolVar(&f.noCache, "no-cache", false, "build without the cache (shorthand for --set *.no-cache=true)")
	fl.BoolVar(&f.pull, "pull", false, "always pull base images (shorthand for --set *.pull=true)")
	fl.StringVar(&f.provenance, "provenance", "", "provenance attestation: true, false or mode=max (shorthand for --set *.attest=type=provenance,...)")
	fl.StringVar(&f.sbom, "sbom", "", "SBOM attestation: true, false or generator=IMAGE (shorthand for --set *.attest=type=sbom,...)")
	fl.StringVar(&f.call, "call", "", "ask the frontend instead of building: check, outline or targets (shorthand for --set *.call=...)")
	fl.BoolVar(&f.check, "check", false, "run the Dockerfile linter instead of building (shorthand for --call check)")
	fl.StringSliceVar(&f.drain, "drain", nil, "give no targets to these nodes of a pool: NODE or BUILDER/NODE (repeatable or comma-separated; also XBAKE_DRAIN)")
}

// shorthandSets are the --set values bake's shorthand flags stand for,
// applied after the explicit --set, as bake applies them.
func (f *buildFlags) shorthandSets(printing bool) []string {
	// In bake's order, which is the order of the attestations it prints.
	var sets []string
	if printing { // a build applies them in the plan, with their own positions
		if f.push {
			sets = append(sets, "*.push=true")
		}
		if f.load {
			sets = append(sets, "*.load=true")
		}
	}
	switch {
	case f.check || f.call == "check": // bake names the linter's call "lint" here
		sets = append(sets, "*.call=lint")
	case f.call != "":
		sets = append(sets, "*.call="+f.call)
	}
	if f.noCache {
		sets = append(sets, "*.no-cache=true")
	}
	if f.pull {
		sets = append(sets, "*.pull=true")
	}
	for _, a := range []struct{ typ, v string }{{"sbom", f.sbom}, {"provenance", f.provenance}} {
		typ, v := a.typ, a.v
		switch v {
		case "":
		case "true", "1":
			sets = append(sets, "*.attest=type="+typ)
		case "false", "0":
			sets = append(sets, "*.attest=type="+typ+",disabled=true")
		default:
			sets = append(sets, "*.attest=type="+typ+","+v)
		}
	}
	return sets
}

// plan narrows the selection with --affected and plans it with the
// flags' options; the diagnostics include those of --affected.
func (f *buildFlags) plan(ctx context.Context, s *spec.Spec, sel *spec.Selection) (*plan.Plan, hcl.Diagnostics, error) {
	opts, err := f.planOptions()
	if err != nil {
		return nil, nil, err
	}
	note, diags, err := f.narrow(ctx, s, sel)
	if err != nil {
		return nil, nil, err
	}
	opts.Strict = false // findings applies it, after --ignore
	opts.Engines = dockerEngines(ctx, s)
	p, more := plan.New(s, sel, opts)
	p.Note = joinNotes(note, builtinNote(s, p), bakeDependsNote(s, p))
	return p, append(diags, more...), nil
}

// dockerEngines asks the engine of each docker-driver builder its version
// and image store, for the plan's builder-cannot rule; an engine that
// does not answer is left out (the run says it is unreachable).
func dockerEngines(ctx context.Context, s *spec.Spec) map[string]plan.Engine {
	out := map[string]plan.Engine{}
	for name, b := range s.Builders {
		if b.Driver.Value != "docker" {
			continue
		}
		endpoint := ""
		if len(b.Nodes) > 0 {
			endpoint = b.Nodes[0].Endpoint.Value
		}
		if e, err := builder.AskEngine(ctx, endpoint); err == nil {
			out[name] = plan.Engine{Version: e.Version, ContainerdStore: e.ContainerdStore}
		}
	}
	return out
}

// builtinNote says how the built-in builder runs here when a target uses
// it and it is not the local driver (buildx's fallback), or why none can.
func builtinNote(s *spec.Spec, p *plan.Plan) string {
	if _, declared := s.Builders[builder.BuiltinName]; declared || !slices.ContainsFunc(p.Nodes, func(n *plan.Node) bool { return n.Builder == builder.BuiltinName }) {
		return ""
	}
	switch c := builder.ChooseBuiltin(); {
	case c.Err != nil:
		return "builder " + builder.BuiltinName + ": " + c.Err.Error()
	case c.Driver != "local":
		return "builder " + builder.BuiltinName + ": docker-container, because " + c.Why
	}
	return ""
}

// bakeDependsNote says, at each depends_on written in one of bake's
// files, that it is xbake's own: bake ignores it (and plan --print leaves
// it out, as bake prints the target), while xbake orders the build by it.
func bakeDependsNote(s *spec.Spec, p *plan.Plan) string {
	var notes []string
	for _, n := range p.Nodes {
		if n.Target == nil {
			continue
		}
		for _, d := range n.Target.DependsOn {
			if s.BakeFiles[d.Range.Filename] {
				notes = append(notes, fmt.Sprintf("%s:%d: depends_on is xbake's own attribute: bake ignores it (plan --print leaves it out, as bake prints %s); xbake builds %s before %s",
					d.Range.Filename, d.Range.Start.Line, n.Name, d.Value, n.Name))
			}
		}
	}
	return strings.Join(notes, "\n")
}

func joinNotes(notes ...string) string {
	var out []string
	for _, n := range notes {
		if n != "" {
			out = append(out, n)
		}
	}
	return strings.Join(out, "\n")
}

// narrow applies --affected to a selection: it keeps the selected targets
// that a change since the merge base touches (or that depend on one).
// The returned note says what it did, for the user.
func (f *buildFlags) narrow(ctx context.Context, s *spec.Spec, sel *spec.Selection) (string, hcl.Diagnostics, error) {
	if f.affected == "" {
		return "", nil, nil
	}
	ref := f.affected
	if ref == affectedDefault {
		ref = ""
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	cs, err := inputs.Changes(ctx, s.Root, ref)
	var unknown *inputs.UnknownRefError
	if errors.As(err, &unknown) {
		return "", nil, usageErrorf("%s", err)
	}
	if err != nil {
		return "", nil, &exitError{code: exitSpec, msg: err.Error()}
	}
	if cs.All {
		return "--affected: every target (the merge base is unknown)", hcl.Diagnostics{rule.Tag(rule.AffectedUnknown, &hcl.Diagnostic{
			Severity: hcl.DiagWarning, Summary: "Affected targets unknown", Detail: cs.Warning,
		})}, nil
	}
	redefined, err := f.redefined(ctx, s, cs)
	if err != nil {
		return "", nil, err
	}
	affected := inputs.Affected(s, cs.Paths, redefined, func(t *spec.Target) string {
		p, _ := plan.DockerfilePath(t)
		return p
	})
	var kept []string
	for _, name := range sel.Targets {
		if affected[name] {
			kept = append(kept, name)
		}
	}
	files := "files"
	if len(cs.Paths) == 1 {
		files = "file"
	}
	note := fmt.Sprintf("--affected: %d of %d selected targets changed since %s (%d %s changed)", len(kept), len(sel.Targets), shortCommit(cs.Base), len(cs.Paths), files)
	sel.Targets = kept
	sel.All = false
	return note, nil, nil
}

// redefined compares each target's resolved definition with the base's
// when a file of the spec changed, as plan --diff does: editing one
// target in a shared bake file affects that target, not every target
// the file declares. It returns nil (every target of a changed spec
// file counts) when no spec file changed or the spec does not load at
// the base.
func (f *buildFlags) redefined(ctx context.Context, s *spec.Spec, cs *inputs.ChangeSet) (map[string]bool, error) {
	if !inputs.SpecChanged(s, cs.Paths) || f.specFlags == nil {
		return nil, nil
	}
	cwd, err := os.Getwd()
	if err != nil {
		return nil, nil
	}
	b, err := checkoutBase(ctx, cwd, cs.Base)
	if ctx.Err() != nil {
		return nil, &exitError{code: exitInterrupted, msg: "interrupted"}
	}
	if err != nil {
		return nil, &exitError{code: exitSpec, msg: "--affected: " + err.Error()}
	}
	defer b.Close()
	old, _, restore, err := f.specFlags.loadAt(b, io.Discard)
	if err != nil || old == nil {
		return nil, nil
	}
	defer restore()
	out := map[string]bool{}
	for name, t := range s.Targets {
		o, ok := old.Targets[name]
		if !ok || !reflect.DeepEqual(o.Fields(b.dir), t.Fields(cwd)) {
			out[name] = true
		}
	}
	return out, nil
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// grantReads hands the fs.read grants of --allow (for file() and
// include), --strict and the flags that stand for --set values to the
// spec loader; printing adds --push and --load to those, as bake prints
// them.
func (f *buildFlags) grantReads(sf *specFlags, printing bool) error {
	if err := f.checkIgnore(); err != nil {
		return err
	}
	opts, err := f.planOptions()
	if err != nil {
		return err
	}
	f.specFlags = sf
	sf.allowRead = opts.Allow.ReadPaths
	sf.strict = opts.Strict
	sf.extraSets = f.shorthandSets(printing)
	return nil
}

func (f *buildFlags) planOptions() (plan.Options, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return plan.Options{}, usageErrorf("cannot read the working directory: %v", err)
	}
	allow, err := plan.ParseAllow(f.allow, cwd)
	if err != nil {
		return plan.Options{}, usageErrorf("%v", err)
	}
	opts := plan.Options{Push: f.push, Load: f.load, Allow: allow, Builder: f.builder, Strict: f.strict, SkipDigests: f.skipDigests, IgnoreVCS: f.ignoreVCS, RemoteInputs: f.remoteInputs,
		History: loadHistory(cwd), Drain: map[string]bool{}}
	for _, d := range append(slices.Clone(f.drain), strings.FieldsFunc(os.Getenv("XBAKE_DRAIN"), func(r rune) bool { return r == ',' || r == ' ' })...) {
		opts.Drain[strings.TrimSpace(d)] = true
	}
	if f.load {
		opts.EngineMultiPlatform = outputs.EngineStoresMultiPlatform()
	}
	return opts, nil
}

// ignoredRules are the IDs of --ignore (checked by checkIgnore).
func (f *buildFlags) ignoredRules() []rule.ID {
	ids := make([]rule.ID, len(f.ignore))
	for i, s := range f.ignore {
		ids[i] = rule.ID(strings.TrimSpace(s))
	}
	return ids
}

// checkIgnore refuses an --ignore that names no rule: a typo would
// silence nothing, silently.
func (f *buildFlags) checkIgnore() error {
	var known []string
	for _, list := range [][]rule.ID{rule.All, rule.Spec} {
		for _, id := range list {
			known = append(known, string(id))
		}
	}
	for _, id := range f.ignoredRules() {
		if !rule.Known(id) {
			return usageErrorf("--ignore %s: no rule has that ID (docs/rules.md lists them).%s", id, suggest.DidYouMean(string(id), known))
		}
	}
	return nil
}
