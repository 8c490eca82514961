package plan

import (
	"strconv"

	"github.com/xbake/xbake/internal/suggest"
)

func quote(s string) string { return strconv.Quote(s) }

func didYouMean(given string, names []string) string { return suggest.DidYouMean(given, names) }

func closest(given string, names []string) string { return suggest.Closest(given, names) }
