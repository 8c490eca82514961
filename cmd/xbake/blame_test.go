package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFailingSharedBaseIsBlamed: a base used by three targets through
// target: contexts fails in a RUN step. The run must say base failed,
// at its step and with its log, and that its users were skipped because
// of it, in the summary, the metadata file and the report, with
// fail-fast and with --keep-going. Left lazy, base's steps ran inside
// whichever user got there first, which was then blamed.
func TestFailingSharedBaseIsBlamed(t *testing.T) {
	realBuilder(t)
	for _, keepGoing := range []bool{false, true} {
		t.Run(fmt.Sprintf("keep-going=%v", keepGoing), func(t *testing.T) {
			dir := t.TempDir()
			b, err := os.ReadFile("../../bin/busybox-amd64")
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, "busybox"), b, 0o755)
			nonce := time.Now().UnixNano()
			writeFile(t, dir, "base.Dockerfile", fmt.Sprintf("FROM scratch\nCOPY busybox /bin/busybox\nENV NONCE=%d\n"+
				"RUN [\"/bin/busybox\", \"sh\", \"-c\", \"echo base-is-broken; exit 3\"]\n", nonce))
			writeFile(t, dir, "user.Dockerfile", "FROM base\nRUN [\"/bin/busybox\", \"true\"]\n")
			writeFile(t, dir, "alone.Dockerfile", fmt.Sprintf("FROM scratch\nCOPY busybox /bin/busybox\nENV NONCE=%d\nRUN [\"/bin/busybox\", \"true\"]\n", nonce))
			spec := "group \"default\" { targets = [\"auth\", \"web\", \"worker\", \"alone\"] }\n" +
				"target \"base\" { dockerfile = \"base.Dockerfile\" }\n" +
				"target \"alone\" {\n  dockerfile = \"alone.Dockerfile\"\n  output = [\"type=cacheonly\"]\n}\n"
			for _, user := range []string{"auth", "web", "worker"} {
				spec += fmt.Sprintf("target %q {\n  dockerfile = \"user.Dockerfile\"\n  contexts = { base = \"target:base\" }\n  output = [\"type=cacheonly\"]\n}\n", user)
			}
			writeFile(t, dir, "xbuild.hcl", spec)
			args := []string{"run", "--progress", "quiet", "--metadata-file", "meta.json", "--report", "run.json"}
			if keepGoing {
				args = append(args, "--keep-going")
			}
			code, out, errOut := xbake(t, dir, "", args...)
			if code != 1 {
				t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errOut)
			}
			// The summary: base failed at its own RUN, with its log;
			// no user failed.
			if !strings.Contains(out, "\nbase failed at") || !strings.Contains(out, "base-is-broken") {
				t.Errorf("the summary should blame base, with its step and log:\n%s", out)
			}
			for _, user := range []string{"auth", "web", "worker"} {
				if !rowHasStatus(out, user, "skipped (base failed)") {
					t.Errorf("%s should be skipped because base failed:\n%s", user, out)
				}
				if strings.Contains(out, "\n"+user+" failed") {
					t.Errorf("%s is blamed for base's failure:\n%s", user, out)
				}
			}
			// The metadata file.
			var meta map[string]map[string]any
			raw, _ := os.ReadFile(filepath.Join(dir, "meta.json"))
			if err := json.Unmarshal(raw, &meta); err != nil {
				t.Fatalf("metadata: %v\n%s", err, raw)
			}
			st := func(name string) map[string]any { m, _ := meta[name]["xbake.status"].(map[string]any); return m }
			if s := st("base"); s["status"] != "failed" || !strings.Contains(fmt.Sprint(s["step"]), "RUN") {
				t.Errorf("metadata of base: %v", s)
			}
			for _, user := range []string{"auth", "web", "worker"} {
				if s := st(user); s["status"] != "skipped" || s["cause"] != "base" {
					t.Errorf("metadata of %s: %v", user, s)
				}
			}
			if keepGoing {
				if s := st("alone"); s["status"] != "built" && s["status"] != "cached" {
					t.Errorf("with --keep-going, alone builds: %v", s)
				}
			}
			// The report.
			var rep struct {
				Targets []struct{ Name, Status, Reason, Cause string }
			}
			raw, _ = os.ReadFile(filepath.Join(dir, "run.json"))
			if err := json.Unmarshal(raw, &rep); err != nil {
				t.Fatalf("report: %v\n%.500s", err, raw)
			}
			for _, tr := range rep.Targets {
				want := map[string]string{"base": "failed", "auth": "skipped", "web": "skipped", "worker": "skipped"}[tr.Name]
				if want != "" && tr.Status != want {
					t.Errorf("report: %s is %s (%s), want %s", tr.Name, tr.Status, tr.Reason, want)
				}
				if want == "skipped" && tr.Cause != "base" {
					t.Errorf("report: %s's cause is %q, want base", tr.Name, tr.Cause)
				}
			}
		})
	}
}

// rowHasStatus reports whether out has a table row for name whose status
// column starts with status.
func rowHasStatus(out, name, status string) bool {
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		if len(fields) > 1 && fields[0] == name && strings.HasPrefix(strings.TrimSpace(strings.TrimPrefix(line, name)), status) {
			return true
		}
	}
	return false
}

// TestPlanFailureStillWritesReportAndMetadata: a CI step that uploads
// the report and the metadata whatever happened must find both, saying
// nothing was built and why, when the plan or the spec has errors.
func TestPlanFailureStillWritesReportAndMetadata(t *testing.T) {
	for name, src := range map[string]string{
		"plan error": "target \"app\" {\n  dockerfile = \"missing.Dockerfile\"\n}\n",
		"spec error": "target \"app\" {\n  tags = \"one\"\n}\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "xbuild.hcl", src)
			code, _, errOut := xbake(t, dir, "", "run", "--report", "r.html", "--report", "r.json", "--metadata-file", "m.json")
			if code != 1 {
				t.Fatalf("exit %d, want 1\n%s", code, errOut)
			}
			if info, err := os.Stat(filepath.Join(dir, "r.html")); err != nil || info.Size() == 0 {
				t.Errorf("no HTML report: %v", err)
			}
			var rep struct {
				Findings []struct{ Severity, Summary, File string }
			}
			raw, _ := os.ReadFile(filepath.Join(dir, "r.json"))
			err := json.Unmarshal(raw, &rep)
			hasError := false
			for _, f := range rep.Findings {
				hasError = hasError || f.Severity == "error"
			}
			if err != nil || !hasError {
				t.Errorf("the report should hold the errors: %v\n%.400s", err, raw)
			}
			meta := map[string]map[string]any{}
			raw, err = os.ReadFile(filepath.Join(dir, "m.json"))
			if err != nil || json.Unmarshal(raw, &meta) != nil {
				t.Fatalf("no metadata file: %v\n%s", err, raw)
			}
			st, _ := meta["app"]["xbake.status"].(map[string]any)
			if st["status"] != "not built" || !strings.Contains(fmt.Sprint(st["reason"]), "plan has errors") {
				t.Errorf("metadata of app: %v", meta["app"])
			}
		})
	}
}
