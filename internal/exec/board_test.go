package exec_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestBoardInTmux runs six targets with the tty display in tmux at
// 120x30: the board above BuildKit's display names the targets that
// build, counts the others, and no line of the screen wraps.
func TestBoardInTmux(t *testing.T) {
	needDaemon(t)
	files := map[string]string{"Dockerfile": busyboxBase + "ARG NONCE\nARG NAME\nRUN echo $NONCE $NAME && sleep 3\n"}
	var spec strings.Builder
	nonce := time.Now().UnixNano()
	for i := 1; i <= 6; i++ {
		fmt.Fprintf(&spec, "target \"t%d\" {\n  platforms = [\"linux/amd64\"]\n  args = { NONCE = \"%d\", NAME = \"t%d\" }\n  output = [\"type=cacheonly\"]\n}\n", i, nonce, i)
	}
	files["xbuild.hcl"] = spec.String()
	capture := tmux(t, project(t, files), nil, "run --progress tty")

	board := regexp.MustCompile(`(?m)^6 targets: \d+ building, \d+ waiting, \d+ done`)
	building := regexp.MustCompile(`(?m)^  building  t[1-6] +step \d+/\d+ +\d+\.\ds`)
	var screen string
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		screen = capture(false)
		if building.MatchString(screen) || strings.Contains(screen, "XBAKE-DONE") {
			break
		}
	}
	if !board.MatchString(screen) || !building.MatchString(screen) {
		t.Fatalf("no board with building targets on the screen:\n%s", screen)
	}
	// tmux joins a wrapped line's rows with -J: a wrapped line is one
	// longer than the terminal is wide.
	for _, line := range strings.Split(capture(true), "\n") {
		if len([]rune(line)) > 120 {
			t.Errorf("a line wrapped: %q", line)
		}
	}
	screen = waitScreen(capture, "XBAKE-DONE")
	if !regexp.MustCompile(`(?m)^6 targets: 0 building, 0 waiting, 6 done`).MatchString(screen) || !strings.Contains(screen, "TARGET") {
		t.Errorf("the board does not end with every target done, above the summary:\n%s", screen)
	}
	// Redrawn in place: the scrollback holds one board and one display,
	// with no lines left from a taller earlier frame.
	boards := regexp.MustCompile(`(?m)^6 targets: `).FindAllString(screen, -1)
	headers := regexp.MustCompile(`(?m)^\[\+\] Building`).FindAllString(screen, -1)
	if len(boards) != 1 || len(headers) != 1 || strings.Contains(screen, "  building  t") {
		t.Errorf("%d boards and %d displays left on the screen, want one each and no building line:\n%s", len(boards), len(headers), screen)
	}
}
