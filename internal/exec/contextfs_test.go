package exec

import (
	"context"
	iofs "io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/xbake/xbake/internal/exec/outputs"
)

// A context never shows the temporaries outputs write into it, at any
// depth, and BuildKit may walk it from several requests at once (one per
// platform): run with -race, the walks must not share mutable state.
func TestContextFSLeavesOutTemporariesAndIsSafeToShare(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a", outputs.TempPrefix + "out-1/half", "sub/b", "sub/" + outputs.TempPrefix + "app.tar-2", "sub/deeper/c"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := contextFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "sub", "sub/b", "sub/deeper", "sub/deeper/c"}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			var seen []string
			err := fs.Walk(context.Background(), "", func(path string, _ iofs.DirEntry, err error) error {
				seen = append(seen, filepath.ToSlash(path))
				return err
			})
			slices.Sort(seen)
			if err != nil || !slices.Equal(seen, want) {
				t.Errorf("walk: %v, saw %v, want %v", err, seen, want)
			}
		})
	}
	wg.Wait()
}
