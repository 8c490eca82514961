package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/xbake/xbake/internal/diag"
	"github.com/xbake/xbake/internal/plan"
	"github.com/xbake/xbake/internal/report"
	"github.com/xbake/xbake/spec"
)

type planOptions struct {
	spec  specFlags
	build buildFlags
	print bool
	// listTargets and listVariables are bake's --list-targets and
	// --list-variables.
	listTargets, listVariables bool
	list                       string
	format                     string
	// diff is --diff REF: what changes since REF (diff.go); exitCode
	// makes a non-empty diff exit 2.
	diff     string
	exitCode bool
}

func newPlanCommand() *cobra.Command {
	var o planOptions
	cmd := &cobra.Command{
		Use:   "plan [TARGET|GROUP|PATTERN...]",
		Short: "Load and check the spec and show the build graph",
		Long: `Load the spec, check it against xbake's rules (docs/rules.md), and show
the build graph: the selected targets and those they need, level by level
(what can build at the same time), each with its builder, platforms,
outputs and dependencies, then every warning and error.

With no names, the "default" group is selected, or every target when there
is no default group. Names may be targets, groups or glob patterns ("app-*").

  --format text|json|dot|mermaid|html   how to show the plan (json:
                     docs/plan-json.md; html: a page with the graph, the levels
                     and the rules' findings, for a pull request's artifacts)
  --print            the resolved targets as JSON, as 'docker buildx bake --print'
  --list targets     the targets and groups, with their descriptions
  --list variables   the variables, their types, values and where each value came from
  --diff [REF]       what changes since REF (default: the merge base with origin/HEAD):
                     targets added, removed, rebuilt, and why; --format text, json
                     or markdown; --exit-code exits 2 when something would change
(--print and --list load the spec and report its errors, without the plan's rules.)

Exit status: 0 fine, 1 errors (or warnings with --strict), 2 usage.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPlan(cmd, &o, args)
		},
	}
	o.spec.register(cmd)
	o.build.register(cmd)
	fl := cmd.Flags()
	fl.BoolVar(&o.print, "print", false, "print the resolved targets as JSON (the format of 'docker buildx bake --print')")
	fl.StringVar(&o.list, "list", "", "list \"targets\" or \"variables\" instead of planning")
	fl.StringVar(&o.format, "format", "text", "output format: text, json, dot, mermaid or html (--list: text or json; --diff: text, json or markdown)")
	fl.StringVar(&o.diff, "diff", "", "show what changes since REF (a commit, branch or tag; default the merge base with origin/HEAD, else main): targets added, removed and rebuilt, and why")
	fl.Lookup("diff").NoOptDefVal = affectedDefault
	fl.BoolVar(&o.exitCode, "exit-code", false, "with --diff: exit 2 when something would change (for CI gates)")
	// bake takes its build flags beside --print and ignores those that
	// only matter to a build: a `docker buildx bake --print` command line
	// works with `xbake plan` too.
	var ignored string
	for _, name := range []string{"progress", "metadata-file", "jobs"} {
		fl.StringVar(&ignored, name, "", "as in bake; plan builds nothing, so it changes nothing")
		fl.MarkHidden(name)
	}
	// bake's older spellings of --list targets and --list variables.
	fl.BoolVar(&o.listTargets, "list-targets", false, "as --list targets")
	fl.BoolVar(&o.listVariables, "list-variables", false, "as --list variables")
	fl.MarkHidden("list-targets")
	fl.MarkHidden("list-variables")
	registerCompletions(cmd)
	return cmd
}

func runPlan(cmd *cobra.Command, o *planOptions, args []string) error {
	switch {
	case o.listTargets && o.listVariables:
		return usageErrorf("--list-targets and --list-variables cannot be combined")
	case (o.listTargets || o.listVariables) && o.list != "":
		return usageErrorf("--list-targets and --list-variables are bake's spellings of --list; give one of them")
	case o.listTargets:
		o.list = "targets"
	case o.listVariables:
		o.list = "variables"
	}
	if o.diff != "" {
		switch {
		case o.print || o.list != "":
			return usageErrorf("--diff compares plans; --print and --list cannot be combined with it")
		case o.format != "text" && o.format != "json" && o.format != "markdown":
			return usageErrorf("--diff takes --format text, json or markdown")
		case o.build.affected != "":
			return usageErrorf("--diff and --affected cannot be combined: the diff names the affected targets itself")
		}
		if err := o.build.grantReads(&o.spec, false); err != nil {
			return err
		}
		return runDiff(cmd, o, args)
	}
	if o.exitCode {
		return usageErrorf("--exit-code goes with --diff")
	}
	switch o.format {
	case "text", "json":
	case "dot", "mermaid", "html":
		if o.print || o.list != "" {
			return usageErrorf("--format %s draws the plan; --print and --list take text or json", o.format)
		}
	default:
		return usageErrorf("--format %q is not a format; use text, json, dot, mermaid or html", o.format)
	}
	if o.list != "" && o.list != "targets" && o.list != "variables" {
		return usageErrorf("--list %q is not a list; use targets or variables", o.list)
	}
	if o.print && o.list != "" {
		return usageErrorf("--print and --list cannot be combined")
	}
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if err := o.build.grantReads(&o.spec, o.print); err != nil {
		return err
	}
	if !o.print && o.list == "" {
		return planChecked(cmd, o, args)
	}
	s, err := o.spec.load(cmd.InOrStdin(), stderr)
	if err != nil {
		return err
	}
	switch o.list {
	case "targets":
		return listTargets(stdout, s, o.format)
	case "variables":
		return listVariables(stdout, s, o.format)
	}
	sel, diags := s.Select(args)
	if diags.HasErrors() {
		diag.Write(stderr, diags, s.Sources, colorOn(stderr))
		return errChecked(args, diags)
	}
	if diags := plan.Cycles(s, sel); diags.HasErrors() {
		diag.Write(stderr, diags, s.Sources, colorOn(stderr))
		return errSpec
	}
	cwd, _ := os.Getwd()
	// bake opens the secret files and SSH agents of what it prints, and
	// fails when one is missing: so does --print, with the position.
	var missing hcl.Diagnostics
	for _, name := range append(append([]string{}, sel.Targets...), s.LinkedTargets(sel.Targets)...) { // linked ones build too
		missing = append(missing, plan.MissingSources(name, s.Targets[name], nil, cwd, false)...)
	}
	if missing.HasErrors() {
		diag.Write(stderr, missing, s.Sources, colorOn(stderr))
		return errSpec
	}
	out, err := s.Print(sel, cwd)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, string(out))
	return err
}

// planChecked loads, selects and plans, and shows the plan with every
// problem any of the three found, at once: a spec with errors is
// planned all the same (what could be decoded of it), so that a
// missing Dockerfile or a cycle does not wait for the next run.
func planChecked(cmd *cobra.Command, o *planOptions, args []string) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	s, ok, err := o.spec.loadChecked(cmd.InOrStdin(), stderr)
	if !ok {
		writeUnplanned(stdout, o.format, o.spec.diags)
		return err
	}
	sel, selDiags := selectChecked(s, args, o.spec.diags)
	p, planDiags, err := o.build.plan(cmd.Context(), s, sel)
	if err != nil {
		return err
	}
	diags := o.build.findings(s, o.spec.diags, selDiags, planDiags)
	annotate(stderr, diags)
	if o.spec.diags.HasErrors() {
		// A spec that did not load is no plan to show: every problem
		// goes to stderr, stdout stays empty (JSON: the diagnostics).
		diag.Write(stderr, diags, s.Sources, colorOn(stderr))
		writeUnplanned(stdout, o.format, diags)
		return errChecked(args, selDiags)
	}
	if err := writePlan(stdout, stderr, o.format, p, diags, s); err != nil {
		return err
	}
	if diags.HasErrors() {
		return errChecked(args, selDiags)
	}
	return nil
}

// writeUnplanned writes, in the machine formats, the document of a spec
// that did not load: no targets, its errors. CI reads stdout (a JSON
// step, an HTML artifact), and an empty file there would look like an
// empty plan.
func writeUnplanned(stdout io.Writer, format string, diags hcl.Diagnostics) {
	if !diags.HasErrors() {
		return
	}
	switch format {
	case "json":
		plan.WriteJSONDiagnostics(stdout, diags)
	case "html":
		report.WriteHTML(stdout, report.FromPlan(&plan.Plan{}, diags, time.Now()))
	}
}

// writePlan renders the plan. Text carries its diagnostics; the machine
// formats leave stdout to the document and show diagnostics on stderr.
func writePlan(stdout, stderr io.Writer, format string, p *plan.Plan, diags hcl.Diagnostics, s *spec.Spec) error {
	cwd, _ := os.Getwd()
	// Diagnostics go to stderr in every format, as the spec's load
	// errors do; stdout holds the plan (text: with a count of them).
	diag.Write(stderr, diags, s.Sources, colorOn(stderr))
	if format == "text" {
		return plan.WriteText(stdout, p, diags, plan.TextOptions{Cwd: cwd, Sources: s.Sources, Color: colorOn(stdout), DiagnosticsElsewhere: true})
	}
	switch format {
	case "json":
		return plan.WriteJSON(stdout, p, diags, cwd)
	case "dot":
		return plan.WriteDOT(stdout, p)
	case "html":
		return report.WriteHTML(stdout, report.FromPlan(p, diags, time.Now()))
	}
	return plan.WriteMermaid(stdout, p)
}

type listedTarget struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Group       bool     `json:"group,omitempty"`
	Targets     []string `json:"targets,omitempty"`
}

func listTargets(w io.Writer, s *spec.Spec, format string) error {
	var rows []listedTarget
	for _, name := range s.TargetNames {
		t := s.Targets[name]
		if t == nil {
			continue
		}
		r := listedTarget{Name: name}
		if t.Description != nil {
			r.Description = t.Description.Value
		}
		rows = append(rows, r)
	}
	for _, name := range sortedGroupNames(s) {
		g := s.Groups[name]
		rows = append(rows, listedTarget{Name: name, Description: g.Description, Group: true, Targets: spec.Values(g.Targets)})
	}
	if format == "json" {
		return writeJSON(w, rows)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tDESCRIPTION")
	for _, r := range rows {
		if !r.Group {
			fmt.Fprintf(tw, "%s\t%s\n", r.Name, r.Description)
		}
	}
	if err := tw.Flush(); err != nil || len(s.Groups) == 0 {
		return err
	}
	fmt.Fprintln(w) // the groups get columns of their own
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tTARGETS\tDESCRIPTION")
	for _, r := range rows {
		if r.Group {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, strings.Join(r.Targets, ", "), r.Description)
		}
	}
	return tw.Flush()
}

type listedVariable struct {
	Name        string          `json:"name"`
	Type        string          `json:"type,omitempty"`
	Value       json.RawMessage `json:"value"`
	Source      string          `json:"source"`
	Description string          `json:"description,omitempty"`
}

func listVariables(w io.Writer, s *spec.Spec, format string) error {
	var rows []listedVariable
	for _, v := range s.Variables {
		rows = append(rows, listedVariable{
			Name: v.Name, Type: spec.TypeName(v.Type), Value: spec.ValueJSON(v.Value),
			Source: v.Source, Description: v.Description,
		})
	}
	if format == "json" {
		return writeJSON(w, rows)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tTYPE\tVALUE\tSOURCE\tDESCRIPTION")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, r.Type, string(r.Value), r.Source, r.Description)
	}
	return tw.Flush()
}

func sortedGroupNames(s *spec.Spec) []string {
	var names []string
	for n := range s.Groups {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
