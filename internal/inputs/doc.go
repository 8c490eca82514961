// Package inputs knows what goes into a target: the files of its context
// that pass .dockerignore, its Dockerfile, its local named contexts, the
// spec files that declare it, and its resolved attributes. From that it
// computes two things for monorepos:
//
//   - Affected (affected.go): which targets a set of changed files touches,
//     plus every target that depends on them; Changes (git.go) gets that
//     set from git.
//   - Digest (digest.go): a stable hash of a target's inputs and its
//     parents' digests, which `xbake run --skip-unchanged` compares with
//     the record of the last successful build.
package inputs
