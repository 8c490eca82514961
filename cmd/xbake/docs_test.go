package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xbake/xbake/internal/exec/display"
	"github.com/xbake/xbake/internal/exec/result"
)

var (
	codeSpan  = regexp.MustCompile("`([^`\n]+)`")
	flagToken = regexp.MustCompile(`^--([a-z][a-z0-9-]*)`)
)

// TestDocsNameRealFlags: every xbake command line the docs show in a code
// span (`xbake plan --diff REF`) and every flag named alone (`--push`)
// exists: the command, and each of its flags on it (a flag alone on plan
// or run).
func TestDocsNameRealFlags(t *testing.T) {
	root := newRootCommand()
	root.InitDefaultCompletionCmd() // cobra adds it when it runs
	files, _ := filepath.Glob("../../docs/*.md")
	files = append(files, "../../README.md")
	checked := 0
	for _, f := range files {
		b, _ := os.ReadFile(f)
		// Fenced blocks of other tools' languages are not xbake's.
		text := regexp.MustCompile("(?s)```(yaml workflow|json|hcl[^\n]*|yaml)\n.*?```").ReplaceAllString(string(b), "")
		for _, m := range codeSpan.FindAllStringSubmatch(text, -1) {
			span := m[1]
			switch {
			case strings.HasPrefix(span, "xbake "):
				checked += checkCommandLine(t, root, filepath.Base(f), strings.Fields(span)[1:])
			case flagToken.MatchString(span):
				name := flagToken.FindStringSubmatch(span)[1]
				if !hasFlag(root, []string{"plan"}, name) && !hasFlag(root, []string{"run"}, name) && !otherTools[name] {
					t.Errorf("%s: %q names no flag of xbake plan or run", filepath.Base(f), span)
				}
				checked++
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d flags and command lines checked: the scan misses the docs", checked)
	}
}

// otherTools are flags the docs name of git, docker or buildx.
var otherTools = map[string]bool{"unshallow": true, "privileged": true, "cap-add": true, "security-opt": true, "driver-opt": true,
	"oci-worker-platform": true, "tlscacert": true, "tlscert": true, "tlskey": true, "addr": true, "bootstrap": true, "use": true,
	"detailed-exitcode": true, "name": true, "keep-state": true, "debugaddr": true}

// checkCommandLine checks one `xbake ...` span: the subcommand exists and
// takes each --flag written after it.
func checkCommandLine(t *testing.T, root *cobra.Command, file string, args []string) int {
	var words []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") || strings.ContainsAny(a, "=./$<>[]|*'\"") {
			break
		}
		words = append(words, a)
	}
	cmd, rest, err := root.Find(words)
	if err != nil || cmd == nil {
		t.Errorf("%s: `xbake %s`: no such command", file, strings.Join(args, " "))
		return 0
	}
	n := 0
	for _, a := range args[len(words)-len(rest):] {
		m := flagToken.FindStringSubmatch(a)
		if m == nil {
			continue
		}
		if cmd.Flags().Lookup(m[1]) == nil && cmd.InheritedFlags().Lookup(m[1]) == nil && root.PersistentFlags().Lookup(m[1]) == nil {
			t.Errorf("%s: `xbake %s`: %s has no flag --%s", file, strings.Join(args, " "), cmd.CommandPath(), m[1])
		}
		n++
	}
	return n + 1
}

func hasFlag(root *cobra.Command, path []string, name string) bool {
	cmd, _, err := root.Find(path)
	if err != nil {
		return false
	}
	var found *pflag.Flag
	if found = cmd.Flags().Lookup(name); found == nil {
		found = root.PersistentFlags().Lookup(name)
	}
	return found != nil
}

// TestPlanJSONIsDocumented: every key of the plan's JSON documents (the
// plan, --list targets and --list variables) is named in
// docs/plan-json.md.
func TestPlanJSONIsDocumented(t *testing.T) {
	doc, _ := os.ReadFile("../../docs/plan-json.md")
	dir := planProject(t)
	writeFile(t, dir, "xbuild.hcl", readFile(t, dir, "xbuild.hcl")+"variable \"TAG\" {\n  type = string\n  default = \"1\"\n  description = \"the tag\"\n}\ngroup \"all\" {\n  description = \"all\"\n  targets = [\"app\"]\n}\n")
	for _, args := range [][]string{{"plan", "--format", "json"}, {"plan", "--list", "targets", "--format", "json"}, {"plan", "--list", "variables", "--format", "json"}} {
		_, out, _ := xbake(t, dir, "", args...)
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		for key := range jsonKeys(v, map[string]bool{}) {
			if !strings.Contains(string(doc), "`"+key+"`") && !strings.Contains(string(doc), "."+key+"`") && !strings.Contains(string(doc), "\""+key+"\"") {
				t.Errorf("%v: key %q is not in docs/plan-json.md", args, key)
			}
		}
	}
}

// jsonKeys collects every object key in v, but not the keys of maps
// keyed by data (contexts, waits, args).
func jsonKeys(v any, into map[string]bool) map[string]bool {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			into[k] = true
			if k == "contexts" || k == "waits" || k == "byStatus" {
				continue
			}
			jsonKeys(e, into)
		}
	case []any:
		for _, e := range x {
			jsonKeys(e, into)
		}
	}
	return into
}

// TestRunStatusesAreDocumented: every status a target can end with is in
// docs/run.md.
func TestRunStatusesAreDocumented(t *testing.T) {
	doc, _ := os.ReadFile("../../docs/run.md")
	for _, s := range []result.Status{result.Built, result.Cached, result.UpToDate, result.Failed, result.Skipped, result.Cancelled, display.NotBuilt} {
		if !strings.Contains(string(doc), string(s)) {
			t.Errorf("docs/run.md does not name the status %q", s)
		}
	}
}
