// Package diag renders hcl.Diagnostics for people: one line
// "FILE:LINE:COL: Summary: detail" per problem, then the source lines
// with the range underlined. Start with Write.
package diag
