package display

import (
	"bytes"
	"fmt"
	"github.com/xbake/xbake/internal/exec/result"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/containerd/console"
)

// The board is a few lines above BuildKit's tty display, one per target
// building or waiting, with the finished ones counted in its first line,
// so that a run of thirty targets fits a screen. BuildKit's display stays
// as it is below it.
//
// BuildKit's display redraws itself in place, sized by the terminal it
// writes to. It is given a terminal of its own: a pseudo-terminal as
// many lines shorter than the real one as the board takes, so that it
// leaves the board room; what it writes goes through the board to the
// real terminal, and each of its frames (a write of nothing but cursor
// moves after the previous frame showed the cursor) is preceded by the
// board.
type board struct {
	real  *os.File        // the user's terminal
	size  console.Console // the same, for its size
	pty   console.Console // the master side of BuildKit's terminal
	slave *os.File        // BuildKit's terminal, for its size
	lines int             // the most lines the board takes; BuildKit gets the rest
	draw  func(width int) []string

	mu        sync.Mutex // guards the rest: writes come from the display
	afterShow bool       // the last write showed the cursor: a frame ended
	drawn     int        // how many lines the board took in the last frame
}

// boardMinTargets is the smallest run that gets a board: one target's
// steps are the whole story.
const boardMinTargets = 2

// newBoard sets up the board for a terminal, or returns nil where there
// is no terminal or no pseudo-terminal to be had. The caller sets draw.
func newBoard(out *os.File, targets int) *board {
	if targets < boardMinTargets {
		return nil
	}
	real, err := console.ConsoleFromFile(out)
	if err != nil {
		return nil
	}
	size, err := real.Size()
	if err != nil || size.Height < 12 {
		return nil // too small a screen to share
	}
	pty, slavePath, err := newPty()
	if err != nil {
		return nil
	}
	slave, err := os.OpenFile(slavePath, os.O_RDWR, 0)
	if err != nil {
		pty.Close()
		return nil
	}
	// One line per target and the count, up to a third of the screen.
	lines := min(targets+1, max(3, int(size.Height)/3))
	b := &board{real: out, size: real, pty: pty, slave: slave, lines: lines, afterShow: true}
	b.resize()
	return b
}

// resize gives BuildKit's terminal the real one's size less the board.
func (b *board) resize() {
	if s, err := b.size.Size(); err == nil {
		b.pty.Resize(console.WinSize{Width: s.Width, Height: uint16(max(int(s.Height)-b.lines, 4))})
	}
}

func (b *board) width() int {
	if s, err := b.size.Size(); err == nil && s.Width > 0 {
		return int(s.Width)
	}
	return 80
}

// The console.File that BuildKit's display writes to.
func (b *board) Read(p []byte) (int, error) { return b.real.Read(p) }
func (b *board) Close() error               { return nil }
func (b *board) Fd() uintptr                { return b.slave.Fd() }
func (b *board) Name() string               { return b.slave.Name() }

var (
	cursorMoves = regexp.MustCompile(`^(\x1b\[\d*[ABCDG])+$`)
	showCursor  = []byte("\x1b[?25h")
)

func (b *board) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case bytes.Equal(p, showCursor):
		// The frame ends: clear what a taller board or frame left below.
		b.afterShow = true
		return b.real.Write(append([]byte("\x1b[J"), p...))
	case !b.afterShow || !cursorMoves.Match(p):
		b.afterShow = false
		return b.real.Write(p)
	}
	// A new frame: BuildKit moves to the top of its part, which is where
	// the board ended; the board goes above it, as tall as it now needs.
	b.afterShow = false
	b.resize()
	var out bytes.Buffer
	out.Write(p)
	if b.drawn > 0 {
		fmt.Fprintf(&out, "\x1b[%dA", b.drawn)
	}
	out.WriteString("\r")
	width := b.width()
	shown := b.draw(width)
	shown = shown[:min(len(shown), b.lines)]
	for _, line := range shown {
		out.WriteString(fit(line, width-1) + "\x1b[K\n")
	}
	b.drawn = len(shown)
	if _, err := b.real.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// close releases the pseudo-terminal once the display is done.
