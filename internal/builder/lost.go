package builder

import (
	"context"
	"fmt"
	"time"
)

// Lost explains an error of a build on this node when its daemon went
// away (it died, was restarted, or the network broke): gRPC only says
// "error reading from server: EOF", or the build's own context ends
// with its connection ("context canceled"). ctx is the caller's: when it
// ended, the user cancelled and nothing was lost. The daemon is asked
// whether it still answers, so a build that failed on its own (a
// registry that refused a push, say) is never blamed on the builder.
// Other errors are returned as they are.
func (n NodeClient) Lost(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil || n.answers() {
		return err
	}
	return &LostError{Builder: n.Builder, Node: n.Name, Endpoint: n.Endpoint, Log: n.Log, Err: err}
}

// LostError is a build that failed because its node went away: the run
// may build the target again on another node of the builder.
type LostError struct {
	Builder, Node, Endpoint string
	Log                     string // the log of a daemon xbake started
	Err                     error
}

func (e *LostError) Error() string {
	what := fmt.Sprintf("builder %q lost its node %q (%s) during the build", e.Builder, e.Node, e.Endpoint)
	if e.Log != "" {
		return fmt.Sprintf("%s: the buildkitd that xbake started stopped answering (%v). "+
			"Run again: xbake starts a new one. If it keeps happening, read its log, %s", what, e.Err, e.Log)
	}
	return fmt.Sprintf("%s: the daemon stopped answering (%v). Check that it is running and reachable "+
		"(xbake builders inspect %s), then run again", what, e.Err, e.Builder)
}

func (e *LostError) Unwrap() error { return e.Err }

// answers reports whether the node's daemon still answers.
func (n NodeClient) answers() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := n.Client.ListWorkers(ctx)
	return err == nil
}
