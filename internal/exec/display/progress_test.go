package display

import (
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
)

// A step's log reads in the order it was written, whichever of stdout and
// stderr arrived first.
func TestLogTextFollowsTimestamps(t *testing.T) {
	t0 := time.Now()
	chunks := []*client.VertexLog{
		{Stream: 2, Data: []byte("error: undefined reference\n"), Timestamp: t0.Add(2 * time.Millisecond)},
		{Stream: 1, Data: []byte("compiling\n"), Timestamp: t0.Add(time.Millisecond)},
		{Stream: 1, Data: []byte("linking\n"), Timestamp: t0.Add(2 * time.Millisecond)},
	}
	got := lastLines(logText(chunks), logLines)
	if want := "compiling|error: undefined reference|linking"; strings.Join(got, "|") != want {
		t.Errorf("log %q, want %q", strings.Join(got, "|"), want)
	}
}
