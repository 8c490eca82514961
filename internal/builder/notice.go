package builder

import (
	"context"
	"fmt"
	"os"
)

// A driver says what it does that the user did not ask for (waiting for
// a daemon that does not answer, recreating a container) through the
// function a run puts in its context; without one it goes to stderr.

type noticeKey struct{}

// WithNotice returns a context whose drivers' notices go to say.
func WithNotice(ctx context.Context, say func(format string, args ...any)) context.Context {
	return context.WithValue(ctx, noticeKey{}, say)
}

// Notice says one line of a driver's.
func Notice(ctx context.Context, format string, args ...any) {
	if say, ok := ctx.Value(noticeKey{}).(func(string, ...any)); ok && say != nil {
		say(format, args...)
		return
	}
	fmt.Fprintf(os.Stderr, "xbake: "+format+"\n", args...)
}
