package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// These tests look at reports the way people do: a real run of
// examples/report by the real binary on a real buildkitd, opened in
// headless Chromium (Debian's chromium; scripts/test installs it).

// needBrowser returns the Chromium binary, or skips (fails in CI).
func needBrowser(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (scripts/test installs it)")
	}
	t.Skip("chromium is not installed")
	return ""
}

// needRun returns the xbake binary and an environment with a state
// directory of the test's own, or skips (fails in CI).
func needRun(t *testing.T) (string, []string) {
	t.Helper()
	bin, _ := filepath.Abs("../../bin/xbake")
	bk, _ := filepath.Abs("../../bin/buildkitd")
	for _, f := range []string{bin, bk, "../../bin/busybox-arm64"} {
		if _, err := os.Stat(f); err != nil || os.Geteuid() != 0 {
			if os.Getenv("CI") != "" {
				t.Fatalf("needs root and %s (bash scripts/setup): %v", f, err)
			}
			t.Skip("needs root and bash scripts/setup")
		}
	}
	state, err := os.MkdirTemp("/tmp", "xbr")
	if err != nil {
		t.Fatal(err)
	}
	// The load cache goes to the test's own directory, never the user's.
	env := append(os.Environ(), "XBAKE_STATE_DIR="+state, "XBAKE_BUILDKITD="+bk, "XBAKE_SPEC_CACHE="+filepath.Join(state, "spec-cache"))
	t.Cleanup(func() {
		stop := exec.Command(bin, "builders", "stop", "local")
		stop.Env, stop.Dir = env, state
		stop.Run()
		os.RemoveAll(state)
	})
	return bin, env
}

// chromium runs headless Chromium on a file with extra arguments and
// returns its stdout and the console messages the page logged.
func chromium(t *testing.T, browser, page string, args ...string) (string, []string) {
	t.Helper()
	args = append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
		"--user-data-dir=" + t.TempDir()}, args...)
	cmd := exec.Command(browser, append(args, "file://"+page)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	return stdout.String(), consoleMessages(stderr.String())
}

// consoleMessages picks the page's console output (script errors
// included) from Chromium's log.
func consoleMessages(log string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, ":CONSOLE") {
			out = append(out, line)
		}
	}
	return out
}

// The console check can fail: a page with a script error is caught.
func TestBrowserCatchesScriptErrors(t *testing.T) {
	browser := needBrowser(t)
	page := filepath.Join(t.TempDir(), "broken.html")
	os.WriteFile(page, []byte("<!doctype html><p>x</p><script>notDefined()</script>"), 0o644)
	if _, console := chromium(t, browser, page, "--dump-dom"); len(console) == 0 {
		t.Fatal("a script error went unnoticed")
	}
}

// TestReportOfARealRun runs examples/report (a failing target, one
// skipped for it, a cached one, a two-platform one, target: links),
// writes the report as HTML and JSON in one run, and opens the page in
// Chromium: no console messages, every target named, every bar where
// the JSON's times put it, and a screenshot.
func TestReportOfARealRun(t *testing.T) {
	browser := needBrowser(t)
	bin, env := needRun(t)
	dir := copyDir(t, "../../examples/report")
	for _, arch := range []string{"amd64", "arm64"} {
		b, _ := os.ReadFile("../../bin/busybox-" + arch)
		os.WriteFile(filepath.Join(dir, "busybox-"+arch), b, 0o755)
		os.Chmod(filepath.Join(dir, "busybox-"+arch), 0o755) // if the example held one already
	}
	xbake := func(args ...string) (int, string) {
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Env = dir, env
		out, _ := cmd.CombinedOutput()
		return cmd.ProcessState.ExitCode(), string(out)
	}
	if code, out := xbake("run", "tools", "--progress", "quiet"); code != 0 { // cached in the next run
		t.Fatalf("first run: exit %d\n%s", code, out)
	}
	code, out := xbake("run", "--keep-going", "--progress", "quiet", "--report", "r.html", "--report", "r.json")
	if code != 1 || !strings.Contains(out, "bad failed at") {
		t.Fatalf("the run should fail on bad: exit %d\n%s", code, out)
	}
	var r Report
	b, err := os.ReadFile(filepath.Join(dir, "r.json"))
	if err == nil {
		err = json.Unmarshal(b, &r)
	}
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[string]string{}
	for _, tg := range r.Targets {
		statuses[tg.Name] = tg.Status
	}
	want := map[string]string{"base": "built", "tools": "cached", "app": "built", "multi": "built", "bad": "failed", "after-bad": "skipped"}
	for name, status := range want {
		if statuses[name] != status {
			t.Errorf("%s is %q in the report, want %q", name, statuses[name], status)
		}
	}

	page := filepath.Join(dir, "r.html")
	dom, console := chromium(t, browser, page, "--dump-dom")
	if len(console) > 0 {
		t.Errorf("the page logged to the console:\n%s", strings.Join(console, "\n"))
	}
	for name := range want {
		if !strings.Contains(dom, fmt.Sprintf(`id="t-%s"`, name)) || !strings.Contains(dom, fmt.Sprintf(`data-target="%s"`, name)) {
			t.Errorf("the rendered page does not show target %s", name)
		}
	}
	if !strings.Contains(dom, "error: undefined reference to main") {
		t.Errorf("the page does not show the failing step's log")
	}
	bars := CheckBars(t, dom)
	for _, tg := range r.Targets {
		if tg.StartedMS == nil {
			continue
		}
		building, ok := bars[tg.Name+"/building"]
		if !ok || building[0] != *tg.StartedMS {
			t.Errorf("%s: building bar %v, the report says it started at %d ms", tg.Name, building, *tg.StartedMS)
		}
	}
	if _, ok := bars["multi/lane"]; !ok && len(find(&r, "multi").Lanes) > 0 {
		t.Errorf("multi's platforms have no rows")
	}

	png := filepath.Join(t.TempDir(), "report.png")
	start := time.Now()
	chromium(t, browser, page, "--window-size=1300,1400", "--screenshot="+png)
	t.Logf("screenshot in %s", time.Since(start))
	shot, err := os.ReadFile(png)
	if err != nil || !bytes.HasPrefix(shot, []byte("\x89PNG")) || len(shot) < 20_000 {
		t.Errorf("screenshot: %d bytes, %v", len(shot), err)
	}
}

// copyDir copies an example's files (not its out/) into a temporary
// directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644)
	}
	return dst
}
