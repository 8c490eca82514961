// Package exec runs a plan on BuildKit: one build per target through the
// Dockerfile frontend, as many at once as --jobs allows, each starting as
// soon as what it waits for is done.
//
// Start with Run in run.go, the scheduler. build.go turns a node's
// plan.Program into a BuildKit build (local mounts, frontend inputs,
// session attachables; the package never reads the spec) and hands a
// parent's result, built whole first, to the targets that use it as a
// context. skip.go decides --skip-unchanged, folding in what remote
// inputs name now (internal/inputs.Resolve).
//
// Package outputs writes what the builds produce (files and directories
// // all or nothing, loads, pushes and the tags of an all-or-nothing push);
// what the run shows and writes for people and pipelines (progress, board, summary, metadata) is package
// display; the outcome types are package result.
package exec
