package result

import (
	"encoding/json"
	"fmt"
	"time"
)

// Status is how a target ended.
type Status string

const (
	Built     Status = "built"
	Cached    Status = "cached" // built, every step from the cache
	Failed    Status = "failed"
	Skipped   Status = "skipped"   // something it waits for failed
	Cancelled Status = "cancelled" // stopped by fail-fast or an interrupt
	// UpToDate is a target skipped by --skip-unchanged.
	UpToDate Status = "up to date"
)

// TargetResult is what happened to one target.
type TargetResult struct {
	Name        string
	Status      Status
	Duration    time.Duration
	CachedSteps int
	TotalSteps  int
	Digest      string
	Outputs     []string
	// Response is BuildKit's exporter response (containerimage.digest, ...).
	Response map[string]string
	Err      error
	// Reason says why a target was skipped or cancelled; Cause names the
	// failed target that led to it (empty after an interrupt).
	Reason, Cause string
	// FailedStep and Logs describe the step that failed.
	FailedStep string
	Logs       []string
	// CallResult is the answer of call = "check", "outline" or "targets".
	CallResult string
	// Warnings are the frontend's warnings (lint findings): BuildKit's
	// VertexWarning in JSON, as bake records them in the metadata file.
	Warnings []json.RawMessage

	// The moments of its run, for the report (zero where it never got
	// that far): Ready when all it waits for was done, Started when it
	// got a --jobs slot, Shared when its result went to the targets that
	// use it as a context, Finished when its outputs were written or it
	// was given up.
	Ready, Started, Shared, Finished time.Time
	// Nodes are the builder nodes that built it.
	Nodes []string
	// Moved says why it was built again on another node than the plan's.
	Moved []string
	// Steps are BuildKit's vertices of its build, in the order they
	// started.
	Steps []Step
}

// Step is one vertex of a build as BuildKit reported it.
type Step struct {
	Name               string
	Started, Completed time.Time // zero if it never started or ended
	Cached             bool
	Error              string
}

// Result is the outcome of a run.
type Result struct {
	Targets []*TargetResult // in plan order
	// Started and Finished bound the builds (publishing included).
	Started, Finished time.Time
	// Jobs is the --jobs limit the run had.
	Jobs int
	// Tags are the tags created after an atomic push.
	Tags []string
	// PublishErr is set when creating the tags failed.
	PublishErr error
	// TagStates says what each tag of an atomic push holds after the
	// run, above all after a failure put some back.
	TagStates []TagState
	// Withheld explains why an atomic push created no tags.
	Withheld string
	// StateErr is set when the state file could not be written; the
	// targets' results stand.
	StateErr error
}

// Failed reports whether any target failed, was skipped or cancelled, or
// the tags could not be published.
func (r *Result) Failed() bool {
	if r.PublishErr != nil {
		return true
	}
	for _, t := range r.Targets {
		if t.Status != Built && t.Status != Cached && t.Status != UpToDate {
			return true
		}
	}
	return false
}

// TagState is what a tag of an atomic push holds after the run.
type TagState struct {
	Tag, Target string
	Outcome     TagOutcome
	// Digest is what the tag points to now: the image published, the one
	// put back, the one it kept, or the new one it could not be moved
	// off (empty when it is absent).
	Digest string
	// Err is why a tag could not be put back (TagStuck).
	Err error
}

// TagOutcome is what became of a tag of an atomic push.
type TagOutcome int

const (
	TagPublished TagOutcome = iota + 1 // points to the target's new image
	TagHeldBack                        // not created: another target failed
	TagRestored                        // moved, then put back to what it held
	TagRemoved                         // created, then removed again
	TagUnchanged                       // not touched: the publish stopped before it
	TagAbsent                          // not touched, and does not exist
	TagStuck                           // could not be put back: it still points to the new image
)

// Exists reports whether the tag points to the target's new image now.
func (s TagState) Exists() bool { return s.Outcome == TagPublished || s.Outcome == TagStuck }

// Text says what the tag holds, for people (the summary, the metadata's
// xbake.tags).
func (s TagState) Text() string {
	switch s.Outcome {
	case TagPublished:
		return "published " + s.Digest
	case TagHeldBack:
		return "held back"
	case TagRestored:
		return "restored to " + s.Digest
	case TagRemoved:
		return "removed again"
	case TagUnchanged:
		return "unchanged (" + s.Digest + ")"
	case TagAbsent:
		return "absent"
	case TagStuck:
		return fmt.Sprintf("could not be put back (%v): still points to %s", s.Err, s.Digest)
	}
	return "unknown"
}
