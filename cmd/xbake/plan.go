package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/xbake/xbake/internal/diag"
	"github.com/xbake/xbake/spec"
)

type planOptions struct {
	spec   specFlags
	print  bool
	list   string
	format string
}

func newPlanCommand() *cobra.Command {
	var o planOptions
	cmd := &cobra.Command{
		Use:   "plan [TARGET|GROUP|PATTERN...]",
		Short: "Load and check the spec and show what would be built",
		Long: `Load the spec, check it, and show the selected targets.

With no names, the "default" group is selected, or every target when there
is no default group. Names may be targets, groups or glob patterns ("app-*").

  --print            the resolved targets as JSON, as 'docker buildx bake --print'
  --list targets     the targets and groups, with their descriptions
  --list variables   the variables, their types, values and where each value came from`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPlan(cmd, &o, args)
		},
	}
	o.spec.register(cmd)
	fl := cmd.Flags()
	fl.BoolVar(&o.print, "print", false, "print the resolved targets as JSON (the format of 'docker buildx bake --print')")
	fl.StringVar(&o.list, "list", "", "list \"targets\" or \"variables\" instead of planning")
	fl.StringVar(&o.format, "format", "text", "output format: text or json")
	return cmd
}

func runPlan(cmd *cobra.Command, o *planOptions, args []string) error {
	if o.format != "text" && o.format != "json" {
		return usageErrorf("--format %q is not a format; use text or json", o.format)
	}
	if o.list != "" && o.list != "targets" && o.list != "variables" {
		return usageErrorf("--list %q is not a list; use targets or variables", o.list)
	}
	if o.print && o.list != "" {
		return usageErrorf("--print and --list cannot be combined")
	}
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
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
		return errSpec
	}
	if o.print {
		cwd, _ := os.Getwd()
		out, err := s.Print(sel, cwd)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, string(out))
		return err
	}
	return writeSummary(stdout, s, sel)
}

// writeSummary prints the selected targets, one per line.
func writeSummary(w io.Writer, s *spec.Spec, sel *spec.Selection) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tPLATFORMS\tOUTPUTS")
	row := func(name, note string) {
		t := s.Targets[name]
		platforms := strings.Join(spec.Values(t.Platforms), ",")
		if platforms == "" {
			platforms = "(builder's)"
		}
		var outs []string
		for _, e := range t.Outputs {
			outs = append(outs, e.Type)
		}
		if note != "" {
			outs = []string{note}
		}
		if len(outs) == 0 {
			outs = []string{"(build cache only)"}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, platforms, strings.Join(outs, ","))
	}
	for _, name := range sel.Targets {
		row(name, "")
	}
	for _, name := range s.LinkedTargets(sel.Targets) {
		row(name, "(implicit: linked as a context)")
	}
	return tw.Flush()
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
	if len(s.Groups) > 0 {
		fmt.Fprintln(tw, "\t")
		fmt.Fprintln(tw, "GROUP\tTARGETS\tDESCRIPTION")
		for _, r := range rows {
			if r.Group {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, strings.Join(r.Targets, ", "), r.Description)
			}
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
