package exec

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	"github.com/xbake/xbake/internal/builder"
	"github.com/xbake/xbake/internal/exec/display"

	"github.com/xbake/xbake/internal/exec/outputs"
	"github.com/xbake/xbake/internal/exec/result"
	"github.com/xbake/xbake/internal/exec/schedule"
	"github.com/xbake/xbake/internal/plan"
)

// PushMode says when pushed images get their tags.
type PushMode string

const (
	// PushAtomic pushes by digest during the build and creates every tag
	// only once all selected targets have built: a failure publishes
	// nothing.
	PushAtomic PushMode = "atomic"
	// PushEager pushes with tags as each target finishes, as bake does.
	PushEager PushMode = "eager"
)

// DefaultJobs is how many builds run at once unless --jobs says. BuildKit
// schedules the steps of concurrent builds itself, so a low limit only
// idles the daemon while steps wait on I/O, the network or a sleep: on 2
// cores (bench/run.sh, 100 targets with a one-second step each) 4 jobs
// took 35 s cold, 16 took 12 s, 32 and 64 took 9 s, and no limit took
// 10 s with slower warm runs. The limit stays to keep thousands of
// sessions (each with its file transfers) from opening at once.
func DefaultJobs() int { return 32 }

// Options control a run.
type Options struct {
	Jobs      int
	KeepGoing bool
	PushMode  PushMode
	// Progress is the display mode: auto, tty, plain, rawjson or quiet.
	Progress string
	// ProgressOut receives the progress display (stderr).
	ProgressOut io.Writer
	// Stdout receives outputs written to "-".
	Stdout io.Writer
	// Cwd is where relative paths in messages are shown from.
	Cwd string
	// SkipUnchanged skips targets whose inputs match the record of their
	// last successful build (skip.go).
	SkipUnchanged bool
	// StateFile records builds to files or the cache, for SkipUnchanged.
	StateFile string
	// History records every build in the builder's build history
	// (buildctl debug histories, docker buildx history); without it only
	// builds whose provenance the metadata reads back are recorded.
	History bool

	// solver replaces BuildKit in the scheduler's tests.
	solver func(*runner) schedule.Solver
}

// Clients connects to the nodes of a builder.
type Clients interface {
	Nodes(ctx context.Context, builder string) ([]builder.NodeClient, error)
	// LeftOut says which nodes of a builder did not join the run, and why.
	LeftOut(builder string) []builder.LeftOut
}

// The outcome types live in the leaf package result, so that the
// display and the command read them without importing the run.
type (
	Status       = result.Status
	TargetResult = result.TargetResult
	Step         = result.Step
	Result       = result.Result
	TagState     = result.TagState
)

const (
	Built     = result.Built
	Cached    = result.Cached
	Failed    = result.Failed
	Skipped   = result.Skipped
	Cancelled = result.Cancelled
	UpToDate  = result.UpToDate
)

// job is one target during a run: its task for the scheduler and what
// the BuildKit side needs beside it.
type job struct {
	task *schedule.Task
	node *plan.Node
	res  *TargetResult // task.Result
	// platforms to build, as the plan decided (plan.Node.Platforms).
	platforms []string
	// digest is what the run compares with the record of the last build
	// and records: the plan's input digest, with --skip-unchanged folded
	// with what its remote inputs name now (foldDigests); "" to build
	// whatever the record says.
	digest string
	// skip is set for a target up to date with its record; addTags are
	// the tags its existing image still needs.
	skip    bool
	addTags []outputs.PendingTag
	// skipResponse is the metadata of the image an up-to-date target
	// already has (skip.go registryRecord).
	skipResponse map[string]string
	// unused: a cache-only target skipped because every user of it is
	// up to date; it was not built, so no build of it is recorded.
	unused bool
}

