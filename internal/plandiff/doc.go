// Package plandiff compares two versions of a spec, each loaded and
// planned, and says per target what a change does: added and removed
// targets and groups, attributes old -> new with where each was written,
// the input files that changed, the parents rebuilt, the base images
// that moved, and the consequence (rebuilt or not, the tags and outputs
// a run changes). `xbake plan --diff REF` plans the spec as it is at REF
// (a copy of the tree from git) and as it is now, and renders the Diff
// (render.go) as text, JSON or Markdown.
//
// Start at Compute.
package plandiff