func (b *board) close() {
	b.slave.Close()
	b.pty.Close()
}

// fit cuts a line of plain text to width characters.
func fit(s string, width int) string {
	r := []rune(s)
	if len(r) <= width {
		return s
	}
	if width < 1 {
		return ""
	}
	return string(r[:width-1]) + "…"
}

// boardState is what the board shows of each target.
type boardState struct {
	phase   string // waiting, queued, building, or how it ended
	started time.Time
}

// SetPhase records where a target is, for the board.
func (p *Progress) SetPhase(target, phase string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.phases[target]
	if st == nil {
		st = &boardState{}
		p.phases[target] = st
	}
	st.phase = phase
	if phase == "building" {
		st.started = time.Now()
	}
}

// stepCount matches the step numbers in a Dockerfile step's name.
var stepCount = regexp.MustCompile(`(\d+)/(\d+)\] `)

// boardLines draws the board: the count, then the targets building
// (longest first), then those waiting; as many as fit.
func (p *Progress) boardLines(limit int) func(width int) []string {
	return func(width int) []string {
		p.mu.Lock()
		defer p.mu.Unlock()
		counts := map[string]int{}
		type active struct {
			name, line string
			started    time.Time
			order      int
		}
		var list []active
		for name, st := range p.phases {
			counts[st.phase]++
			switch st.phase {
			case "building":
				list = append(list, active{name, p.buildingLine(name, st), st.started, 0})
			case "serving":
				list = append(list, active{name, fmt.Sprintf("  serving   %-24s its result to the targets that use it", name), st.started, 0})
			case "queued":
				list = append(list, active{name, fmt.Sprintf("  queued    %-24s for a --jobs slot", name), time.Time{}, 1})
			case "waiting":
				list = append(list, active{name, fmt.Sprintf("  waiting   %-24s for what it needs", name), time.Time{}, 2})
			}
		}
		sort.Slice(list, func(i, j int) bool {
			a, b := list[i], list[j]
			if a.order != b.order {
				return a.order < b.order
			}
			if !a.started.Equal(b.started) {
				return a.started.Before(b.started)
			}
			return a.name < b.name
		})
		done := counts[string(result.Built)] + counts[string(result.Cached)] + counts[string(result.UpToDate)]
		head := fmt.Sprintf("%d targets: %d building, %d waiting, %d done", len(p.phases), counts["building"]+counts["serving"], counts["queued"]+counts["waiting"], done)
		if n := counts[string(result.Cached)]; n > 0 {
			head += fmt.Sprintf(" (%d from cache)", n)
		}
		for _, st := range []result.Status{result.Failed, result.Skipped, result.Cancelled} {
			if n := counts[string(st)]; n > 0 {
				head += fmt.Sprintf(", %d %s", n, st)
			}
		}
		lines := []string{head}
		room := limit - 1
		for i, a := range list {
			if i == room-1 && len(list) > room {
				lines = append(lines, fmt.Sprintf("  ... and %d more", len(list)-i))
				break
			}
			lines = append(lines, a.line)
		}
		return lines
	}
}

// buildingLine is a building target's line: the step it is on (n/m),
// its time so far, and the steps from the cache.
func (p *Progress) buildingLine(name string, st *boardState) string {
	step, total, cached := 0, 0, 0
	if ts := p.stats[name]; ts != nil {
		for _, v := range ts.vertices {
			m := stepCount.FindStringSubmatch(v.Name)
			if m == nil || !IsDockerfileStep(v.Name) {
				continue
			}
			n, _ := strconv.Atoi(m[1])
			of, _ := strconv.Atoi(m[2])
			total = max(total, of)
			if v.Started != nil || v.Cached { // the step it is on
				step = max(step, n)
			}
			if v.Cached {
				cached++
			}
		}
	}
	line := fmt.Sprintf("  building  %-24s", name)
	if total > 0 {
		line += fmt.Sprintf(" step %d/%d", step, total)
	}
	line += fmt.Sprintf("  %5.1fs", time.Since(st.started).Seconds())
	if cached > 0 {
		line += fmt.Sprintf("  %d cached", cached)
	}
	return strings.TrimRight(line, " ")
}
