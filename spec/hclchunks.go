package spec

import (
	"bytes"
	"runtime"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"golang.org/x/sync/errgroup"
)

// chunkSize is the size of the pieces a large native HCL file is parsed
// in. Smaller pieces lex faster (each piece's token slice grows and is
// collected on its own): 2,000 targets load in 160 ms at 16 KB, 220 ms
// at 128 KB (BenchmarkDiagnosticsAfterEdit, internal/lsp).
const chunkSize = 16 << 10

// parseHCL parses a native HCL file. hclsyntax lexes a whole file into one
// token slice before parsing; for a monorepo spec of thousands of targets
// that slice dominates load time and memory. So a large file is cut at
// lines that begin at column 1 with a letter (where top-level blocks and
// attributes start), and the pieces are parsed in parallel with their true
// start positions. A cut inside a multi-line construct leaves that piece
// unterminated, so if any piece fails, the whole file is parsed in one go
// and its errors are reported exactly as HCL sees them.
func parseHCL(src []byte, filename string) (*hcl.File, hcl.Diagnostics) {
	if len(src) < 2*chunkSize {
		return hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	}
	pieces := cutPieces(src)
	files := make([]*hcl.File, len(pieces))
	failed := make([]bool, len(pieces))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, p := range pieces {
		g.Go(func() error {
			f, diags := hclsyntax.ParseConfig(src[p.Byte:p.end], filename, p.Pos)
			files[i], failed[i] = f, diags.HasErrors()
			return nil
		})
	}
	_ = g.Wait() // the workers report through failed
	body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}}
	for i, f := range files {
		if failed[i] {
			return hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
		}
		b := f.Body.(*hclsyntax.Body)
		for name, a := range b.Attributes {
			if _, dup := body.Attributes[name]; dup { // let HCL report it
				return hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
			}
			body.Attributes[name] = a
		}
		body.Blocks = append(body.Blocks, b.Blocks...)
	}
	first, last := files[0].Body.(*hclsyntax.Body), files[len(files)-1].Body.(*hclsyntax.Body)
	body.SrcRange = hcl.RangeBetween(first.SrcRange, last.SrcRange)
	body.EndRange = last.EndRange
	return &hcl.File{Body: body, Bytes: src}, nil
}

// piece is a byte range of the source and the position it starts at.
type piece struct {
	hcl.Pos
	end int
}

// cutPieces splits src into pieces of about chunkSize, each starting at
// a line that begins with a letter.
func cutPieces(src []byte) []piece {
	var pieces []piece
	start := hcl.InitialPos
	line, offset := 1, 0
	for offset < len(src) {
		nl := bytes.IndexByte(src[offset:], '\n')
		if nl < 0 {
			break
		}
		offset += nl + 1
		line++
		if offset-start.Byte >= chunkSize && offset < len(src) && isLetter(src[offset]) {
			pieces = append(pieces, piece{Pos: start, end: offset})
			start = hcl.Pos{Line: line, Column: 1, Byte: offset}
		}
	}
	return append(pieces, piece{Pos: start, end: len(src)})
}

func isLetter(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_'
}

// ParseHCL parses a native HCL spec file as the loader does (in pieces
// when it is large), for tools that need its syntax tree: the language
// server finds names in it.
func ParseHCL(src []byte, filename string) (*hcl.File, hcl.Diagnostics) {
	return parseHCL(src, filename)
}
