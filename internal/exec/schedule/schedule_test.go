package schedule

// The scheduler on its own, with a solver that only records: the
// properties on random graphs are checked through exec.Run
// (internal/exec/scheduler_test.go); these are the cases a reader of this
// package should see first.

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/xbake/xbake/internal/exec/result"
	"github.com/xbake/xbake/internal/plan"
)

// chain is base <- app (context) <- e2e (depends_on on app).
func chain() []*Task {
	base, app, e2e := &plan.Node{Name: "base"}, &plan.Node{Name: "app"}, &plan.Node{Name: "e2e"}
	app.Needs = []*plan.Edge{{From: app, To: base, Kind: plan.ContextEdge, Waits: plan.WaitResult}}
	e2e.Needs = []*plan.Edge{{From: e2e, To: app, Kind: plan.OrderEdge, Waits: plan.WaitDone}}
	return []*Task{NewTask(base), NewTask(app), NewTask(e2e)}
}

type recorder struct {
	fail  string
	mu    sync.Mutex
	built []string
}

func (r *recorder) Solve(ctx context.Context, b *Build) error {
	name := b.Task.Node.Name
	if name == r.fail {
		return errors.New("RUN make: exit code 2")
	}
	r.mu.Lock()
	r.built = append(r.built, name)
	r.mu.Unlock()
	if b.Task.Users() > 0 {
		return b.Share(ctx, name+" result")
	}
	return nil
}

func statuses(tasks []*Task) map[string]result.Status {
	out := map[string]result.Status{}
	for _, t := range tasks {
		out[t.Node.Name] = t.Result.Status
	}
	return out
}

func TestOneJobServesItsUsers(t *testing.T) {
	tasks := chain()
	r := &recorder{}
	// With one slot, base must give it back while it serves app, or the
	// run never ends.
	Run(context.Background(), tasks, r, Options{Jobs: 1})
	for name, st := range statuses(tasks) {
		if st != result.Built {
			t.Errorf("%s: %s", name, st)
		}
	}
	if got := tasks[0].Shared(); got != "base result" {
		t.Errorf("base shared %v", got)
	}
	if len(r.built) != 3 || r.built[0] != "base" || r.built[2] != "e2e" {
		t.Errorf("built in the order %v", r.built)
	}
}

func TestAFailedParentSkipsItsUsers(t *testing.T) {
	for _, keepGoing := range []bool{false, true} {
		tasks := chain()
		Run(context.Background(), tasks, &recorder{fail: "base"}, Options{Jobs: 4, KeepGoing: keepGoing})
		st := statuses(tasks)
		// e2e waits for app, which waits for base: with fail-fast, the
		// cancellation may reach e2e before app's skip does; either way
		// the cause is base.
		e2eOK := st["e2e"] == result.Skipped || (!keepGoing && st["e2e"] == result.Cancelled)
		if st["base"] != result.Failed || st["app"] != result.Skipped || !e2eOK {
			t.Errorf("keep-going %v: %v", keepGoing, st)
		}
		if c := tasks[1].Result.Cause; c != "base" {
			t.Errorf("app's cause = %q, want base", c)
		}
		if c := tasks[2].Result.Cause; c != "base" {
			t.Errorf("e2e's cause = %q, want base", c)
		}
	}
}

func TestSkipIsUpToDate(t *testing.T) {
	tasks := chain()
	tasks[2].Skip = true
	r := &recorder{}
	Run(context.Background(), tasks, r, Options{Jobs: 2})
	if st := tasks[2].Result.Status; st != result.UpToDate {
		t.Errorf("e2e: %s", st)
	}
	if len(r.built) != 2 {
		t.Errorf("built %v; e2e was up to date", r.built)
	}
}
