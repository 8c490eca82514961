package builder

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDriversNeverReadTheSpec: the drivers take the builders the plan
// describes (desc), never the spec, so a run builds on exactly the
// builders its plan shows; and no package of exec imports the spec (it
// executes the plan's Program).
func TestDriversNeverReadTheSpec(t *testing.T) {
	for pkg, format := range map[string]string{
		"github.com/xbake/xbake/internal/builder":  "{{join .Deps \"\\n\"}}",
		"github.com/xbake/xbake/internal/exec/...": "{{join .Imports \"\\n\"}}",
	} {
		out, err := exec.Command("go", "list", "-f", format, pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == "github.com/xbake/xbake/spec" || strings.HasPrefix(dep, "github.com/xbake/xbake/spec/") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
