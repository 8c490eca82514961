package spec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/rule"
	suggestpkg "github.com/xbake/xbake/internal/suggest"
)

// suggest returns the name closest to given, if it is close enough to be
// a typo of it.
func suggest(given string, names []string) string { return suggestpkg.Closest(given, names) }

// didYouMean returns " Did you mean "x"?" or "".
func didYouMean(given string, names []string) string { return suggestpkg.DidYouMean(given, names) }

func sortByRange[T any](items []T, rangeOf func(T) hcl.Range) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := rangeOf(items[i]), rangeOf(items[j])
		if a.Filename != b.Filename {
			return false
		}
		return a.Start.Byte < b.Start.Byte
	})
}

func errorf(subject hcl.Range, summary, format string, args ...any) *hcl.Diagnostic {
	d := &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
	}
	if subject.Filename != "" {
		d.Subject = subject.Ptr()
	}
	return d
}

// cyclePath renders a cycle as "a -> b -> a".
func cyclePath(names []string) string { return strings.Join(names, " -> ") }

func unknownTarget(subject hcl.Range, format string, args ...any) *hcl.Diagnostic {
	return rule.Tag(rule.UnknownTarget, errorf(subject, "Unknown target", format, args...))
}

func unknownBuilder(subject hcl.Range, format string, args ...any) *hcl.Diagnostic {
	return rule.Tag(rule.UnknownBuilder, errorf(subject, "Unknown builder", format, args...))
}

// at renders a position as FILE:LINE:COL, for messages that point at a
// second place.
func at(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}
