package exec

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/xbake/xbake/internal/builder"
	"github.com/xbake/xbake/internal/exec/display"
	"github.com/xbake/xbake/internal/exec/outputs"
	"github.com/xbake/xbake/internal/exec/result"
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
	solver solver
}

// Clients connects to the nodes of a builder.
type Clients interface {
	Nodes(ctx context.Context, builder string) ([]builder.NodeClient, error)
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

// job is the state of one target during a run.
type job struct {
	node *plan.Node
	res  *TargetResult
	// platforms to build, as the plan decided (plan.Node.Platforms).
	platforms []string
	// inputs is closed once the result is available to the targets that
	// use it as a context (or it failed); states then holds it.
	inputs chan struct{}
	states *contextInput
	// done is closed when the target has finished, outputs included.
	done chan struct{}
	ok   bool
	// users counts the targets that still have to use this result as a
	// context; the build is kept alive until they have.
	users     sync.WaitGroup
	userCount int
	// digest is what the run compares with the record of the last build
	// and records: the plan's input digest, with --skip-unchanged folded
	// with what its remote inputs name now (foldDigests); "" to build
	// whatever the record says.
	digest string
	// skip is set for a target up to date with its record; addTags are
	// the tags its existing image still needs.
	skip    bool
	addTags []outputs.PendingTag
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
	r.outer = ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.cancel = cancel
	outputs.RecoverPublishes(ctx, r.say) // an earlier run's publish first, whatever this one builds
	if opts.SkipUnchanged {
		r.foldDigests(ctx)
		r.decideSkips(ctx)
	}
	started := time.Now()
	names := make([]string, len(r.order))
	for i, j := range r.order {
		names[i] = j.node.Name
	}
	display := r.progress.Start(ctx, names)
	var wg sync.WaitGroup
	for _, j := range r.order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.runJob(ctx, j)
		}()
	}
	wg.Wait()
	r.progress.Stop(display)
	res := &Result{Started: started, Jobs: opts.Jobs}
	for _, j := range r.order {
		res.Targets = append(res.Targets, j.res)
	}
	r.mu.Lock()
	pending := r.pending
	r.mu.Unlock()
	outputs.Publish(context.WithoutCancel(ctx), res, pending)
	res.Finished = time.Now()
	if opts.StateFile != "" {
		digests := map[string]string{}
		for _, j := range r.order {
			digests[j.node.Name] = j.digest
		}
		if err := writeState(opts.StateFile, res, digests); err != nil {
			// The builds happened: keep their results, and say what was lost.
			res.StateErr = fmt.Errorf("writing the state file %s: %w; the next --skip-unchanged run rebuilds what this one built", opts.StateFile, err)
		}
	}
	return res, nil
}

// preflight refuses a run that could only fail at its end: loading into
// Docker when no Docker engine answers.
func preflight(p *plan.Plan) error {
	for _, n := range p.Nodes {
		for _, o := range n.Outputs {
			if o.Loads() {
				if err := outputs.DockerAnswers(); err != nil {
					return fmt.Errorf("target %s: %w", n.Name, err)
				}
			}
		}
	}
	return nil
}

// solver builds one target once the scheduler let it start: the only
// part of a run that talks to a builder. A target with users calls
// runner.share when its result exists; releaseSlot gives the --jobs slot
// back early (share does it).
type solver interface {
	solve(ctx context.Context, r *runner, j *job, releaseSlot func()) error
}

// runner holds the state of one Run.
type runner struct {
	solver   solver
	opts     Options
	clients  Clients
	jobs     map[string]*job
	order    []*job
	sem      chan struct{} // one token per running build
	progress *display.Progress
	cancel   context.CancelFunc // fail-fast: cancels every build
	outer    context.Context    // the caller's context: done on interrupt

	sayMu   sync.Mutex // one line at a time from say
	mu      sync.Mutex // guards pending, failure and busy
	pending []outputs.PendingTag
	failure string         // the first failure, for messages
	busy    map[string]int // running builds per "builder/node"
}

func newRunner(p *plan.Plan, clients Clients, opts Options) (*runner, error) {
	r := &runner{solver: opts.solver, opts: opts, clients: clients, jobs: map[string]*job{}, sem: make(chan struct{}, opts.Jobs), busy: map[string]int{}}
	if r.solver == nil {
		r.solver = buildkitSolver{}
	}
	for _, n := range p.Nodes {
		j := &job{node: n, res: &TargetResult{Name: n.Name}, inputs: make(chan struct{}), done: make(chan struct{}),
			platforms: n.Platforms, digest: n.InputDigest}
		r.jobs[n.Name] = j
		r.order = append(r.order, j)
	}
	for _, j := range r.order {
		for _, e := range j.node.Needs {
			if e.Kind == plan.ContextEdge {
				r.jobs[e.To.Name].users.Add(1)
				r.jobs[e.To.Name].userCount++
			}
		}
	}
	var err error
	r.progress, err = display.New(opts.Progress, opts.ProgressOut)
	return r, err
}

