// Command xbake builds container images from a declarative spec.
//
// One file per command: plan.go (xbake plan), schema.go (xbake schema).
// specflags.go holds the flags every spec-reading command shares (-f,
// --var, --set) and turns them into a spec.Load call; errors.go maps
// outcomes to exit codes: 0 fine, 1 spec errors, 2 command-line misuse.
// Results go to stdout; diagnostics and progress to stderr.
package main
