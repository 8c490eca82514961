package diag

import (
	"strings"
	"testing"
)

// TestGitHubGuard: lines that would read as workflow commands are
// written with a backslash in front, however the writes split them;
// xbake's own commands pass, each on a line of its own.
func TestGitHubGuard(t *testing.T) {
	for _, tc := range []struct {
		writes []string
		want   string
	}{
		{[]string{"plain\n"}, "plain\n"},
		{[]string{"::add-mask::x\n"}, "\\::add-mask::x\n"},
		{[]string{":", ":add-mask::x\nnext\n"}, "\\::add-mask::x\nnext\n"},
		{[]string{"  ", "\t", ":", ":warning::y"}, "\\  \t::warning::y"},
		{[]string{"a\r::stop-commands::t\r\n"}, "a\r\\::stop-commands::t\r\n"},
		{[]string{"##", "[set-env name=A]b\n"}, "\\##[set-env name=A]b\n"},
		{[]string{"#5 0.1 ::add-mask::z\n"}, "#5 0.1 ::add-mask::z\n"},
		{[]string{": not a command\n", "#no\n"}, ": not a command\n#no\n"},
		{[]string{"half a line ", "::then::more\n"}, "half a line ::then::more\n"},
		{[]string{"\n\n:"}, "\n\n:"},
	} {
		var b strings.Builder
		g := NewGitHubGuard(&b)
		for _, w := range tc.writes {
			if n, err := g.Write([]byte(w)); n != len(w) || err != nil {
				t.Fatalf("Write(%q) = %d, %v", w, n, err)
			}
		}
		g.Flush()
		if b.String() != tc.want {
			t.Errorf("%q: wrote %q, want %q", tc.writes, b.String(), tc.want)
		}
	}

	var b strings.Builder
	g := NewGitHubGuard(&b)
	g.Write([]byte("building"))
	GitHubCommand(g, "error", "title=t", "it failed\n::add-mask::m")
	g.Write([]byte("::next\n"))
	want := "building\n::error title=t::it failed%0A::add-mask::m\n\\::next\n"
	if b.String() != want {
		t.Errorf("commands through the guard: %q, want %q", b.String(), want)
	}
}
