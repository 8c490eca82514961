// Package nesting measures how deeply an HCL or JSON source nests
// brackets and template interpolations, without parsing it. The HCL
// parsers recurse once per level, so a file of a million "(" ends in a
// Go stack overflow that kills the process; spec checks the depth with
// Check first and refuses such a file with a positioned error. Start with
// Check.
package nesting
