// Package result holds what a run reports: a TargetResult per target
// (its status, why it was not built, its steps and timings, what BuildKit
// answered) and the Result of the whole run with the tags an atomic push
// created or held back.
//
// It is a leaf: the scheduler fills these, the display and the command
// read them, and none of them needs the others to do so.
package result
