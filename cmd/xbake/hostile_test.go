package main

import (
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostileSpecs are specs written to exhaust xbake: each must end within
// 10 s and 1 GB with a positioned error, never a Go stack trace.
func hostileSpecs() map[string]struct{ file, src, summary string } {
	rep := strings.Repeat
	deep := func(open, close string, n int) string { return rep(open, n) + "1" + rep(close, n) }
	doubling := `variable "v0" { default = "xx" }` + "\n"
	for i := 1; i <= 40; i++ {
		doubling += fmt.Sprintf("variable \"v%d\" { default = \"${v%d}${v%d}\" }\n", i, i-1, i-1)
	}
	funcs := "function \"f0\" {\n  params = [s]\n  result = \"${s}${s}\"\n}\n"
	for i := 1; i < 30; i++ {
		funcs += fmt.Sprintf("function \"f%d\" {\n  params = [s]\n  result = f%d(f%d(s))\n}\n", i, i-1, i-1)
	}
	bomb := "x-a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	prev := "a"
	for _, c := range "bcdefghij" {
		bomb += fmt.Sprintf("x-%c: &%c [%s]\n", c, c, strings.TrimSuffix(rep("*"+prev+",", 9), ","))
		prev = string(c)
	}
	var many, matrices strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&many, "target \"t%d\" {\n  bogus%d = 1\n}\n", i, i)
	}
	for i := range 100 {
		fmt.Fprintf(&matrices, "target \"m%d\" {\n  name = \"m%d-${x[0]}-${x[1]}\"\n  matrix = { x = setproduct(range(100), range(100)) }\n}\n", i, i)
	}
	target := func(expr string) string { return "target \"t\" {\n  args = { a = " + expr + " }\n}\n" }
	return map[string]struct{ file, src, summary string }{
		"yaml alias bomb":         {"xbuild.yaml", bomb + "targets:\n  t:\n    tags: *j\n", "Document too large"},
		"10 MB line":              {"xbuild.hcl", target(`"` + rep("x", 10<<20) + `" + 1`), "Line too long"},
		"900 KB line, type error": {"xbuild.hcl", target(`"` + rep("x", 900<<10) + `" + 1`), "Invalid operand"},
		"900 KB unterminated":     {"xbuild.hcl", "target \"t\" {\n  args = { a = \"" + rep("x", 900<<10) + "\n}\n", "Invalid multi-line string"},
		"20,000 errors":           {"xbuild.hcl", many.String(), "Unsupported argument"},
		"10^6 parentheses":        {"xbuild.hcl", target(deep("(", ")", 1_000_000)), "Nesting too deep"},
		"10^6 lists":              {"xbuild.hcl", target(deep("[", "]", 1_000_000)), "Nesting too deep"},
		"10^6 interpolations":     {"xbuild.hcl", target(`"` + deep(`${"`, `"}`, 1_000_000) + `"`), "Nesting too deep"},
		"variable doubling":       {"xbuild.hcl", doubling + target("v40"), "Value too large"},
		"function doubling":       {"xbuild.hcl", funcs + target(`f29("x")`), "Error in function call"},
		"setproduct":              {"xbuild.hcl", target("length(setproduct(range(1000), range(1000), range(1000)))"), "Error in function call"},
		"for over 10^9":           {"xbuild.hcl", target("length(flatten([for a in range(1000): [for b in range(1000): [for c in range(1000): c]]]))"), "Evaluation too long"},
		"for over a variable":     {"xbuild.hcl", "variable \"L\" {\n  default = range(1000)\n}\n" + target("length(flatten([for a in L: [for b in L: [for c in L: c]]]))"), "Evaluation too long"},
		"100 matrices of 10,000":  {"xbuild.hcl", matrices.String(), "Too many targets"},
		"format width":            {"xbuild.hcl", target(`format("%999999999d", 1)`), "Error in function call"},
		"number of 10^8 digits":   {"xbuild.hcl", target(`"${pow(10, 100000000)}"`), "Error in function call"},
	}
}

// TestHostileSpecs runs the real binary on each hostile spec with a
// deadline of 10 s, and checks its peak memory (ru_maxrss), exit code and
// message.
func TestHostileSpecs(t *testing.T) {
	bin, _ := filepath.Abs("../../bin/xbake")
	busybox, _ := filepath.Abs("../../bin/busybox-amd64")
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("bin/xbake missing in CI (bash scripts/setup builds it)")
		}
		t.Skip("bin/xbake not built")
	}
	position := regexp.MustCompile(`^xbuild\.(hcl|yaml):\d+:\d+: `)
	slots := make(chan struct{}, 2) // two at a time: each is timed
	for name, c := range hostileSpecs() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			slots <- struct{}{}
			defer func() { <-slots }()
			dir := t.TempDir()
			writeFile(t, dir, c.file, c.src)
			// busybox time measures xbake's peak memory: the rusage Go's
			// own wait gives is not the child's alone, since a child
			// started with vfork carries the test binary's peak RSS
			// across exec (Linux keeps ru_maxrss through execve).
			cmd := osexec.Command(busybox, "time", "-v", bin, "plan", "--print")
			cmd.Dir = dir
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			var stderr lockedBuffer
			cmd.Stderr = &stderr
			start := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			timer := time.AfterFunc(10*time.Second, func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
			cmd.Wait()
			timer.Stop()
			took := time.Since(start)
			out, measured, _ := strings.Cut(stderr.String(), "\tCommand being timed:")
			if took >= 10*time.Second {
				t.Fatalf("still running after 10 s; killed")
			}
			rss := maxRSS(t, measured)
			if rss > 1<<20 { // KiB
				t.Errorf("peak memory %d MiB, want under 1 GiB", rss>>10)
			}
			if code := cmd.ProcessState.ExitCode(); code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if strings.Contains(out, "goroutine ") || strings.Contains(out, "fatal error") || strings.Contains(out, "panic") {
				t.Fatalf("a Go trace:\n%.2000s", out)
			}
			if !position.MatchString(out) || !strings.Contains(strings.SplitN(out, "\n", 2)[0], ": "+c.summary) {
				t.Errorf("want FILE:LINE:COL: %s first, got:\n%.1000s", c.summary, out)
			}
			if len(out) > 100_000 {
				t.Errorf("%d bytes of error output", len(out))
			}
			t.Logf("%.1f s, %d MiB", took.Seconds(), rss>>10)
		})
	}
}

// maxRSS reads busybox time -v's peak memory, in KiB.
func maxRSS(t *testing.T, report string) int64 {
	t.Helper()
	_, after, ok := strings.Cut(report, "Maximum resident set size (kbytes): ")
	if !ok {
		t.Fatalf("no peak memory in busybox time's report:\n%s", report)
	}
	kib, err := strconv.ParseInt(strings.Fields(after)[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return kib
}
