package display

import (
	"fmt"
	"github.com/xbake/xbake/internal/exec/result"
	"strings"
	"testing"
)

// Thirty targets fit the board's lines: the building ones first, then a
// count of the rest; finished ones are only counted.
func TestBoardLinesFitThirtyTargets(t *testing.T) {
	p, _ := New("quiet", nil)
	for i := range 30 {
		name := fmt.Sprintf("t%02d", i)
		switch {
		case i < 4:
			p.SetPhase(name, "building")
		case i < 10:
			p.SetPhase(name, string(result.Built))
		case i == 10:
			p.SetPhase(name, string(result.Failed))
		default:
			p.SetPhase(name, "waiting")
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
