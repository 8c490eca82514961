package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/xbake/xbake/internal/builder"
	"github.com/xbake/xbake/internal/plan"
	"github.com/xbake/xbake/spec"
)

func newBuildersCommand() *cobra.Command {
	sf := specFlags{optional: true}
	var format string
	ls := func(cmd *cobra.Command, _ []string) error {
		s, err := sf.load(cmd.InOrStdin(), cmd.ErrOrStderr())
		if err != nil {
			return err
		}
		return listBuilders(cmd.Context(), cmd.OutOrStdout(), s, format)
	}
	cmd := &cobra.Command{
		Use:   "builders",
		Short: "List the spec's builders and their nodes (also: builders ls)",
		Long: `Builders are declared in the spec, next to the targets that use them, so
every checkout has the same ones. The built-in "local" builder is a
buildkitd that xbake starts and reuses. Outside a directory with a spec,
the commands know the built-in builder only.

  xbake builders [ls]              one row per builder and node: driver or
                                   endpoint, status (running, inactive, stopped,
                                   unreachable), platforms; * marks the default
  xbake builders inspect [NAME]    details of each node (--bootstrap starts it);
                                   the default builder without NAME
  xbake builders stop NAME         stop a local builder's daemon
  xbake builders rm NAME           stop it and delete its state (--keep-state keeps the cache);
                                   also an orphaned container (ls marks them)
  xbake builders prune             remove this project's orphaned containers`,
		Args: cobra.NoArgs,
		RunE: ls,
	}
	sf.registerFiles(cmd)
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	lsCmd := &cobra.Command{Use: "ls", Short: "List builders and nodes", Args: cobra.NoArgs, RunE: ls}
	lsCmd.Flags().AddFlagSet(cmd.Flags())
	cmd.AddCommand(lsCmd, newBuildersInspect(), newBuildersStop(false), newBuildersStop(true), newBuildersPrune())
	return cmd
}

// defaultBuilder is the builder targets without one use.
func defaultBuilder(s *spec.Spec) string {
	if b := os.Getenv("XBAKE_BUILDER"); b != "" {
		return b
	}
	return s.DefaultBuilder()
}

