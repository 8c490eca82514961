// Package suggest finds the name a user probably meant: the one answer
// to "did you mean", for every message of the loaders, the schema and
// the plan's rules, so that a typo gets the same suggestion wherever it
// is written (in the spec, in YAML, on the command line).
package suggest

import (
	"fmt"

	"github.com/agext/levenshtein"
)

// Closest returns the name nearest to given if it is near enough to be
// a typo of it (at most two edits, one for names of three letters or
// fewer, where two edits make anything out of anything), else "".
func Closest(given string, names []string) string {
	best, bestDist := "", 3
	if len(given) <= 3 {
		bestDist = 2
	}
	for _, n := range names {
		if d := levenshtein.Distance(given, n, nil); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// DidYouMean returns ` Did you mean "NAME"?` for the closest name, or "".
func DidYouMean(given string, names []string) string {
	if best := Closest(given, names); best != "" {
		return fmt.Sprintf(" Did you mean %q?", best)
	}
	return ""
}
