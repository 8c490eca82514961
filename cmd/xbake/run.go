package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/xbake/xbake/internal/builder"
	"github.com/xbake/xbake/internal/diag"
	"github.com/xbake/xbake/internal/exec"
	"github.com/xbake/xbake/internal/exec/display"
	"github.com/xbake/xbake/internal/plan"
	"github.com/xbake/xbake/internal/report"
)

// exitInterrupted is the exit code after Ctrl-C or SIGTERM.
const exitInterrupted = 130

type runOptions struct {
	spec          specFlags
	build         buildFlags
	jobs          int
	keepGoing     bool
	pushMode      string
	progress      string
	metadataFile  string
	reports       []string // --report: files for the run's report, .html or .json
	skipUnchanged bool
	stateFile     string
	history       bool   // --history: record every build in the builder's history
	print         bool   // as plan --print
	list          string // as plan --list
}

func newRunCommand() *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run [TARGET|GROUP|PATTERN...]",
		Short: "Build the selected targets on BuildKit",
		Long: `Plan the selected targets (as xbake plan does; errors stop the run), then
build them in parallel: each target starts as soon as what it waits for is
done, at most --jobs at once, on its builder (by default a local buildkitd
that xbake starts and reuses).

By default the first failure cancels the rest (--keep-going builds
everything whose dependencies succeeded), and pushes are all-or-nothing:
images are uploaded by digest while building and tagged only once every
target has built (--push-mode=eager tags each as it finishes, like bake).

Exit status: 0 all built, 1 a target failed or the plan has errors,
2 usage, 130 interrupted.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRun(cmd, &o, args)
		},
	}
	o.spec.register(cmd)
	o.build.register(cmd)
	fl := cmd.Flags()
	fl.IntVarP(&o.jobs, "jobs", "j", exec.DefaultJobs(), "how many targets build at once")
	fl.BoolVar(&o.keepGoing, "keep-going", false, "after a failure, go on building everything that does not depend on it")
	fl.StringVar(&o.pushMode, "push-mode", string(exec.PushAtomic), "atomic: tag pushed images only after every target built; eager: tag each as it finishes")
	fl.StringVar(&o.progress, "progress", envOr("BUILDKIT_PROGRESS", "auto"), "progress display: auto, tty, plain, rawjson, quiet, or none (bake's name for quiet)")
	fl.StringVar(&o.metadataFile, "metadata-file", "", "write the build results (digests, descriptors, image names) as JSON to this file")
	fl.StringArrayVar(&o.reports, "report", nil, "write a report of the run to this file: .html, a page with a timeline, the graph and every step, or .json, the same data (docs/report.md); repeatable")
	fl.BoolVar(&o.history, "history", os.Getenv("XBAKE_HISTORY") != "", "record every build in the builder's build history (docker buildx history, buildctl debug histories); off by default, since recording doubles the time of a cached run; also XBAKE_HISTORY=1")
	fl.BoolVar(&o.skipUnchanged, "skip-unchanged", false, "skip targets whose input digest matches their last successful build (recorded on pushed images, and in --state-file for other outputs)")
	fl.StringVar(&o.stateFile, "state-file", envOr("XBAKE_STATE_FILE", ""), "where to record builds to files or the cache for --skip-unchanged (for example .xbake/state.json, kept by CI between runs)")
	fl.BoolVar(&o.print, "print", false, "print the resolved targets as JSON and build nothing (as xbake plan --print, and bake)")
	fl.StringVar(&o.list, "list", "", "list \"targets\" or \"variables\" and build nothing (as xbake plan --list)")
	registerCompletions(cmd)
	return cmd
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func runRun(cmd *cobra.Command, o *runOptions, args []string) error {
	if o.print || o.list != "" { // bake's habit: bake --print builds nothing
		return runPlan(cmd, &planOptions{spec: o.spec, build: o.build, print: o.print, list: o.list, format: "text"}, args)
	}
	if o.progress == "none" { // bake's name for it
		o.progress = "quiet"
	}
	if o.pushMode != string(exec.PushAtomic) && o.pushMode != string(exec.PushEager) {
		return usageErrorf("--push-mode %q: use atomic or eager", o.pushMode)
	}
	if o.jobs < 1 {
		return usageErrorf("--jobs must be at least 1")
	}
	switch o.progress {
	case "auto", "tty", "plain", "rawjson", "quiet":
	default:
		return usageErrorf("--progress %q: use auto, tty, plain, rawjson, quiet or none", o.progress)
	}
	for _, path := range o.reports { // checked before anything builds
		if _, err := report.FormatOf(path); err != nil {
			return usageErrorf("%s", err)
		}
		if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
			return usageErrorf("--report %s: the directory %s does not exist", path, filepath.Dir(path))
		}
	}
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	// A tarball streamed to stdout is not a log: it bypasses the guard
	// against workflow commands.
	outputStdout := stdout
	if g, ok := stdout.(*diag.GitHubGuard); ok {
		outputStdout = g.Raw()
	}
	if err := o.build.grantReads(&o.spec, false); err != nil {
		return err
	}
	s, ok, err := o.spec.loadChecked(cmd.InOrStdin(), stderr)
	if !ok {
		if errors.Is(err, errSpec) {
			o.writeUnbuilt(stderr, nil, o.spec.diags)
		}
		return err
	}
	sel, selDiags := selectChecked(s, args, o.spec.diags)
	o.build.skipDigests = !o.skipUnchanged && o.stateFile == "" && !debugFlag
	o.build.remoteInputs = o.skipUnchanged
	p, planDiags, err := o.build.plan(cmd.Context(), s, sel)
	if err != nil {
		return err
	}
	diags := o.build.findings(s, o.spec.diags, selDiags, planDiags)
	annotate(stderr, diags)
	if p.Note != "" {
		fmt.Fprintln(stderr, p.Note)
	}
	if debugFlag {
		cwd, _ := os.Getwd()
		plan.WriteText(stderr, p, nil, plan.TextOptions{Cwd: cwd, Sources: s.Sources})
	}
	diag.Write(stderr, diags, s.Sources, colorOn(stderr)) // warnings are shown before building
	if diags.HasErrors() {
		o.writeUnbuilt(stderr, p, diags)
		return errChecked(args, selDiags)
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	clients := builder.NewClients(p.Builders)
	defer clients.Close()
	cwd, _ := os.Getwd()
	res, err := exec.Run(ctx, p, clients, exec.Options{
		Jobs: o.jobs, KeepGoing: o.keepGoing, PushMode: exec.PushMode(o.pushMode),
		Progress: o.progress, ProgressOut: stderr, Stdout: outputStdout, Cwd: cwd,
		SkipUnchanged: o.skipUnchanged, StateFile: o.stateFile, History: o.history,
	})
	if err != nil {
		return &exitError{code: exitSpec, msg: err.Error()}
	}
	saveHistory(cwd, res)
	summaryOut := stdout
	if writesToStdout(p) {
		summaryOut = stderr // stdout carries a tarball
	}
	if err := display.WriteSummary(summaryOut, res); err != nil {
		return err
	}
	reportFailures(stderr, p, res)
	annotateWarnings(stderr, p, res)
	if path := os.Getenv("GITHUB_STEP_SUMMARY"); path != "" {
		if err := display.AppendMarkdownSummary(path, res); err != nil {
			fmt.Fprintf(stderr, "xbake: warning: writing $GITHUB_STEP_SUMMARY: %v\n", err)
		}
	}
	if len(o.reports) > 0 {
		// A report of a failed run is the one people need most: it is
		// written whatever happened to the targets.
		r := report.FromRun(p, diags, res)
		for _, path := range o.reports {
			if err := report.WriteFile(path, r); err != nil {
				return &exitError{code: exitSpec, msg: "writing --report: " + err.Error()}
			}
			fmt.Fprintf(stderr, "report: %s\n", path)
		}
	}
	if o.metadataFile != "" {
		if err := display.WriteMetadata(o.metadataFile, res); err != nil {
			return &exitError{code: exitSpec, msg: "writing --metadata-file: " + err.Error()}
		}
	}
	switch {
	case ctx.Err() != nil: // only a signal cancels it
		return &exitError{code: exitInterrupted, msg: "interrupted"}
	case res.Failed():
		return errSpec
	}
	return nil
}

// writeUnbuilt writes the --report and --metadata-file of a run that
// stopped before building, so that a CI step that uploads them whatever
// happened finds them: the report shows the plan (if there is one) and
// its errors; the metadata says of each target that it was not built.
func (o *runOptions) writeUnbuilt(stderr io.Writer, p *plan.Plan, diags hcl.Diagnostics) {
	if p == nil {
		p = &plan.Plan{}
	}
	if len(o.reports) > 0 {
		r := report.FromPlan(p, diags, time.Now())
		for _, path := range o.reports {
			if err := report.WriteFile(path, r); err != nil {
				fmt.Fprintf(stderr, "xbake: writing --report: %v\n", err)
				continue
			}
			fmt.Fprintf(stderr, "report: %s\n", path)
		}
	}
	if o.metadataFile != "" {
		if err := display.WriteUnbuiltMetadata(o.metadataFile, p, "the plan has errors: nothing was built"); err != nil {
			fmt.Fprintf(stderr, "xbake: writing --metadata-file: %v\n", err)
		}
	}
}

// writesToStdout reports whether an output streams to stdout ("-").
func writesToStdout(p *plan.Plan) bool {
	for _, n := range p.Nodes {
		for _, o := range n.Outputs {
			if o.Dest == "-" {
				return true
			}
		}
	}
	return false
}
