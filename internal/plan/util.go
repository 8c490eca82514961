package plan

import (
	"fmt"
	"strconv"

	"github.com/agext/levenshtein"
)

func quote(s string) string { return strconv.Quote(s) }

func didYouMean(given string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if d := levenshtein.Distance(given, n, nil); d < bestDist {
			best, bestDist = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}
