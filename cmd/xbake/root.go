package main

import (
	"strings"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// debugFlag is --debug, for every command.
var debugFlag bool

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "xbake",
		Short: "Build container images from a declarative spec (xbuild.hcl, xbuild.yaml, docker-bake.hcl)",
		Long: `xbake loads a spec (xbuild.hcl, xbuild.yaml/.yml/.json, or bake's
docker-bake.hcl/.json), checks it, and builds its targets on BuildKit.

  xbake plan            load and check the spec, show the build graph
  xbake plan --print    the resolved targets as JSON, like 'docker buildx bake --print'
  xbake plan --diff REF what a change since REF rebuilds and publishes, and why
  xbake run             build the selected targets in parallel
  xbake builders        the spec's builders and their nodes
  xbake schema          the JSON Schema of the YAML/JSON format
  xbake fmt             lay out HCL specs canonically (--check for CI)
  xbake version         xbake's version, commit and BuildKit version

Documentation: docs/spec.md, docs/rules.md, docs/run.md, docs/builders.md,
docs/monorepo.md, docs/bake-compat.md, docs/limits.md.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		hint := ""
		if strings.HasPrefix(err.Error(), "unknown flag") {
			hint = "; a target's options are set with --set TARGET.KEY=VALUE, as in bake (--set '*.platform=linux/arm64')"
		}
		return usageErrorf("%s%s (see --help)", err, hint)
	})
	root.PersistentFlags().BoolVarP(&debugFlag, "debug", "D", false, "show more: the plan before a run, and BuildKit's client logs")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		level := logrus.InfoLevel
		if debugFlag {
			level = logrus.DebugLevel
		}
		logrus.SetLevel(level)
		return resolveWorkingDir()
	}
	root.AddCommand(newPlanCommand(), newRunCommand(), newBuildersCommand(), newSchemaCommand(), newVersionCommand(), newFmtCommand(), newLSPCommand())
	// --version prints what the version command prints.
	root.SetVersionTemplate("{{.Version}}")
	root.Version = versionLine()
	return root
}