// Run executes the plan. It returns when every target has finished; the
// error is for failures of the run itself, while target failures are in
// the result.
func Run(ctx context.Context, p *plan.Plan, clients Clients, opts Options) (*Result, error) {
	if opts.Jobs <= 0 {
		opts.Jobs = DefaultJobs()
	}
	if opts.PushMode == "" {
		opts.PushMode = PushAtomic
	}
	if err := preflight(p); err != nil {
		return nil, err
	}
	r, err := newRunner(p, clients, opts)
	if err != nil {
		return nil, err
	}
	ctx = builder.WithNotice(ctx, r.say)
	project := outputs.Project{Dir: workDir(), Files: p.FilePaths}
	outputs.RecoverPublishes(ctx, project, r.say) // an earlier run's publish first, whatever this one builds
	if opts.SkipUnchanged {
		r.foldDigests(ctx)
		r.decideSkips(ctx)
	}
	started := time.Now()
	names := make([]string, len(r.order))
	tasks := make([]*schedule.Task, len(r.order))
	for i, j := range r.order {
		names[i] = j.node.Name
		j.task.Skip = j.skip
		tasks[i] = j.task
	}
	display := r.progress.Start(ctx, names)
	schedule.Run(ctx, tasks, r.solver, schedule.Options{Jobs: opts.Jobs, KeepGoing: opts.KeepGoing, Phases: r.progress})
	r.progress.Stop(display)
	for _, j := range r.order {
		if j.res.Status == UpToDate {
			r.addPending(j.addTags, "")
			if j.skipResponse != nil {
				j.res.Response = j.skipResponse
				j.res.Digest = j.skipResponse[exptypes.ExporterImageDigestKey]
			}
		}
	}
	res := &Result{Started: started, Jobs: opts.Jobs}
	for _, j := range r.order {
		res.Targets = append(res.Targets, j.res)
	}
	r.mu.Lock()
	pending := r.pending
	r.mu.Unlock()
	outputs.Publish(context.WithoutCancel(ctx), project, res, pending)
	res.Finished = time.Now()
	if opts.StateFile != "" {
		digests := map[string]string{}
		for _, j := range r.order {
			if !j.unused {
				digests[j.node.Name] = j.digest
			}
		}
		if err := writeState(opts.StateFile, res, digests); err != nil {
			// The builds happened: keep their results, and say what was lost.
			res.StateErr = fmt.Errorf("writing the state file %s: %w; the next --skip-unchanged run rebuilds what this one built", opts.StateFile, err)
		}
	}
	return res, nil
}

// preflight refuses a run that could only fail at its end: loading into
// Docker when the engine does not answer. (A docker-driver builder is
// that engine: a run reaches it or fails at once.)
func preflight(p *plan.Plan) error {
	for _, n := range p.Nodes {
		for _, o := range n.Outputs {
			if o.Loads() && n.Driver != "docker" {
				if err := outputs.DockerAnswers(n.Engine); err != nil {
					return fmt.Errorf("target %s: %w", n.Name, err)
				}
			}
		}
	}
	return nil
}

// runner holds the state of one Run.
type runner struct {
	solver   schedule.Solver
	opts     Options
	clients  Clients
	jobs     map[string]*job
	order    []*job
	progress *display.Progress

	sayMu   sync.Mutex // one line at a time from say
	plan    *plan.Plan
	mu      sync.Mutex // guards pending, busy, lost, lostChanged, replaced and joined
	pending []outputs.PendingTag
	busy    map[string]int // running builds per "builder/node"
	// lost are the nodes ("builder/node") that went away during the run:
	// nothing more is sent to them.
	lost map[string]bool
	// lostChanged is closed, and replaced, when a node is marked lost.
	lostChanged chan struct{}
	// replaced is the failover placement of a pool per builder and set
	// of live nodes (failoverPlacement).
	replaced map[string]map[string]string
	// joined holds, per builder, the work done once when its nodes are
	// connected (joinNodes).
	joined map[string]*sync.Once
}

func newRunner(p *plan.Plan, clients Clients, opts Options) (*runner, error) {
	r := &runner{opts: opts, clients: clients, plan: p, jobs: map[string]*job{}, busy: map[string]int{}, lost: map[string]bool{}, lostChanged: make(chan struct{}), joined: map[string]*sync.Once{}}
	r.solver = buildkitSolver{r}
	if opts.solver != nil {
		r.solver = opts.solver(r)
	}
	for _, n := range p.Nodes {
		t := schedule.NewTask(n)
		j := &job{task: t, node: n, res: t.Result, platforms: n.Platforms, digest: n.InputDigest}
		r.jobs[n.Name] = j
		r.order = append(r.order, j)
	}
	var err error
	r.progress, err = display.New(opts.Progress, opts.ProgressOut)
	return r, err
}

func (r *runner) addPending(tags []outputs.PendingTag, digest string) {
	if len(tags) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range tags {
		if digest != "" { // else the tag already holds it
			t.Tag = t.Tag + "@" + digest // remembered with the digest to tag
		}
		r.pending = append(r.pending, t)
	}
}

// outputRequest is what outputs.Prepare needs of a job: byDigest for a
// part of a split build, toEngine on a Docker engine's BuildKit.
func (r *runner) outputRequest(j *job, byDigest, toEngine bool) outputs.Request {
	return outputs.Request{
		Node: j.node, Platforms: j.platforms, ByDigest: byDigest, ToEngine: toEngine,
		Eager:  r.opts.PushMode == PushEager,
		Record: func(attrs map[string]string, index bool) { r.recordAnnotations(attrs, j.digest, index) },
		Cwd:    r.opts.Cwd, Stdout: r.opts.Stdout,
	}
}

// say writes a line for the user beside the progress display: what the
// run waits for, what it cannot compare.
func (r *runner) say(format string, args ...any) {
	out := r.opts.ProgressOut
	if out == nil {
		out = os.Stderr
	}
	r.sayMu.Lock()
	defer r.sayMu.Unlock()
	fmt.Fprintf(out, format+"\n", args...)
}

// workDir is the directory the run works in, for the project's identity.
func workDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	return dir
}
