// Package specgen writes large synthetic specs for benchmarks: N targets
// with variables, a user function, inherits and target: links in a wide
// or a deep shape. Start with HCL.
package specgen
