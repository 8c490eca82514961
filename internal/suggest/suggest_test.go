package suggest

import "testing"

func TestClosest(t *testing.T) {
	names := []string{"base", "backend", "abd", "web"}
	for given, want := range map[string]string{
		"bsae":     "base", // a transposition is two edits
		"backedn":  "backend",
		"abc":      "abd",
		"wbe":      "", // two edits in three letters is not a typo
		"frontend": "",
		"base":     "base",
	} {
		if got := Closest(given, names); got != want {
			t.Errorf("Closest(%q) = %q, want %q", given, got, want)
		}
	}
	if got := DidYouMean("abc", names); got != ` Did you mean "abd"?` {
		t.Errorf("DidYouMean = %q", got)
	}
}
