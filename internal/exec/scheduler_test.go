package exec

// The scheduler without BuildKit: a fake solver builds each target for a
// random moment and fails some, and the properties every run must have
// are checked on a thousand random graphs.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xbake/xbake/internal/exec/display"
	"github.com/xbake/xbake/internal/exec/outputs"
	"github.com/xbake/xbake/internal/exec/schedule"
	"github.com/xbake/xbake/internal/plan"
	"github.com/xbake/xbake/spec"
)

// step is what the fake does for one target.
type step struct {
	d    time.Duration
	fail bool
}

// fakeSolver builds targets by waiting a moment; it shares results with
// their users as the real one does.
type fakeSolver struct {
	steps map[string]step
	// block, when set, holds every build until the context ends.
	block bool

	mu         sync.Mutex // guards the fields below
	running    int
	maxRunning int
	started    map[string]bool
	returned   map[string]bool
	shared     map[string]bool // handed its result to its users
}

func newFake(steps map[string]step) *fakeSolver {
	return &fakeSolver{steps: steps, started: map[string]bool{}, returned: map[string]bool{}, shared: map[string]bool{}}
}

func (f *fakeSolver) Solve(ctx context.Context, b *schedule.Build) error {
	name := b.Task.Node.Name
	f.mu.Lock()
	f.started[name] = true
	f.running++
	f.maxRunning = max(f.maxRunning, f.running)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.returned[name] = true
		f.mu.Unlock()
	}()
	leave := func() {
		f.mu.Lock()
		f.running--
		f.mu.Unlock()
	}
	s := f.steps[name]
	wait := time.After(s.d)
	if f.block {
		wait = nil
	}
	select {
	case <-wait:
	case <-ctx.Done():
		leave()
		return ctx.Err()
	}
	leave()
	if s.fail {
		return errors.New("injected failure")
	}
	if b.Task.Users() > 0 {
		f.mu.Lock()
		f.shared[name] = true
		f.mu.Unlock()
		return b.Share(ctx, &contextInput{})
	}
	return nil
}

// randomSpec writes n targets, each using up to three earlier ones as a
// context, in depends_on, or both.
func randomSpec(rng *rand.Rand, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "target \"t%d\" {\n  dockerfile-inline = \"FROM scratch\"\n  output = [\"type=cacheonly\"]\n", i)
		var contexts, deps []string
		for range rng.IntN(3) {
			if i == 0 {
				break
			}
			p := rng.IntN(i)
			switch rng.IntN(4) {
			case 0, 1:
				contexts = append(contexts, fmt.Sprintf("c%d = \"target:t%d\"", p, p))
			case 2:
				deps = append(deps, fmt.Sprintf("\"t%d\"", p))
			default:
				contexts = append(contexts, fmt.Sprintf("c%d = \"target:t%d\"", p, p))
				deps = append(deps, fmt.Sprintf("\"t%d\"", p))
			}
		}
		if len(contexts) > 0 {
			fmt.Fprintf(&b, "  contexts = { %s }\n", strings.Join(contexts, ", "))
		}
		if len(deps) > 0 {
			fmt.Fprintf(&b, "  depends_on = [%s]\n", strings.Join(deps, ", "))
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// planOf loads src and plans every target; ok is false when the plan has
// errors (a graph that cannot run, such as a cycle through a keep-alive).
func planOf(t *testing.T, dir, src string) (*plan.Plan, bool) {
	t.Helper()
	os.WriteFile(filepath.Join(dir, "xbuild.hcl"), []byte(src), 0o644)
	s, diags := spec.Load(spec.Options{Dir: dir, Files: []string{"xbuild.hcl"}, LookupEnv: func(string) (string, bool) { return "", false }})
	if diags.HasErrors() {
		t.Fatalf("%s\n%s", diags.Error(), src)
	}
	sel, _ := s.Select(nil)
	p, diags := plan.New(s, sel, plan.Options{SkipDigests: true})
	return p, !diags.HasErrors()
}

// runFake runs p with the fake and fails the test if the run does not end.
func runFake(t *testing.T, ctx context.Context, p *plan.Plan, f schedule.Solver, opts Options) *Result {
	t.Helper()
	opts.Progress = "quiet"
	opts.solver = func(r *runner) schedule.Solver {
		if tf, ok := f.(*taggingFake); ok {
			tf.r = r
		}
		return f
	}
	type outcome struct {
		res *Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := Run(ctx, p, nil, opts)
		done <- outcome{res, err}
	}()
	select {
	case o := <-done:
		if o.err != nil {
			t.Fatal(o.err)
		}
		return o.res
	case <-time.After(20 * time.Second):
		t.Fatal("the run did not end within 20 s")
	}
	return nil
}

// TestSchedulerOnRandomGraphs: 1,000 random graphs of up to 50 targets,
// random failures and durations, fail-fast and --keep-going, --jobs from 1
// to 4.
func TestSchedulerOnRandomGraphs(t *testing.T) {
	// A new seed each run explores more graphs; the seed is printed on
	// failure, and XBAKE_TEST_SEED=N replays that run.
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("XBAKE_TEST_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("XBAKE_TEST_SEED=%q: %v", s, err)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replay with XBAKE_TEST_SEED=%d", seed)
		}
	})
	rng := rand.New(rand.NewPCG(1, seed))
	dir := t.TempDir()
	runs, refused := 0, 0
	for runs < 1000 {
		n := 1 + rng.IntN(50)
		src := randomSpec(rng, n)
		p, ok := planOf(t, dir, src)
		if !ok {
			refused++
			continue
		}
		steps := map[string]step{}
		for _, node := range p.Nodes {
			steps[node.Name] = step{d: time.Duration(rng.IntN(3)*rng.IntN(50)) * time.Microsecond, fail: rng.IntN(12) == 0}
		}
		opts := Options{Jobs: 1 + rng.IntN(4), KeepGoing: rng.IntN(2) == 0}
		f := newFake(steps)
		res := runFake(t, context.Background(), p, f, opts)
		if msg := checkRun(p, res, f, steps, opts); msg != "" {
			t.Fatalf("run %d (--jobs %d, keep-going %v): %s\n%s", runs, opts.Jobs, opts.KeepGoing, msg, src)
		}
		runs++
	}
	t.Logf("%d runs; %d graphs refused by the plan", runs, refused)
}

