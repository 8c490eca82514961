// Package exec runs a plan on BuildKit: one build per target through the
// Dockerfile frontend, as many at once as --jobs allows, each starting as
// soon as what it waits for is done.
//
// Start with Run in run.go, the scheduler. build.go turns a node into a
// BuildKit build (frontend attributes, local mounts, session attachables)
// and hands a parent's result to the targets that use it as a context.
// outputs.go prepares exports so that files appear complete or not at
// all, and publish.go creates the tags of an all-or-nothing push once
// every target has built. progress.go merges the progress of all builds
// into one display; summary.go prints the closing table and writes the
// metadata file.
package exec
