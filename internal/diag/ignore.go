package diag

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/rule"
)

// directive is an ignore comment: "# xbake:ignore no-output" or
// "// xbake:ignore no-output, duplicate-tag".
var directive = regexp.MustCompile(`(?:#|//)\s*xbake:ignore\s+([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)`)

// Ignore drops the warnings a user silenced: those of a rule in ids
// (--ignore, for one run), and those with an ignore comment naming
// their rule on the line they point at or alone on the line above (for
// one target or one line of the spec). Errors are never dropped: a
// build that cannot work is not silenced. It returns what is left and
// how many were dropped.
func Ignore(diags hcl.Diagnostics, sources map[string]*hcl.File, ids []rule.ID) (hcl.Diagnostics, int) {
	out := make(hcl.Diagnostics, 0, len(diags))
	lines := lineIndex{}
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning && silenced(d, sources, lines, ids) {
			continue
		}
		out = append(out, d)
	}
	return out, len(diags) - len(out)
}

func silenced(d *hcl.Diagnostic, sources map[string]*hcl.File, lines lineIndex, ids []rule.ID) bool {
	id := rule.Of(d)
	for _, i := range ids {
		if i == id {
			return true
		}
	}
	if d.Subject == nil || sources[d.Subject.Filename] == nil {
		return false
	}
	src := lines.lines(d.Subject.Filename, sources[d.Subject.Filename].Bytes)
	at := d.Subject.Start.Line - 1
	if at < 0 || at >= len(src) {
		return false
	}
	if names(src[at])[id] {
		return true
	}
	if at > 0 {
		above := bytes.TrimSpace(src[at-1])
		return (bytes.HasPrefix(above, []byte("#")) || bytes.HasPrefix(above, []byte("//"))) && names(above)[id]
	}
	return false
}

// names are the rule IDs an ignore comment on a line names.
func names(line []byte) map[rule.ID]bool {
	m := directive.FindSubmatch(line)
	if m == nil {
		return nil
	}
	out := map[rule.ID]bool{}
	for _, n := range strings.Split(string(m[1]), ",") {
		out[rule.ID(strings.TrimSpace(n))] = true
	}
	return out
}