// runJob waits for what the target needs, builds it, and records the
// outcome. Every path closes inputs and done and releases the parents.
func (r *runner) runJob(ctx context.Context, j *job) {
	// Deferred first, so it runs last: fail-fast cancels the others only
	// once this target is done, so that those waiting for it see a
	// failure (and report themselves skipped), not a cancellation.
	defer func() {
		if j.res.Status == Failed && !r.opts.KeepGoing {
			r.cancel()
		}
	}()
	defer close(j.done)
	defer r.closeInputs(j)
	defer r.releaseParents(j)
	defer func() {
		j.res.Finished = time.Now()
		r.progress.SetPhase(j.node.Name, string(j.res.Status))
	}()
	for _, e := range j.node.Needs {
		parent := r.jobs[e.To.Name]
		wait := parent.done
		if e.Waits == plan.WaitResult {
			wait = parent.inputs
		}
		select {
		case <-wait:
		case <-ctx.Done():
			select {
			case <-wait: // finished too: report what happened to it
			default:
				r.cancelled(j, ctx)
				return
			}
		}
		if reason := unusable(parent, e.Waits); reason != "" {
			j.res.Status, j.res.Reason, j.res.Cause = Skipped, reason, parent.res.Cause
			if parent.res.Status == Failed {
				j.res.Cause = parent.node.Name
			}
			return
		}
	}
	j.res.Ready = time.Now()
	if j.skip {
		j.ok, j.res.Status = true, UpToDate
		j.res.Reason = "inputs unchanged since the recorded build"
		r.mu.Lock()
		r.pending = append(r.pending, j.addTags...)
		r.mu.Unlock()
		return
	}
	r.progress.SetPhase(j.node.Name, "queued")
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		r.cancelled(j, ctx)
		return
	}
	j.res.Started = time.Now()
	r.progress.SetPhase(j.node.Name, "building")
	var slotOnce sync.Once
	releaseSlot := func() { slotOnce.Do(func() { <-r.sem }) }
	err := r.solver.solve(ctx, r, j, releaseSlot)
	releaseSlot()
	j.res.Duration = time.Since(j.res.Started)
	r.progress.Fill(j.res)
	switch {
	case err == nil:
		j.ok = true
		j.res.Status = Built
		if j.res.TotalSteps > 0 && j.res.CachedSteps == j.res.TotalSteps {
			j.res.Status = Cached
		}
	case r.interrupted() || (ctx.Err() != nil && !r.isFirstFailure(j)):
		r.cancelled(j, ctx)
	default:
		j.res.Status, j.res.Err = Failed, err
		r.failed(j)
	}
}

func (r *runner) interrupted() bool { return r.outer.Err() != nil }

func (r *runner) cancelled(j *job, _ context.Context) {
	j.res.Status = Cancelled
	j.res.Reason = "the run was interrupted"
	r.mu.Lock()
	if r.failure != "" && !r.interrupted() {
		j.res.Reason = "fail-fast after " + r.failure + " failed (use --keep-going to build the rest)"
		j.res.Cause = r.failure
	}
	r.mu.Unlock()
}

// failed records the first failure (runJob then cancels the rest,
// without --keep-going).
func (r *runner) failed(j *job) {
	r.mu.Lock()
	if r.failure == "" {
		r.failure = j.node.Name
	}
	r.mu.Unlock()
}

func (r *runner) isFirstFailure(j *job) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failure == "" || r.failure == j.node.Name
}

// unusable says why a parent's outcome stops j, or "". A context user
// looks only at the published result: the parent may still be running
// (waiting for its users), so its status is not read unless it published
// nothing, which it does only after setting its status.
func unusable(parent *job, waits plan.Wait) string {
	if waits == plan.WaitResult {
		if parent.states != nil {
			return ""
		}
	} else if parent.ok {
		return ""
	}
	switch parent.res.Status {
	case Skipped, Cancelled:
		return fmt.Sprintf("%s was %s", parent.node.Name, parent.res.Status)
	case UpToDate:
		return ""
	}
	return fmt.Sprintf("%s %s", parent.node.Name, parent.res.Status)
}

// closeInputs makes sure users of j stop waiting, even if j never
// published a result.
func (r *runner) closeInputs(j *job) {
	select {
	case <-j.inputs:
	default:
		close(j.inputs)
	}
}

// share hands j's result to the targets that use it as a context, then
// keeps j's build (and so its result) alive until they have used it. The
// --jobs slot is given back while waiting, so that users can run even
// with --jobs 1.
func (r *runner) share(ctx context.Context, j *job, in *contextInput, releaseSlot func()) error {
	j.states = in
	j.res.Shared = time.Now()
	r.progress.SetPhase(j.node.Name, "serving")
	close(j.inputs)
	releaseSlot()
	waited := make(chan struct{})
	go func() { j.users.Wait(); close(waited) }()
	select {
	case <-waited:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// releaseParents tells the targets j used as contexts that j is done
// with them.
func (r *runner) releaseParents(j *job) {
	for _, e := range j.node.Needs {
		if e.Kind == plan.ContextEdge {
			r.jobs[e.To.Name].users.Done()
		}
	}
}

func (r *runner) addPending(tags []outputs.PendingTag, digest string) {
	if len(tags) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range tags {
		t.Tag = t.Tag + "@" + digest // remembered with the digest to tag
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
