package schedule

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/xbake/xbake/internal/exec/result"
	"github.com/xbake/xbake/internal/plan"
)

// Task is one target of a run.
type Task struct {
	Node   *plan.Node
	Result *result.TargetResult
	// Skip marks a target found up to date before the run: it ends up to
	// date without a build, unless something it waits for fails.
	Skip bool

	// inputs is closed once the result is available to the targets that
	// use it as a context (or it failed); shared then holds it.
	inputs chan struct{}
	shared any
	// done is closed when the target has finished, outputs included.
	done chan struct{}
	ok   bool
	// users counts the targets that still have to use this result as a
	// context; the build is kept alive until they have.
	users     sync.WaitGroup
	userCount int
}

// NewTask makes the task of a plan node.
func NewTask(n *plan.Node) *Task {
	return &Task{Node: n, Result: &result.TargetResult{Name: n.Name}, inputs: make(chan struct{}), done: make(chan struct{})}
}

// Users is how many targets use this one's result as a context.
func (t *Task) Users() int { return t.userCount }

// Shared is what the task handed its users with Build.Share, or nil.
// A user reads it only once the scheduler started it, which waits for
// the share.
func (t *Task) Shared() any { return t.shared }

// Solver builds one target once the scheduler let it start. It calls
// Build.Share when the target has users and its result exists.
type Solver interface {
	Solve(ctx context.Context, b *Build) error
}

// Phases is told where each target is: waiting, queued, building,
// serving, then its status. A display implements it.
type Phases interface {
	SetPhase(target, phase string)
}

// Options bound a run.
type Options struct {
	Jobs      int  // builds at once
	KeepGoing bool // without it, the first failure cancels the rest
	Phases    Phases
}

// Build is a started task, as its solver gets it.
type Build struct {
	Task     *Task
	sched    *scheduler
	slotOnce sync.Once
}

// ReleaseSlot gives the --jobs slot back early; calling it again does
// nothing.
func (b *Build) ReleaseSlot() { b.slotOnce.Do(func() { <-b.sched.sem }) }

// Share hands the result to the targets that use it as a context, then
// waits until they have all used it (or ctx ends), with the --jobs slot
// given back meanwhile.
func (b *Build) Share(ctx context.Context, value any) error {
	t := b.Task
	t.shared = value
	t.Result.Shared = time.Now()
	b.sched.phase(t, "serving")
	close(t.inputs)
	b.ReleaseSlot()
	return b.WaitUsers(ctx)
}

// WaitUsers waits until every user of the shared result has used it (or
// ctx ends). A target built again after its node was lost, whose users
// read its new result through what it shared first, waits here again.
func (b *Build) WaitUsers(ctx context.Context) error {
	waited := make(chan struct{})
	go func() { b.Task.users.Wait(); close(waited) }()
	select {
	case <-waited:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type scheduler struct {
	opts   Options
	solver Solver
	tasks  map[string]*Task
	sem    chan struct{} // one token per running build
	cancel context.CancelFunc
	outer  context.Context // the caller's: done on interrupt

	mu      sync.Mutex
	failure string // the first failure, for messages
}

// Run builds every task, each as soon as what it waits for is done, and
// returns when all have finished; each task's Result says how it ended.
// A task's Node.Needs must name only nodes among tasks.
func Run(ctx context.Context, tasks []*Task, solver Solver, opts Options) {
	if opts.Jobs <= 0 {
		opts.Jobs = 1
	}
	s := &scheduler{opts: opts, solver: solver, tasks: map[string]*Task{}, sem: make(chan struct{}, opts.Jobs), outer: ctx}
	for _, t := range tasks {
		s.tasks[t.Node.Name] = t
	}
	for _, t := range tasks {
		for _, e := range t.Node.Needs {
			if e.Kind == plan.ContextEdge {
				s.tasks[e.To.Name].users.Add(1)
				s.tasks[e.To.Name].userCount++
			}
		}
		s.phase(t, "waiting")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.cancel = cancel
	var wg sync.WaitGroup
	for _, t := range tasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.run(ctx, t)
		}()
	}
	wg.Wait()
}

func (s *scheduler) phase(t *Task, phase string) {
	if s.opts.Phases != nil {
		s.opts.Phases.SetPhase(t.Node.Name, phase)
	}
}

// run waits for what the task needs, builds it, and records the
// outcome. Every path closes inputs and done and releases the parents.
func (s *scheduler) run(ctx context.Context, t *Task) {
	res := t.Result
	// Deferred first, so it runs last: fail-fast cancels the others only
	// once this target is done, so that those waiting for it see a
	// failure (and report themselves skipped), not a cancellation.
	defer func() {
		if res.Status == result.Failed && !s.opts.KeepGoing {
			s.cancel()
		}
	}()
	defer close(t.done)
	defer s.closeInputs(t)
	defer s.releaseParents(t)
	defer func() {
		res.Finished = time.Now()
		s.phase(t, string(res.Status))
	}()
	if !s.waitForParents(ctx, t) {
		return
	}
	res.Ready = time.Now()
	if t.Skip {
		t.ok, res.Status = true, result.UpToDate
		res.Reason = "inputs unchanged since the recorded build"
		return
	}
	s.phase(t, "queued")
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		s.cancelled(t)
		return
	}
	res.Started = time.Now()
	s.phase(t, "building")
	b := &Build{Task: t, sched: s}
	err := s.solver.Solve(ctx, b)
	b.ReleaseSlot()
	res.Duration = time.Since(res.Started)
	if t.shared != nil && t.Node.CacheOnly() {
		// Its time is its build's, not the wait for its users.
		res.Duration = res.Shared.Sub(res.Started)
	}
	switch {
	case err == nil || ctx.Err() != nil && t.shared != nil && t.Node.CacheOnly():
		// A linked base whose users' wait was cut short (fail-fast, an
		// interrupt) had finished every step and handed its result over:
		// it built.
		t.ok = true
		res.Status = result.Built
		if res.TotalSteps > 0 && res.CachedSteps == res.TotalSteps {
			res.Status = result.Cached
		}
	case s.interrupted() || (ctx.Err() != nil && !s.isFirstFailure(t)):
		s.cancelled(t)
	default:
		res.Status, res.Err = result.Failed, err
		s.failed(t)
	}
}

