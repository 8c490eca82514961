package nesting

import "testing"

// FuzzCheck: the scanner never panics and never reports a position
// outside the source.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{`a = [(1), "${x}"]`, "a = <<EOT\n${\nEOT\n", `"\"${"`, "/* [[[ */ #\n", "((((("} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, inString := range []bool{false, true} {
			if d := Check(src, "f.hcl", inString); d != nil && d.Subject.Start.Byte > len(src) {
				t.Fatalf("error past the end: %d > %d", d.Subject.Start.Byte, len(src))
			}
		}
		CheckLines(src, "f.hcl")
	})
}
