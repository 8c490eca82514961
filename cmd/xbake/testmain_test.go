package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain keeps the load cache of every test in a directory of its
// own, never the user's ~/.cache: the tests that run bin/xbake inherit
// the variable, and tests of the cache set their own.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "xbake-spec-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XBAKE_SPEC_CACHE", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