// checkRun checks the properties every run has.
func checkRun(p *plan.Plan, res *Result, f *fakeSolver, steps map[string]step, opts Options) string {
	status := map[string]Status{}
	for _, tr := range res.Targets {
		if _, dup := status[tr.Name]; dup {
			return "target " + tr.Name + " reported twice"
		}
		status[tr.Name] = tr.Status
	}
	if len(status) != len(p.Nodes) {
		return fmt.Sprintf("%d results for %d targets", len(status), len(p.Nodes))
	}
	if f.maxRunning > opts.Jobs {
		return fmt.Sprintf("%d builds ran at once with --jobs %d", f.maxRunning, opts.Jobs)
	}
	for name := range f.started {
		if !f.returned[name] {
			return name + " was never released"
		}
	}
	failed := false
	for _, n := range p.Nodes {
		st := status[n.Name]
		// What n waits for is there: a parent built, or, for a wait on
		// the result, a parent that handed its result over (fail-fast
		// may cancel it afterwards, while it waits for its users).
		parentsOK := true
		for _, e := range n.Needs {
			parentsOK = parentsOK && (status[e.To.Name] == Built || e.Waits == plan.WaitResult && f.shared[e.To.Name])
		}
		switch st {
		case Built:
			if !parentsOK {
				return n.Name + " built although something it waits for did not"
			}
			if steps[n.Name].fail {
				return n.Name + " built although it failed"
			}
		case Failed:
			failed = true
			if !steps[n.Name].fail {
				return n.Name + " failed on its own"
			}
		case Skipped:
			if parentsOK {
				return n.Name + " skipped although everything it waits for built"
			}
		case Cancelled:
			if opts.KeepGoing {
				return n.Name + " cancelled with --keep-going"
			}
		default:
			return fmt.Sprintf("%s ended %q", n.Name, st)
		}
		if opts.KeepGoing && st != Skipped && !parentsOK {
			return n.Name + " not skipped although something it waits for failed"
		}
		if opts.KeepGoing && parentsOK && st != Built && st != Failed {
			return fmt.Sprintf("%s %s with --keep-going although it could build", n.Name, st)
		}
	}
	if !opts.KeepGoing {
		for _, n := range p.Nodes {
			if status[n.Name] == Cancelled && !failed {
				return n.Name + " cancelled without a failure"
			}
		}
	}
	return ""
}

