package exec

import (
	"fmt"
	"strings"
	"testing"
)

// Thirty targets fit the board's lines: the building ones first, then a
// count of the rest; finished ones are only counted.
func TestBoardLinesFitThirtyTargets(t *testing.T) {
	p, _ := newProgress("quiet", nil)
	for i := range 30 {
		name := fmt.Sprintf("t%02d", i)
		switch {
		case i < 4:
			p.setPhase(name, "building")
		case i < 10:
			p.setPhase(name, string(Built))
		case i == 10:
			p.setPhase(name, string(Failed))
		default:
			p.setPhase(name, "waiting")
		}
	}
	lines := p.boardLines(10)(120)
	if len(lines) != 10 {
		t.Fatalf("%d lines, want 10:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	if lines[0] != "30 targets: 4 building, 19 waiting, 6 done, 1 failed" {
		t.Errorf("head %q", lines[0])
	}
	for i, l := range lines[1:5] {
		if !strings.HasPrefix(l, fmt.Sprintf("  building  t%02d", i)) {
			t.Errorf("line %d: %q, want the building targets first", i+1, l)
		}
	}
	if lines[9] != "  ... and 15 more" {
		t.Errorf("last line %q", lines[9])
	}
	if got := fit(strings.Repeat("x", 200), 119); len([]rune(got)) != 119 {
		t.Errorf("fit: %d runes", len([]rune(got)))
	}
}
