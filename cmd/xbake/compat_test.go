package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestBakeCompat runs `xbake plan --print` on every case of
// spec/testdata/compat (bake files with the arguments and environment of
// each case) and compares the JSON, as values and list order included,
// with what `docker buildx bake --print` printed for it (record.sh). A
// case where bake failed must fail in xbake too. Cases listed in KNOWN
// are differences still to fix: they must still differ, so that the list
// only shrinks.
func TestBakeCompat(t *testing.T) {
	// XBAKE_COMPAT_DIR runs another corpus laid out the same way (cases
	// recorded with spec/testdata/compat/record.sh), to measure files
	// nobody tuned to without copying them into the repository.
	root, _ := filepath.Abs(cmp.Or(os.Getenv("XBAKE_COMPAT_DIR"), "../../spec/testdata/compat"))
	dirs, _ := filepath.Glob(filepath.Join(root, "*", "*"))
	known := map[string]bool{}
	for _, l := range lines(filepath.Join(root, "KNOWN")) {
		if !strings.HasPrefix(l, "#") {
			known[strings.Fields(l)[0]] = true
		}
	}
	n, same := 0, 0
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		n++
		name, _ := filepath.Rel(root, dir)
		t.Run(name, func(t *testing.T) {
			diff := compatDiff(t, dir)
			switch {
			case diff == "" && known[name]:
				t.Errorf("reads as bake does now: take %s off spec/testdata/compat/KNOWN", name)
			case diff != "" && !known[name]:
				t.Error(diff)
			}
			if diff == "" {
				same++
			}
		})
	}
	if n == 0 {
		t.Fatal("no compatibility cases found")
	}
	t.Logf("%d of %d cases read as bake does", same, n)
}

// compatDiff runs one case and says how xbake differs from bake, or "".
func compatDiff(t *testing.T, dir string) string {
	args := lines(filepath.Join(dir, "args"))
	// Bake was recorded with only PATH and a fresh HOME (record.sh): the
	// test's own environment (CI, GITHUB_*, a user's variables) must not
	// reach a bake file's variables either.
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "PATH" && k != "" {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	t.Setenv("HOME", t.TempDir())
	for _, kv := range lines(filepath.Join(dir, "env")) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	// Twice through an empty load cache: the second answer, from the
	// cache when the case may be kept, must be the first.
	t.Setenv("XBAKE_SPEC_CACHE", t.TempDir())
	t.Setenv("SSH_AUTH_SOCK", "") // bake was recorded without an agent
	t.Chdir(dir)
	os.Unsetenv("PWD") // t.Chdir sets it; record.sh ran bake without (a bake file may read it)
	code, out, errOut := xbake(t, "", "", append([]string{"plan", "--print"}, args...)...)
	if code2, out2, errOut2 := xbake(t, "", "", append([]string{"plan", "--print"}, args...)...); code2 != code || out2 != out || errOut2 != errOut {
		return fmt.Sprintf("the second load differs from the first (exit %d, %d):\n%s%s\n---\n%s%s", code, code2, out, errOut, out2, errOut2)
	}
	if want, err := os.ReadFile(filepath.Join(dir, "expected.err")); err == nil {
		if code == 0 {
			return fmt.Sprintf("bake fails here (%s), xbake printed:\n%s", bytes.TrimSpace(want), out)
		}
		return ""
	}
	want, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		return "no expected.json: record it with spec/testdata/compat/record.sh"
	}
	if code != 0 {
		return fmt.Sprintf("exit %d:\n%s", code, errOut)
	}
	var got, exp any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		return fmt.Sprintf("xbake printed no JSON: %v\n%s", err, out)
	}
	json.Unmarshal(want, &exp)
	if reflect.DeepEqual(got, exp) {
		return ""
	}
	g, _ := json.MarshalIndent(got, "", "  ")
	e, _ := json.MarshalIndent(exp, "", "  ")
	return fmt.Sprintf("xbake:\n%s\nbake:\n%s", g, e)
}

// lines reads a file's non-empty lines; a missing file has none.
func lines(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimRight(l, "\r"); l != "" {
			out = append(out, l)
		}
	}
	return out
}
