// Package outputs writes what a build produces where the user asked, so
// that a reader sees all of a target's outputs or none of them: files and
// directories are exported under temporary names beside their
// destination (staging.go) and renamed into place by Set.Commit once the
// build succeeded, under a lock per destination (destlock.go) so that
// two runs take turns.
//
// Start with Prepare in set.go: it turns a node's typed plan.Output list
// into BuildKit export entries, one file per exporter kind
// (output_local.go, output_tarball.go, output_load.go, output_image.go).
// Images of an all-or-nothing push go to their registries by digest;
// Publish (publish.go) creates their tags once every target has built,
// with a journal (journal.go) that RecoverPublishes finishes in the next
// run if this one died half-way.
package outputs
