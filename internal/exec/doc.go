// Package exec runs a plan on BuildKit. Its concerns are packages of
// their own, each with a doc.go:
//
//   - schedule: dependency order, the --jobs bound, fail-fast and
//     --keep-going, skipped and cancelled targets; no BuildKit in it.
//   - this package: the BuildKit solve of one target (build.go maps a
//     node's plan.Program to a solve: local mounts, frontend inputs,
//     session attachables; it never reads the spec), split over builder
//     nodes by platform (nodes.go), and --skip-unchanged (skip.go, with
//     what remote inputs name now from internal/inputs).
//   - outputs: files and directories all or nothing, loads, pushes and
//     the tags of an all-or-nothing push with its journal.
//   - display: progress, the board, the summary, the metadata file.
//   - result: what a run reports, read by the display and the command.
//
// Start with Run in run.go: it wires a schedule.Run whose solver is
// buildkitSolver (build.go), then publishes the tags and writes the
// state record.
package exec
