package main

import (
	"github.com/spf13/cobra"

	"github.com/xbake/xbake/internal/diag"
	"github.com/xbake/xbake/internal/lsp"
)

func newLSPCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "lsp",
		Short: "A language server for editors (LSP over stdio): xbake plan's findings as you type, definitions, references, rename, hover, completion, code lenses, formatting",
		Long: `xbake lsp speaks the Language Server Protocol on stdin and stdout, for
xbuild.hcl/yaml/json, bake HCL/JSON and compose files. It reads a spec
with the same loader and rules as xbake plan, with the editor's unsaved
text: every finding of xbake plan is a diagnostic (# xbake:ignore
honoured), in every file of the project (includes and overrides; the
files setting names a project of several -f files); the outline lists
targets, groups, variables and builders; definition, references and
rename follow target, group, variable, function and builder names (and
lead from dockerfile/context to the Dockerfile); hover shows a target as
it resolves (what plan --print prints for it) with its builder,
platforms and what it waits for, and a variable's value; completion
offers names, functions and known values; code lenses plan and run a
target; inlay hints show variables' values; formatting is xbake fmt's.
See docs/editors.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if g, ok := out.(*diag.GitHubGuard); ok {
				out = g.Raw() // a protocol stream, not a log
			}
			return lsp.Serve(cmd.Context(), cmd.InOrStdin(), out, lsp.Options{})
		},
	}
}
