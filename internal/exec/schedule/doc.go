// Package schedule runs the targets of a plan in dependency order with a
// bound on how many build at once, and decides what happens to each
// target when something it waits for fails: skipped (its parent
// failed), cancelled (fail-fast after another failure, or an
// interrupt), up to date (--skip-unchanged decided it beforehand).
//
// It does not know how a target is built: a Solver does (package exec's
// builds on BuildKit; the tests' fake that waits a random moment). Start
// with Run in schedule.go. A target used by others as a context hands
// them its result with Build.Share while its build stays alive, and gives
// its --jobs slot back meanwhile, so that linked targets run even with
// --jobs 1.
//
// schedule_test.go shows the cases to read first (one slot serving a
// linked target, a failed parent, an up-to-date target); package exec's
// scheduler_test.go drives it through exec.Run with a fake Solver on a
// thousand seeded random graphs, so that what the run does around it
// (publishing, the state record) is covered too.
package schedule
