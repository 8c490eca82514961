package plan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xbake/xbake/spec"
)

// A secret with only an id reads the variable of that name, else the
// file; an SSH source without paths needs the agent.
func TestMissingSources(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "present"), []byte("x"), 0o600)
	target := &spec.Target{
		Secrets: []spec.Secret{{ID: "present"}, {ID: "fromenv"}, {ID: "absent"}, {ID: "e", Env: "UNSET_VAR"}},
		SSH:     []spec.SSH{{ID: "default"}, {ID: "key", Paths: []string{filepath.Join(dir, "nokey")}}},
	}
	env := map[string]string{"fromenv": "1"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }

	var got []string
	for _, d := range MissingSources("app", target, lookup, dir, true) {
		got = append(got, d.Summary+": "+d.Detail)
	}
	text := strings.Join(got, "\n")
	for _, want := range []string{`secret "absent"`, "UNSET_VAR", "SSH_AUTH_SOCK", "nokey"} {
		if !strings.Contains(text, want) {
			t.Errorf("no finding mentions %s:\n%s", want, text)
		}
	}
	for _, unwanted := range []string{`"present"`, `"fromenv"`} {
		if strings.Contains(text, unwanted) {
			t.Errorf("%s exists, yet:\n%s", unwanted, text)
		}
	}
	if len(got) != 4 {
		t.Errorf("%d findings, want 4:\n%s", len(got), text)
	}
	// --print (envToo false) does not check variables, as bake's.
	env["SSH_AUTH_SOCK"] = "/tmp/agent.sock"
	if d := MissingSources("app", target, lookup, dir, false); len(d) != 2 {
		t.Errorf("--print: %d findings, want 2 (absent, nokey): %v", len(d), d)
	}
}
