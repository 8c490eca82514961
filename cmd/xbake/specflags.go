package main

import (
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/xbake/xbake/internal/diag"
	"github.com/xbake/xbake/internal/rule"
	"github.com/xbake/xbake/internal/suggest"
	"github.com/xbake/xbake/spec"
)

// specFlags are the flags of every command that reads a spec.
type specFlags struct {
	files []string
	vars  []string
	sets  []string
	// allowRead are the fs.read grants of --allow, for commands that have it.
	allowRead []string
	// strict makes the spec's warnings errors (--strict of plan and run).
	strict bool
	// extraSets are --set values that other flags stand for (--no-cache).
	extraSets []string
	// diags are the last load's diagnostics, for --format json.
	diags hcl.Diagnostics
	// optional: without -f and without a spec file here, an empty spec
	// (the built-in builder only) instead of an error; for builders.
	optional bool
	// collect: load prints nothing, and a spec with errors is returned
	// with errSpec, so that plan and run can check it further and show
	// every problem at once (see loadChecked).
	collect bool
}

func (f *specFlags) register(cmd *cobra.Command) {
	f.registerFiles(cmd)
	cmd.Flags().StringArrayVar(&f.sets, "set", nil, "override a target attribute: PATTERN.KEY=VALUE or PATTERN.KEY+=VALUE (repeatable), e.g. *.platform=linux/arm64")
}

// registerFiles registers what says which spec to read and with which
// variables, without --set: for the commands that build nothing.
func (f *specFlags) registerFiles(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVarP(&f.files, "file", "f", nil, "spec file to read (repeatable, \"-\" for stdin); default: xbuild.hcl, xbuild.yaml, xbuild.yml, xbuild.json, else docker-bake.hcl/.json, plus xbuild.override.*")
	fl.StringArrayVar(&f.vars, "var", nil, "set a variable: NAME=VALUE (repeatable; beats the environment and the default)")
}

// load parses the flags and loads the spec. Diagnostics are printed to
// stderr; the returned error carries the exit code when there are errors.
func (f *specFlags) load(stdin io.Reader, stderr io.Writer) (*spec.Spec, error) {
	vars, overrides, err := f.parse(stderr)
	if err != nil {
		return nil, err
	}
	cwd, err := os.Getwd()
	if err != nil {
		return nil, &exitError{code: exitUsage, msg: "cannot read the working directory: " + err.Error()}
	}
	if f.optional && len(f.files) == 0 && !spec.HasDefaultFile(cwd) {
		return spec.Empty(cwd), nil
	}
	ev := &spec.Evaluating{}
	stop := watchLoad(stderr, ev)
	s, diags := spec.Load(spec.Options{Files: resolveFiles(f.files), Stdin: stdin, Dir: cwd, Vars: vars, Overrides: overrides, AllowRead: f.allowRead,
		Evaluating: ev, CacheDir: specCacheDir()})
	stop()
	if f.strict && !f.collect { // else findings applies it, after --ignore
		for _, d := range diags {
			d.Severity = hcl.DiagError
		}
	}
	f.diags = diags
	if len(diags) > 0 && !f.collect {
		diag.Write(stderr, diags, s.Sources, colorOn(stderr))
	}
	if diags.HasErrors() {
		return s, errSpec
	}
	if err := checkVars(s, vars); err != nil {
		return s, err
	}
	return s, nil
}

// parse reads --var and --set (and the flags that stand for --set).
func (f *specFlags) parse(stderr io.Writer) (map[string]string, []*spec.Override, error) {
	vars := map[string]string{}
	for _, v := range f.vars {
		name, value, ok := strings.Cut(v, "=")
		if !ok || name == "" {
			return nil, nil, usageErrorf("--var %q must be NAME=VALUE", v)
		}
		vars[name] = value
	}
	overrides, diags := spec.ParseOverrides(append(append([]string{}, f.sets...), f.extraSets...), os.LookupEnv)
	if diags.HasErrors() {
		diag.Write(stderr, diags, nil, colorOn(stderr))
		return nil, nil, &exitError{code: exitUsage}
	}
	return vars, overrides, nil
}

