package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestFailedWriteLeavesTheOldFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "meta.json")
	if err := WriteJSON(path, map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "{half")
		return errors.New("disk full")
	})
	if err == nil {
		t.Fatal("the writer's error was lost")
	}
	got, _ := os.ReadFile(path)
	if string(got) != "{\n  \"a\": 1\n}\n" {
		t.Fatalf("file after a failed write = %q, want the old content", got)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporaries left behind: %v", entries)
	}
}