// An interrupt (Ctrl-C) cancels every build, and the run ends with each
// target cancelled or skipped, none failed.
func TestInterruptCancelsEveryBuild(t *testing.T) {
	p, _ := planOf(t, t.TempDir(), randomSpec(rand.New(rand.NewPCG(7, 7)), 30))
	f := newFake(map[string]step{})
	f.block = true
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for {
			f.mu.Lock()
			n := len(f.started)
			f.mu.Unlock()
			if n > 0 {
				cancel()
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	res := runFake(t, ctx, p, f, Options{Jobs: 4})
	for _, tr := range res.Targets {
		if tr.Status != Cancelled && tr.Status != Skipped {
			t.Errorf("%s: %s after an interrupt", tr.Name, tr.Status)
		}
		if tr.Status == Cancelled && tr.Reason != "the run was interrupted" {
			t.Errorf("%s: reason %q", tr.Name, tr.Reason)
		}
	}
}

// With --jobs 1, a target shares its result and gives its slot back, so
// its users can build while it waits for them.
func TestOneJobAndKeepAlive(t *testing.T) {
	src := "target \"p\" {\n  dockerfile-inline = \"FROM scratch\"\n  output = [\"type=cacheonly\"]\n}\n"
	for i := range 3 {
		src += fmt.Sprintf("target \"u%d\" {\n  dockerfile-inline = \"FROM base\"\n  contexts = { base = \"target:p\" }\n  depends_on = [\"p\"]\n  output = [\"type=cacheonly\"]\n}\n", i)
	}
	p, ok := planOf(t, t.TempDir(), src)
	if !ok {
		t.Fatal("plan refused")
	}
	f := newFake(map[string]step{})
	res := runFake(t, context.Background(), p, f, Options{Jobs: 1})
	for _, tr := range res.Targets {
		if tr.Status != Built {
			t.Errorf("%s: %s", tr.Name, tr.Status)
		}
	}
}

// An atomic push publishes no tag when a target failed: the pending tags
// point at a registry that does not exist, so any attempt would show.
func TestAtomicPushPublishesNothingOnFailure(t *testing.T) {
	p, _ := planOf(t, t.TempDir(), "target \"a\" {\n  dockerfile-inline = \"FROM scratch\"\n  output = [\"type=cacheonly\"]\n}\n"+
		"target \"b\" {\n  dockerfile-inline = \"FROM scratch\"\n  output = [\"type=cacheonly\"]\n}\n")
	f := &taggingFake{fakeSolver: newFake(map[string]step{"b": {fail: true}})}
	res := runFake(t, context.Background(), p, f, Options{Jobs: 2, KeepGoing: true})
	if len(res.Tags) != 0 || res.PublishErr != nil || res.Withheld == "" {
		t.Errorf("tags %v, publish error %v, withheld %q: want nothing tried and the reason said", res.Tags, res.PublishErr, res.Withheld)
	}
}

// taggingFake records a pending tag for each target it builds.
type taggingFake struct {
	*fakeSolver
	r *runner
}

func (f *taggingFake) Solve(ctx context.Context, b *schedule.Build) error {
	if err := f.fakeSolver.Solve(ctx, b); err != nil {
		return err
	}
	name := b.Task.Node.Name
	f.r.addPending([]outputs.PendingTag{{Target: name, Repo: "127.0.0.1:1/x", Tag: "127.0.0.1:1/x:" + name}}, "sha256:"+strings.Repeat("0", 64))
	return nil
}

// A state file that cannot be written keeps the run's results and says
// what was lost.
func TestStateFileFailureKeepsResults(t *testing.T) {
	p, _ := planOf(t, t.TempDir(), "target \"a\" {\n  dockerfile-inline = \"FROM scratch\"\n  output = [\"type=cacheonly\"]\n}\n")
	res := runFake(t, context.Background(), p, newFake(map[string]step{}), Options{Jobs: 1, StateFile: "/dev/null/state.json"})
	if res == nil || res.Targets[0].Status != Built {
		t.Fatalf("results lost: %+v", res)
	}
	if res.StateErr == nil || !strings.Contains(res.StateErr.Error(), "/dev/null/state.json") {
		t.Errorf("StateErr = %v", res.StateErr)
	}
	var b strings.Builder
	display.WriteSummary(&b, res)
	if !strings.Contains(b.String(), "warning: writing the state file") {
		t.Errorf("the summary does not say it:\n%s", b.String())
	}
}

// TestLinkedBaseThatFinishedIsBuilt: a base that built and handed its
// result to its users is built, not "cancelled", when fail-fast cuts its
// wait for them short after one user failed; its time is its own build's.
func TestLinkedBaseThatFinishedIsBuilt(t *testing.T) {
	src := "target \"base\" {\n  dockerfile-inline = \"FROM scratch\"\n  output = [\"type=cacheonly\"]\n}\n" +
		"target \"app\" {\n  dockerfile-inline = \"FROM base\"\n  contexts = { base = \"target:base\" }\n  output = [\"type=cacheonly\"]\n}\n" +
		"target \"slow\" {\n  dockerfile-inline = \"FROM base\"\n  contexts = { base = \"target:base\" }\n  output = [\"type=cacheonly\"]\n}\n"
	p, ok := planOf(t, t.TempDir(), src)
	if !ok {
		t.Fatal("plan refused")
	}
	f := newFake(map[string]step{"base": {d: 10 * time.Millisecond}, "app": {d: 300 * time.Millisecond, fail: true}, "slow": {d: 10 * time.Second}})
	res := runFake(t, context.Background(), p, f, Options{Jobs: 4})
	got := map[string]*TargetResult{}
	for _, tr := range res.Targets {
		got[tr.Name] = tr
	}
	if got["base"].Status != Built || got["app"].Status != Failed || got["slow"].Status != Cancelled {
		t.Errorf("base %s (%s), app %s, slow %s; want built, failed, cancelled", got["base"].Status, got["base"].Reason, got["app"].Status, got["slow"].Status)
	}
	if d := got["base"].Duration; d >= 300*time.Millisecond {
		t.Errorf("base's time %s includes its users'", d)
	}
}
