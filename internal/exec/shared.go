package exec

// A target used by others through target: contexts hands them its
// result as LLB definitions (contextInput). Those definitions name the
// target's local sources (its context, its Dockerfile) by the session of
// the build that made them: only the daemon that build runs on can read
// them, and only while the build lives (it waits for its users). Solved
// on another daemon, a local source would be read from whatever session
// that daemon finds, the user's own, whose files are the user's context:
// the parent's COPY then fails, or copies the wrong file.
//
// So a user of such a result builds on the node its parent's build lives
// on (a link group stays on one node, as the plan places it), and when
// that node is lost, the parent builds again on another node, from its
// own context, and hands its users the new result through the same
// sharedResult; they wait for it, then follow it there.

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/moby/buildkit/solver/pb"
)

// contextInput is a built target as other targets receive it: its
// definition per platform key ("" for a single-platform result), the
// image config that goes with each, and the node whose daemon holds the
// build they are bound to.
type contextInput struct {
	defs    map[string]*pb.Definition
	configs map[string][]byte
	builder string
	node    string
	// bound is set when a definition reads local files through its
	// build's session: then it solves only on node.
	bound bool
}

// sharedResult is what a target shares with its users through the
// scheduler, once: the current contextInput, replaced when the target is
// built again after its node was lost.
type sharedResult struct {
	mu      sync.Mutex    // guards current, err and changed
	current *contextInput // nil while the target builds again
	err     error         // set when the target will not share again
	changed chan struct{} // closed, and replaced, at each change
}

func newSharedResult(in *contextInput) *sharedResult {
	return &sharedResult{current: in, changed: make(chan struct{})}
}

// set replaces the current result (nil: being built again).
func (s *sharedResult) set(in *contextInput) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.current = in
	close(s.changed)
	s.changed = make(chan struct{})
}

// fail says the target will not share a result again: users that
// cannot use the one it shared last (its node was lost) stop waiting.
func (s *sharedResult) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
		close(s.changed)
		s.changed = make(chan struct{})
	}
}

// usable waits until the result lives on a node for which alive is
// true, and returns it.
func (s *sharedResult) usable(ctx context.Context, alive func(node string) bool) (*contextInput, error) {
	for {
		s.mu.Lock()
		in, err, changed := s.current, s.err, s.changed
		s.mu.Unlock()
		switch {
		case in != nil && (!in.bound || alive(in.node)):
			return in, nil
		case err != nil:
			return nil, err
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// readsLocalFiles reports whether a definition has a local source: one
// bound to the session of the build that made it.
func readsLocalFiles(def *pb.Definition) bool {
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			return true // unknown: keep it where it was made
		}
		if src := op.GetSource(); src != nil && strings.HasPrefix(src.Identifier, "local://") {
			return true
		}
	}
	return false
}

// parentResults waits for the results of the targets this one reads
// through target: contexts to live on live nodes, and returns them by
// parent name, with the node the bound ones pin this build to ("" when
// none does). Parents bound to two different nodes cannot be read by one
// build.
func (b *build) parentResults(ctx context.Context) (map[string]*contextInput, string, error) {
	out := map[string]*contextInput{}
	pin, pinnedBy := "", ""
	for _, c := range b.j.node.Program.Contexts {
		if c.Parent == nil || out[c.Parent.Name] != nil {
			continue
		}
		shared, _ := b.r.jobs[c.Parent.Name].task.Shared().(*sharedResult)
		if shared == nil {
			return nil, "", fmt.Errorf("context %q: target %s has no result", c.Name, c.Parent.Name)
		}
		in, err := shared.usable(ctx, func(node string) bool { return !b.r.isLost(b.j.node.Builder, node) })
		if err != nil {
			return nil, "", fmt.Errorf("context %q: target %s: %w", c.Name, c.Parent.Name, err)
		}
		out[c.Parent.Name] = in
		if !in.bound || !b.pool || in.builder != b.j.node.Builder {
			continue
		}
		if pin != "" && pin != in.node {
			return nil, "", fmt.Errorf("it reads %s (built on node %s) and %s (built on node %s) through target: contexts, and each reads local files that only its own node has; one build cannot read both",
				pinnedBy, pin, c.Parent.Name, in.node)
		}
		pin, pinnedBy = in.node, c.Parent.Name
	}
	return out, pin, nil
}
