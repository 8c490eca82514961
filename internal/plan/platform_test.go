package plan

import (
	"strings"
	"testing"
)

func TestCheckPlatform(t *testing.T) {
	for p, want := range map[string]string{
		"linux/amd64":             "",
		"linux/arm/v7":            "",
		"linux/amd64/v3":          "",
		"windows/amd64":           "",
		"linux/amd64,linux/arm64": "",
		"linux/amd65":             `Did you mean "linux/amd64"?`,
		"Linux/ARM64":             `Did you mean "linux/arm64"?`,
		"linux/arm64/v9":          `Did you mean "linux/arm64/v8"?`,
		"linux/riscv64/v1":        `Did you mean "linux/riscv64"?`,
		"lnux/amd64":              `Did you mean "linux/amd64"?`,
		"linux":                   "write OS/ARCH[/VARIANT]",
		"linux/amd64,linux/arm65": `Did you mean "linux/arm64"?`,
		"plan9/amd64":             "",
		"amd64":                   "write OS/ARCH",
	} {
		got := checkPlatform(p)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("checkPlatform(%q) = %q, want %q", p, got, want)
		}
	}
}
