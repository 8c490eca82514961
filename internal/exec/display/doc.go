// Package display shows a run to the people and programs watching it:
// BuildKit's progress of every build merged into one stream (progress.go),
// on a terminal the board of where each target is (board.go), and at the
// end the summary table, the metadata file a pipeline reads (summary.go)
// and the Markdown step summary (summary_markdown.go).
//
// Start with Progress: the scheduler creates one per run, moves each
// target through its phases with SetPhase, forwards each build's status
// with Forward and copies the counts and the failed step's log into the
// target's result with Fill. It knows nothing of how builds run.
package display
