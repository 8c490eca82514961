package rule

import "testing"

func TestForSummary(t *testing.T) {
	for summary, want := range map[string]ID{
		"Unsupported argument":                     UnknownAttribute,
		"Incorrect attribute value type":           InvalidValue,
		"Unknown variable":                         UnknownName,
		"Duplicate target":                         Duplicate,
		"Argument or block definition required":    Syntax,
		"Invalid expression":                       Syntax,
		"Unclosed configuration block":             Syntax,
		"Something nobody wrote a mapping for yet": SpecError,
	} {
		if got := ForSummary(summary); got != want {
			t.Errorf("ForSummary(%q) = %s, want %s", summary, got, want)
		}
	}
	if !Known("no-output") || !Known("syntax") || Known("no-ouptut") {
		t.Error("Known")
	}
}
