package main

// Shell completion (xbake completion bash|zsh|fish|powershell, from
// cobra): target, group and builder names from the spec in the working
// directory (or the -f files), and the values of the flags that take a
// fixed set.

import (
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/xbake/xbake/internal/builder"
	"github.com/xbake/xbake/internal/plan"
	"github.com/xbake/xbake/spec"
)

// quietSpec loads the spec the command would, showing nothing: a
// completion must never print diagnostics.
func quietSpec(cmd *cobra.Command) *spec.Spec {
	files, _ := cmd.Flags().GetStringArray("file")
	cwd, err := os.Getwd()
	if err != nil {
		return nil
	}
	if len(files) == 0 && !spec.HasDefaultFile(cwd) {
		return spec.Empty(cwd)
	}
	s, _ := spec.Load(spec.Options{Files: files, Dir: cwd})
	return s
}

// completeTargets offers the spec's targets and groups.
func completeTargets(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	s := quietSpec(cmd)
	if s == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	names := slices.Clone(s.TargetNames)
	for g := range s.Groups {
		names = append(names, g)
	}
	slices.Sort(names)
	return names, cobra.ShellCompDirectiveNoFileComp
}

// completeVars offers NAME= for each variable of the spec.
func completeVars(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	s := quietSpec(cmd)
	if s == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for _, v := range s.Variables {
		names = append(names, v.Name+"=")
	}
	slices.Sort(names)
	return names, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// completeBuilders offers the spec's builders, the built-in one included.
func completeBuilders(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	s := quietSpec(cmd)
	if s == nil || len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return builder.Names(plan.BuildersOf(s)), cobra.ShellCompDirectiveNoFileComp
}

// fixed offers a flag's fixed values.
func fixed(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// registerCompletions wires the completions of a plan or run command.
func registerCompletions(cmd *cobra.Command) {
	cmd.ValidArgsFunction = completeTargets
	cmd.RegisterFlagCompletionFunc("builder", func(c *cobra.Command, _ []string, s string) ([]string, cobra.ShellCompDirective) {
		return completeBuilders(c, nil, s)
	})
	if cmd.Flags().Lookup("var") != nil {
		cmd.RegisterFlagCompletionFunc("var", completeVars)
	}
	for flag, values := range map[string][]string{
		"progress":  {"auto", "tty", "plain", "rawjson", "quiet", "none"},
		"push-mode": {"atomic", "eager"},
		"format":    {"text", "json", "dot", "mermaid", "html", "markdown"},
		"allow":     {"network.host", "security.insecure", "fs.read=", "fs.write=", "fs="},
		"list":      {"targets", "variables"},
		"call":      {"check", "outline", "targets"},
	} {
		if cmd.Flags().Lookup(flag) != nil {
			cmd.RegisterFlagCompletionFunc(flag, fixed(values...))
		}
	}
}