// checkVars refuses a --var that names no variable of the spec: a typo
// would otherwise change nothing, silently.
func checkVars(s *spec.Spec, vars map[string]string) error {
	var names []string
	for _, v := range s.Variables {
		names = append(names, v.Name)
	}
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		if slices.Contains(names, name) {
			continue
		}
		declared := "declares no variables"
		if len(names) > 0 {
			declared = "declares " + strings.Join(names, ", ")
		}
		return usageErrorf("--var %s: the spec has no variable %q (it %s).%s", name, name, declared, suggest.DidYouMean(name, names))
	}
	return nil
}

// specCacheDir is where loads are kept (see spec/cache.go):
// $XBAKE_SPEC_CACHE, else $XDG_CACHE_HOME/xbake/spec or
// ~/.cache/xbake/spec; XBAKE_SPEC_CACHE=off keeps none.
func specCacheDir() string {
	switch dir := os.Getenv("XBAKE_SPEC_CACHE"); dir {
	case "off", "0", "false":
		return ""
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		return filepath.Join(base, "xbake", "spec")
	default:
		return dir
	}
}

func colorOn(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && diag.IsTerminal(f)
}

// loadChecked loads the spec for a command that goes on to select and
// plan: a spec with errors is still returned, with its diagnostics
// unprinted, so that one run shows every problem the selection and the
// plan find too (keepGoing reports whether it can). Any other failure
// (a usage mistake, no spec file) is returned as the error.
func (f *specFlags) loadChecked(stdin io.Reader, stderr io.Writer) (s *spec.Spec, keepGoing bool, err error) {
	f.collect = true
	defer func() { f.collect = false }()
	s, err = f.load(stdin, stderr)
	if err == nil {
		return s, true, nil
	}
	if errors.Is(err, errSpec) && s != nil && len(s.Files) > 0 {
		return s, true, nil
	}
	if len(f.diags) > 0 && s != nil {
		diag.Write(stderr, f.diags, s.Sources, colorOn(stderr))
	} else if len(f.diags) > 0 {
		diag.Write(stderr, f.diags, nil, colorOn(stderr))
	}
	return s, false, err
}

// findings joins the diagnostics of loading, selecting and planning:
// each with its rule's ID, the warnings silenced by --ignore or an
// ignore comment left out, --strict applied to the rest, in the order a
// user fixes them (diag.Sort).
func (f *buildFlags) findings(s *spec.Spec, lists ...hcl.Diagnostics) hcl.Diagnostics {
	var all hcl.Diagnostics
	for _, l := range lists {
		for _, d := range l {
			if rule.Of(d) == "" {
				rule.Tag(rule.ForSummary(d.Summary), d) // every finding has an ID
			}
			all = append(all, d)
		}
	}
	all, _ = diag.Ignore(all, s.Sources, f.ignoredRules())
	if f.strict {
		for _, d := range all {
			d.Severity = hcl.DiagError
		}
	}
	return diag.Sort(all, s.Files)
}

// selectChecked selects what to plan. When the selection itself is an
// error and names nothing (no default target), every target is planned
// anyway, so that their problems are reported in the same run; nothing
// is built, since the selection's error stands. Without names, a spec
// whose files failed to read whole (nothing declared, and load errors)
// has no "no default target" error: the load's errors say why.
func selectChecked(s *spec.Spec, args []string, loadDiags hcl.Diagnostics) (*spec.Selection, hcl.Diagnostics) {
	sel, diags := s.Select(args)
	if diags.HasErrors() && len(sel.Targets) == 0 {
		sel = &spec.Selection{All: true, Targets: s.Buildable()}
		if len(args) == 0 && loadDiags.HasErrors() && len(s.TargetNames) == 0 && len(s.Groups) == 0 {
			diags = nil
		}
	}
	return sel, diags
}

// errChecked is the error of a spec, selection or plan with errors: exit
// 2 when a name given on the command line is no target or group (a
// command-line mistake), else 1.
func errChecked(args []string, selDiags hcl.Diagnostics) error {
	if len(args) > 0 && selDiags.HasErrors() {
		return &exitError{code: exitUsage}
	}
	return errSpec
}
