package plan

import (
	"fmt"
	"strconv"

	"github.com/agext/levenshtein"
)

func quote(s string) string { return strconv.Quote(s) }

func didYouMean(given string, names []string) string {
	best := closest(given, names)
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}

// closest is the name nearest to given if it is near enough to be a
// typo of it, else "".
func closest(given string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if d := levenshtein.Distance(given, n, nil); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}
