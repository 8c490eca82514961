package nesting

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// MaxDepth is the deepest nesting of brackets and interpolations a spec
// may use. Real files stay under 20; the parsers are safe far beyond.
const MaxDepth = 500

// frame is what an open bracket or quote started.
type frame byte

const (
	code   frame = iota // ( [ { or an interpolation's ${ %{
	quoted              // a "..." string
)

// Check scans src and returns an error at the first place where the
// nesting passes MaxDepth, or nil. Comments and heredocs are skipped;
// inside a quoted string only interpolations nest. inString starts the
// scan inside a template (a YAML string holding HCL interpolations).
func Check(src []byte, filename string, inString bool) *hcl.Diagnostic {
	s := scanner{src: src, line: 1, col: 1}
	if inString {
		s.stack = append(s.stack, quoted)
	}
	for s.i < len(s.src) {
		if d := s.step(); d != nil {
			d.Subject.Filename = filename
			return d
		}
	}
	return nil
}

type scanner struct {
	src       []byte
	i         int
	line, col int
	stack     []frame
	depth     int // code frames on the stack
}

func (s *scanner) pop() {
	if len(s.stack) == 0 {
		return
	}
	if s.stack[len(s.stack)-1] == code {
		s.depth--
	}
	s.stack = s.stack[:len(s.stack)-1]
}

func (s *scanner) inString() bool { return len(s.stack) > 0 && s.stack[len(s.stack)-1] == quoted }

// step consumes one token's worth of input.
func (s *scanner) step() *hcl.Diagnostic {
	c := s.src[s.i]
	if s.inString() {
		switch {
		case c == '\\':
			s.advance(2)
		case c == '"' || c == '\n':
			s.pop()
			s.advance(1)
		case (c == '$' || c == '%') && s.peek(1) == '{':
			return s.open(code, 2)
		default:
			s.advance(1)
		}
		return nil
	}
	switch {
	case c == '"':
		return s.open(quoted, 1)
	case c == '(' || c == '[' || c == '{':
		return s.open(code, 1)
	case c == ')' || c == ']' || c == '}':
		s.pop()
		s.advance(1)
	case c == '#' || (c == '/' && s.peek(1) == '/'):
		s.skipPast("\n")
	case c == '/' && s.peek(1) == '*':
		s.skipPast("*/")
	case c == '<' && s.peek(1) == '<':
		s.skipHeredoc()
	default:
		s.advance(1)
	}
	return nil
}

// open enters a frame, failing past MaxDepth.
func (s *scanner) open(f frame, width int) *hcl.Diagnostic {
	if f == code && s.depth+1 > MaxDepth {
		start := hcl.Pos{Line: s.line, Column: s.col, Byte: s.i}
		end := hcl.Pos{Line: s.line, Column: s.col + width, Byte: s.i + width}
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Nesting too deep",
			Detail: fmt.Sprintf("Brackets and interpolations nest more than %d levels deep here. "+
				"No spec needs that many; split the expression with variables or functions.", MaxDepth),
			Subject: &hcl.Range{Start: start, End: end},
		}
	}
	s.stack = append(s.stack, f)
	if f == code {
		s.depth++
	}
	s.advance(width)
	return nil
}

func (s *scanner) peek(k int) byte {
	if s.i+k < len(s.src) {
		return s.src[s.i+k]
	}
	return 0
}

// advance moves n bytes on, counting lines and columns (by bytes, which
// is exact for the ASCII that brackets are made of).
func (s *scanner) advance(n int) {
	for ; n > 0 && s.i < len(s.src); n-- {
		if s.src[s.i] == '\n' {
			s.line, s.col = s.line+1, 1
		} else if s.src[s.i]&0xC0 != 0x80 { // a character's first byte
			s.col++
		}
		s.i++
	}
}

func (s *scanner) skipPast(end string) {
	for s.i < len(s.src) && !s.at(end) {
		s.advance(1)
	}
	s.advance(len(end))
}

func (s *scanner) at(lit string) bool {
	return s.i+len(lit) <= len(s.src) && string(s.src[s.i:s.i+len(lit)]) == lit
}

// skipHeredoc skips <<ID or <<-ID up to the line that closes it.
func (s *scanner) skipHeredoc() {
	s.advance(2)
	if s.peek(0) == '-' {
		s.advance(1)
	}
	startID := s.i
	for s.i < len(s.src) && isIdent(s.src[s.i]) {
		s.advance(1)
	}
	id := string(s.src[startID:s.i])
	if id == "" {
		return
	}
	s.skipPast("\n")
	for s.i < len(s.src) {
		lineStart := s.i
		s.skipPast("\n")
		line := string(s.src[lineStart:s.i])
		if trimmed := trimSpace(line); trimmed == id {
			return
		}
	}
}

func isIdent(c byte) bool {
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func trimSpace(s string) string {
	start, end := 0, len(s)
	for start < end && (s[start] == ' ' || s[start] == '\t') {
		start++
	}
	for end > start && (s[end-1] == ' ' || s[end-1] == '\t' || s[end-1] == '\n' || s[end-1] == '\r') {
		end--
	}
	return s[start:end]
}

// MaxLine bounds a line of an HCL spec. The HCL scanner walks a line
// grapheme by grapheme, seconds for a 10 MB one; no hand-written spec
// has a line over a few hundred bytes. (JSON is exempt: generated JSON
// is often one long line.)
const MaxLine = 1 << 20

// CheckLines returns an error at the first line longer than MaxLine.
func CheckLines(src []byte, filename string) *hcl.Diagnostic {
	line, start := 1, 0
	for i := 0; i <= len(src); i++ {
		if i < len(src) && src[i] != '\n' {
			continue
		}
		if i-start > MaxLine {
			return &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Line too long",
				Detail: fmt.Sprintf("Line %d is %d bytes long, more than the %d bytes a spec line may have. "+
					"Put long values in a file and read them with file().", line, i-start, MaxLine),
				Subject: &hcl.Range{Filename: filename, Start: hcl.Pos{Line: line, Column: 1, Byte: start}, End: hcl.Pos{Line: line, Column: 2, Byte: start + 1}},
			}
		}
		line, start = line+1, i+1
	}
	return nil
}
