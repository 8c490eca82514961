package yamlhcl

import (
	"github.com/hashicorp/hcl/v2"
	"gopkg.in/yaml.v3"
)

// source maps YAML line/column positions to hcl.Pos values, which also need
// a byte offset so that diagnostics can print a source snippet.
type source struct {
	filename   string
	src        []byte
	lineStarts []int // byte offset where each line begins
	nodes      int   // expressions built so far, bounded by maxNodes
}

func newSource(filename string, src []byte) *source {
	starts := []int{0}
	for i, b := range src {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &source{filename: filename, src: src, lineStarts: starts}
}

// pos converts a 1-based line and a 1-based column counted in runes.
func (s *source) pos(line, column int) hcl.Pos {
	if line < 1 {
		line = 1
	}
	if line > len(s.lineStarts) {
		line = len(s.lineStarts)
	}
	if column < 1 {
		column = 1
	}
	offset := s.lineStarts[line-1]
	end := len(s.src)
	if line < len(s.lineStarts) {
		end = s.lineStarts[line] - 1
	}
	// Walk runes to turn the column into a byte offset.
	col := 1
	for offset < end && col < column {
		_, size := decodeRune(s.src[offset:])
		offset += size
		col++
	}
	return hcl.Pos{Line: line, Column: column, Byte: offset}
}

// nodeRange is the range of a node: for scalars the whole token, for
// collections the first character (YAML does not record where they end).
func (s *source) nodeRange(n *yaml.Node) hcl.Range {
	start := s.pos(n.Line, n.Column)
	end := start
	if n.Kind == yaml.ScalarNode {
		length := len(n.Value)
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
			length += 2
		}
		if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
			end = s.advance(start, length)
		}
	}
	if end.Byte == start.Byte {
		end = s.advance(start, 1)
	}
	return hcl.Range{Filename: s.filename, Start: start, End: end}
}

// advance moves n bytes forward on the same line at most.
func (s *source) advance(p hcl.Pos, n int) hcl.Pos {
	lineEnd := len(s.src)
	if p.Line < len(s.lineStarts) {
		lineEnd = s.lineStarts[p.Line] - 1
	}
	for n > 0 && p.Byte < lineEnd {
		_, size := decodeRune(s.src[p.Byte:])
		p.Byte += size
		p.Column++
		n -= size
	}
	return p
}