func listBuilders(ctx context.Context, w io.Writer, s *spec.Spec, format string) error {
	if format != "text" && format != "json" {
		return usageErrorf("--format %q: use text or json", format)
	}
	names := builder.Names(plan.BuildersOf(s))
	infos := make([]builder.BuilderInfo, len(names))
	var wg sync.WaitGroup
	for i, n := range names { // nodes are probed at once: unreachable ones time out
		wg.Add(1)
		go func() {
			defer wg.Done()
			infos[i], _ = builder.Describe(ctx, plan.BuildersOf(s), n, false)
		}()
	}
	wg.Wait()
	def := defaultBuilder(s)
	for i := range infos {
		infos[i].Default = infos[i].Name == def
	}
	orphans, _ := builder.Orphans(ctx, plan.BuildersOf(s), s.Root)
	for _, o := range orphans {
		infos = append(infos, builder.BuilderInfo{Name: o.Builder, Driver: "docker-container", Orphaned: true,
			Nodes: []builder.NodeInfo{{Name: o.Name, Endpoint: o.Engine, Status: "orphaned (" + o.State + ")"}}})
	}
	if format == "json" {
		return writeJSON(w, infos)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME/NODE\tDRIVER/ENDPOINT\tSTATUS\tPLATFORMS")
	for _, b := range infos {
		name := b.Name
		if b.Default {
			name += " *"
		}
		if b.Orphaned {
			name += " (orphaned: builders prune removes it)"
		}
		fmt.Fprintf(tw, "%s\t%s\t\t\n", name, b.Driver)
		for _, n := range b.Nodes {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", n.Name, n.Endpoint, n.Status, platformsText(n))
		}
	}
	return tw.Flush()
}

// platformsText shows declared platforms, else what the daemon reports.
func platformsText(n builder.NodeInfo) string {
	if len(n.Declared) > 0 {
		return strings.Join(n.Declared, ", ")
	}
	return strings.Join(n.Reported, ", ")
}

func newBuildersInspect() *cobra.Command {
	sf := specFlags{optional: true}
	var bootstrap bool
	var format string
	cmd := &cobra.Command{
		Use:               "inspect [NAME]",
		ValidArgsFunction: completeBuilders,
		Short:             "Show a builder's nodes (the default builder without NAME): status, platforms, BuildKit version, worker labels",
		Args:              cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			s, err := loadWithBuilder(cmd, &sf, name)
			if err != nil {
				return err
			}
			if name == "" {
				name = defaultBuilder(s)
			}
			info, err := builder.Describe(cmd.Context(), plan.BuildersOf(s), name, bootstrap)
			if err != nil {
				return &exitError{code: exitSpec, msg: err.Error()}
			}
			info.Default = info.Name == defaultBuilder(s)
			if format == "json" {
				err = writeJSON(cmd.OutOrStdout(), info)
			} else {
				writeInspect(cmd.OutOrStdout(), info)
			}
			if err != nil {
				return err
			}
			// --bootstrap asked for a running builder: one that did not
			// start is a failure, as in buildx (the output says why).
			if bootstrap {
				for _, n := range info.Nodes {
					if n.Status != builder.StatusRunning {
						return &exitError{code: exitSpec, msg: fmt.Sprintf("builder %s: node %s did not start: %s", info.Name, n.Name, n.Error)}
					}
				}
			}
			return nil
		},
	}
	sf.registerFiles(cmd)
	cmd.Flags().BoolVar(&bootstrap, "bootstrap", false, "start a local builder's daemon, or create and start a docker-container builder's container, if it is not running")
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

func writeInspect(w io.Writer, b builder.BuilderInfo) {
	fmt.Fprintf(w, "Name:    %s\nDriver:  %s\nDefault: %t\n", b.Name, b.Driver, b.Default)
	for _, n := range b.Nodes {
		fmt.Fprintf(w, "\nNode:      %s\nEndpoint:  %s\nStatus:    %s\n", n.Name, n.Endpoint, n.Status)
		if n.Error != "" {
			fmt.Fprintf(w, "Error:     %s\n", n.Error)
		}
		if len(n.Declared) > 0 {
			fmt.Fprintf(w, "Declared:  %s\n", strings.Join(n.Declared, ", "))
		}
		if len(n.Reported) > 0 {
			fmt.Fprintf(w, "Platforms: %s\n", strings.Join(n.Reported, ", "))
		}
		if n.Version != "" {
			fmt.Fprintf(w, "BuildKit:  %s\n", n.Version)
		}
		if n.Capacity > 0 {
			fmt.Fprintf(w, "Capacity:  %d builds at once (max-parallelism)\n", n.Capacity)
		}
		if n.Status == builder.StatusRunning {
			fmt.Fprintf(w, "Busy:      %d builds running (in its history), %d cache records in use\n", n.Running, n.InUse)
		}
		if len(n.Labels) > 0 {
			fmt.Fprintln(w, "Labels:")
			for _, k := range slices.Sorted(maps.Keys(n.Labels)) {
				fmt.Fprintf(w, "  %s = %s\n", k, n.Labels[k])
			}
		}
	}
}

// loadWithBuilder loads the spec and checks that it has the builder a
// command names (a usage error otherwise).
func loadWithBuilder(cmd *cobra.Command, sf *specFlags, name string) (*spec.Spec, error) {
	s, err := sf.load(cmd.InOrStdin(), cmd.ErrOrStderr())
	if err != nil {
		return nil, err
	}
	names := builder.Names(plan.BuildersOf(s))
	if name != "" && !slices.Contains(names, name) {
		return nil, usageErrorf("no builder named %q; the spec has %s", name, strings.Join(names, ", "))
	}
	return s, nil
}

// newBuildersStop makes "stop" and, with remove, "rm".
func newBuildersStop(remove bool) *cobra.Command {
	sf := specFlags{optional: true}
	var keepState bool
	use, short := "stop NAME", "Stop a local or docker-container builder's daemon (the next build starts it again)"
	if remove {
		use, short = "rm NAME", "Stop a local builder's daemon and delete its state and cache (a docker-container builder's container and volume)"
	}
	cmd := &cobra.Command{
		Use:               use,
		Short:             short,
		ValidArgsFunction: completeBuilders,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("%s needs the name of one builder (xbake builders ls lists them), for example: xbake builders %s local", cmd.CommandPath(), cmd.Name())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if remove {
				// An orphaned container (its builder left the spec, or
				// its configuration changed) is removed by its builder's
				// or its own name.
				if done, err := removeOrphans(cmd, &sf, args[0]); done || err != nil {
					return err
				}
			}
			s, err := loadWithBuilder(cmd, &sf, args[0])
			if err != nil {
				return err
			}
			d, err := builder.For(plan.BuildersOf(s), args[0])
			if err != nil {
				return &exitError{code: exitSpec, msg: err.Error()}
			}
			switch d := d.(type) {
			case *builder.Local:
				if err := d.Stop(); err != nil {
					return &exitError{code: exitSpec, msg: err.Error()}
				}
				if remove && !keepState {
					if err := d.RemoveState(); err != nil {
						return &exitError{code: exitSpec, msg: err.Error()}
					}
				}
			case *builder.Container:
				err := d.Stop(cmd.Context())
				if remove {
					err = d.Remove(cmd.Context(), keepState)
				}
				if err != nil {
					return &exitError{code: exitSpec, msg: err.Error()}
				}
			default:
				return usageErrorf("builder %q is remote: xbake does not run its daemons, so it cannot stop them", args[0])
			}
			fmt.Fprintln(cmd.OutOrStdout(), args[0])
			return nil
		},
	}
	sf.registerFiles(cmd)
	if remove {
		cmd.Flags().BoolVar(&keepState, "keep-state", false, "keep the daemon's state directory or volume (its build cache)")
	}
	return cmd
}

