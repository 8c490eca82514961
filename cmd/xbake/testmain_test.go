package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain keeps the load cache and the state directory of every test in
// directories of its own, never the user's ~/.cache or ~/.local/state:
// the tests that run bin/xbake inherit the variables, and tests of the
// cache or of a builder set their own.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "xbake-spec-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XBAKE_SPEC_CACHE", dir)
	// The state directory too (builders' daemons, the run history the
	// pool's placement reads): a test that needs a builder sets its own.
	state, err := os.MkdirTemp("", "xbake-state-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XBAKE_STATE_DIR", state)
	code := m.Run()
	os.RemoveAll(dir)
	os.RemoveAll(state)
	os.Exit(code)
}
