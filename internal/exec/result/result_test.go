package result

import (
	"errors"
	"testing"
)

// TestTagStateText: the outcomes read as they always did in the summary
// and the metadata, and only published or stuck tags exist.
func TestTagStateText(t *testing.T) {
	for _, tc := range []struct {
		s      TagState
		text   string
		exists bool
	}{
		{TagState{Outcome: TagPublished, Digest: "sha256:a"}, "published sha256:a", true},
		{TagState{Outcome: TagHeldBack}, "held back", false},
		{TagState{Outcome: TagRestored, Digest: "sha256:b"}, "restored to sha256:b", false},
		{TagState{Outcome: TagRemoved}, "removed again", false},
		{TagState{Outcome: TagUnchanged, Digest: "sha256:c"}, "unchanged (sha256:c)", false},
		{TagState{Outcome: TagAbsent}, "absent", false},
		{TagState{Outcome: TagStuck, Digest: "sha256:d", Err: errors.New("503")}, "could not be put back (503): still points to sha256:d", true},
	} {
		if got := tc.s.Text(); got != tc.text || tc.s.Exists() != tc.exists {
			t.Errorf("%d: %q exists=%v, want %q exists=%v", tc.s.Outcome, got, tc.s.Exists(), tc.text, tc.exists)
		}
	}
}