// removeOrphans removes this project's orphaned containers that name
// (as builder or container) is: done reports whether there were any and
// name is no declared builder.
func removeOrphans(cmd *cobra.Command, sf *specFlags, name string) (done bool, err error) {
	s, err := sf.load(cmd.InOrStdin(), cmd.ErrOrStderr())
	if err != nil {
		return false, err
	}
	builders := plan.BuildersOf(s)
	if slices.Contains(builder.Names(builders), name) {
		return false, nil
	}
	orphans, _ := builder.Orphans(cmd.Context(), builders, s.Root)
	for _, o := range orphans {
		if o.Builder != name && o.Name != name {
			continue
		}
		if err := o.Remove(cmd.Context()); err != nil {
			return true, &exitError{code: exitSpec, msg: fmt.Sprintf("removing %s: %v", o.Name, err)}
		}
		fmt.Fprintln(cmd.OutOrStdout(), o.Name)
		done = true
	}
	return done, nil
}

// newBuildersPrune removes this project's orphaned containers.
func newBuildersPrune() *cobra.Command {
	sf := specFlags{optional: true}
	var all bool
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Remove this project's orphaned docker-container builders (builders ls marks them) and their volumes; one that is building only with --all",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := sf.load(cmd.InOrStdin(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			orphans, err := builder.Orphans(cmd.Context(), plan.BuildersOf(s), s.Root)
			if err != nil {
				return &exitError{code: exitSpec, msg: err.Error()}
			}
			failed := false
			for _, o := range orphans {
				if !all && o.Busy(cmd.Context()) {
					fmt.Fprintf(cmd.ErrOrStderr(), "xbake: %s (builder %s) is building for another run: left (--all removes it anyway)\n", o.Name, o.Builder)
					continue
				}
				if err := o.Remove(cmd.Context()); err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "xbake: removing %s: %v\n", o.Name, err)
					failed = true
					continue
				}
				fmt.Fprintln(cmd.OutOrStdout(), o.Name)
			}
			if failed {
				return &exitError{code: exitSpec}
			}
			return nil
		},
	}
	sf.registerFiles(cmd)
	cmd.Flags().BoolVar(&all, "all", false, "also remove orphans that are building for another run")
	return cmd
}
