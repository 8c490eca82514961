// Package builder gives BuildKit clients for the builders of a plan.
//
// The builders come in as plain descriptions (desc.Builders, which the
// plan fills from the spec: plan.BuildersOf); this package never reads
// the spec.
//
// A Driver connects to one builder's daemon. Local (local.go) runs a
// buildkitd of its own in a per-user state directory, started on first use
// and reused by later runs, with a file lock so that two xbake processes
// starting at once share one daemon. Remote (remote.go) connects to a
// daemon someone else runs: unix://, tcp:// (with TLS), or BuildKit's
// connection helpers (docker-container://, kube-pod://, ssh://). Start
// with For, which picks the driver for a builder name.
package builder
