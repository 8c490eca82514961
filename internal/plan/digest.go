package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"sort"

	"github.com/hashicorp/hcl/v2"

	"github.com/xbake/xbake/internal/inputs"
)

// computeDigests gives every node its input digest, parents first (the
// nodes are in level order). A target whose files cannot be read gets no
// digest and a warning; it is then never skipped as unchanged.
func (p *Plan) computeDigests() hcl.Diagnostics {
	var diags hcl.Diagnostics
	h := inputs.NewHasher()
	for _, n := range p.Nodes {
		parents := map[string]string{}
		var order []string
		for _, e := range n.Needs {
			if e.Kind == ContextEdge {
				parents[e.Context] = e.To.InputDigest
			} else {
				order = append(order, e.To.InputDigest)
			}
		}
		if len(order) > 0 {
			sort.Strings(order)
			sum := sha256.Sum256([]byte(fmt.Sprint(order)))
			parents["depends_on"] = hex.EncodeToString(sum[:])
		}
		dockerfile, _ := DockerfilePath(n.Target)
		d, err := h.Digest(n.Target, dockerfile, parents)
		if errors.Is(err, fs.ErrNotExist) {
			continue // missing-context and missing-dockerfile say it
		}
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Cannot hash inputs",
				Detail:   fmt.Sprintf("The inputs of target %q could not be read (%s), so --skip-unchanged will always build it.", n.Name, err),
				Subject:  n.Target.DeclRange.Ptr(),
			})
			continue
		}
		n.InputDigest = d
	}
	return diags
}