// waitForParents waits for each parent's result or end, as the edge
// says; false when the task cannot go on (and its status says why).
func (s *scheduler) waitForParents(ctx context.Context, t *Task) bool {
	for _, e := range t.Node.Needs {
		parent := s.tasks[e.To.Name]
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
				s.cancelled(t)
				return false
			}
		}
		if reason := unusable(parent, e.Waits); reason != "" {
			t.Result.Status, t.Result.Reason, t.Result.Cause = result.Skipped, reason, parent.Result.Cause
			if parent.Result.Status == result.Failed {
				t.Result.Cause = parent.Node.Name
			}
			return false
		}
	}
	return true
}

func (s *scheduler) interrupted() bool { return s.outer.Err() != nil }

func (s *scheduler) cancelled(t *Task) {
	t.Result.Status = result.Cancelled
	t.Result.Reason = "the run was interrupted"
	s.mu.Lock()
	if s.failure != "" && !s.interrupted() {
		t.Result.Reason = "fail-fast after " + s.failure + " failed (use --keep-going to build the rest)"
		t.Result.Cause = s.failure
	}
	s.mu.Unlock()
}

// failed records the first failure (run then cancels the rest, without
// --keep-going).
func (s *scheduler) failed(t *Task) {
	s.mu.Lock()
	if s.failure == "" {
		s.failure = t.Node.Name
	}
	s.mu.Unlock()
}

func (s *scheduler) isFirstFailure(t *Task) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failure == "" || s.failure == t.Node.Name
}

// unusable says why a parent's outcome stops its user, or "". A context
// user looks only at the shared result: the parent may still be running
// (waiting for its users), so its status is not read unless it shared
// nothing, which it does only after setting its status.
func unusable(parent *Task, waits plan.Wait) string {
	if waits == plan.WaitResult {
		if parent.shared != nil {
			return ""
		}
	} else if parent.ok {
		return ""
	}
	switch parent.Result.Status {
	case result.Skipped, result.Cancelled:
		return fmt.Sprintf("%s was %s", parent.Node.Name, parent.Result.Status)
	case result.UpToDate:
		return ""
	}
	return fmt.Sprintf("%s %s", parent.Node.Name, parent.Result.Status)
}

// closeInputs makes sure users of t stop waiting, even if t never
// shared a result.
func (s *scheduler) closeInputs(t *Task) {
	select {
	case <-t.inputs:
	default:
		close(t.inputs)
	}
}

// releaseParents tells the targets t used as contexts that it is done
// with them.
func (s *scheduler) releaseParents(t *Task) {
	for _, e := range t.Node.Needs {
		if e.Kind == plan.ContextEdge {
			s.tasks[e.To.Name].users.Done()
		}
	}
}
