package main

import (
	"github.com/spf13/cobra"

	"github.com/xbake/xbake/schema"
)

func newSchemaCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the YAML/JSON spec format",
		Long: `Print the JSON Schema (draft 2020-12) that xbuild.yaml and xbuild.json are
validated against. Point your editor at it, for example with a first line
"# yaml-language-server: $schema=./xbuild.schema.json" after
"xbake schema > xbuild.schema.json".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(schema.Document)
			return err
		},
	}
}
