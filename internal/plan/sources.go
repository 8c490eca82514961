package plan

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/rule"
	"github.com/xbake/xbake/spec"
)

// MissingSources reports the secrets and SSH sources of a target that a
// build could not open: a secret file that does not exist (a secret
// with only an id reads the environment variable of that name if it is
// set, else the file of that name in cwd, as BuildKit's session does),
// an environment variable that is not set (when envToo: bake's --print
// does not check those), the default SSH agent without SSH_AUTH_SOCK, a
// key file that does not exist. Only presence is checked; no value is
// read.
func MissingSources(name string, t *spec.Target, lookupEnv func(string) (string, bool), cwd string, envToo bool) hcl.Diagnostics {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	var diags hcl.Diagnostics
	report := func(summary string, rng hcl.Range, format string, args ...any) {
		diags = append(diags, rule.Tag(rule.MissingSecret, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary,
			Detail: fmt.Sprintf(format, args...), Subject: rng.Ptr()}))
	}
	missing := func(rng hcl.Range, format string, args ...any) { report("Missing secret", rng, format, args...) }
	missingSSH := func(rng hcl.Range, format string, args ...any) { report("Missing SSH source", rng, format, args...) }
	for _, s := range t.Secrets {
		switch {
		case s.Src != "":
			if _, err := os.Stat(s.Src); err != nil {
				missing(s.Range, "The secret %q of target %q is read from %q, which does not exist.", s.ID, name, s.Src)
			}
		case s.Env != "":
			if _, ok := lookupEnv(s.Env); !ok && envToo {
				missing(s.Range, "The secret %q of target %q is read from the environment variable %s, which is not set.", s.ID, name, s.Env)
			}
		default:
			if _, ok := lookupEnv(s.ID); ok {
				continue
			}
			if _, err := os.Stat(absIn(cwd, s.ID)); err != nil {
				missing(s.Range, "The secret %q of target %q names no source, so it is read from the environment variable %s or else the file %s; neither exists. Add env=VAR or src=FILE.", s.ID, name, s.ID, absIn(cwd, s.ID))
			}
		}
	}
	for _, s := range t.SSH {
		if len(s.Paths) == 0 {
			if sock, _ := lookupEnv("SSH_AUTH_SOCK"); sock == "" {
				missingSSH(s.Range, "The SSH source %q of target %q forwards your SSH agent, but SSH_AUTH_SOCK is not set. Start an agent (eval $(ssh-agent); ssh-add) or name key files: %s=~/.ssh/id_ed25519.", s.ID, name, s.ID)
			}
			continue
		}
		for _, p := range s.Paths {
			if _, err := os.Stat(p); err != nil {
				missingSSH(s.Range, "The SSH source %q of target %q reads %q, which does not exist.", s.ID, name, p)
			}
		}
	}
	return diags
}

func absIn(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}
