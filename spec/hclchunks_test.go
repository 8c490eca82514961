package spec

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestParseHCLInPieces: a file parsed in pieces has the blocks and
// attributes, at the positions, of the file parsed whole, also when a
// cut falls inside a heredoc whose lines begin with a letter (the piece
// fails and the whole file is parsed).
func TestParseHCLInPieces(t *testing.T) {
	for _, heredoc := range []bool{false, true} {
		var b strings.Builder
		b.WriteString("TAG = \"1\"\n")
		for i := 0; b.Len() < 5*chunkSize; i++ {
			fmt.Fprintf(&b, "target \"t%d\" {\n  tags = [\"x/t%d:${TAG}\"]\n}\n", i, i)
			if heredoc && i%50 == 0 {
				fmt.Fprintf(&b, "target \"h%d\" {\n  dockerfile-inline = <<EOT\n%sEOT\n}\n", i, strings.Repeat("FROM scratch\n", 400))
			}
		}
		src := []byte(b.String())
		if n := len(cutPieces(src)); n < 4 {
			t.Fatalf("%d pieces: the test must cut the file", n)
		}
		got, diags := parseHCL(src, "f.hcl")
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		want, _ := hclsyntax.ParseConfig(src, "f.hcl", hcl.InitialPos)
		gb, wb := got.Body.(*hclsyntax.Body), want.Body.(*hclsyntax.Body)
		if len(gb.Blocks) != len(wb.Blocks) || len(gb.Attributes) != len(wb.Attributes) {
			t.Fatalf("heredoc %v: %d blocks and %d attributes, want %d and %d", heredoc, len(gb.Blocks), len(gb.Attributes), len(wb.Blocks), len(wb.Attributes))
		}
		for i := range wb.Blocks {
			if gb.Blocks[i].Labels[0] != wb.Blocks[i].Labels[0] || gb.Blocks[i].Range() != wb.Blocks[i].Range() {
				t.Fatalf("heredoc %v: block %d is %s at %v, want %s at %v", heredoc, i, gb.Blocks[i].Labels[0], gb.Blocks[i].Range(), wb.Blocks[i].Labels[0], wb.Blocks[i].Range())
			}
		}
	}
}
