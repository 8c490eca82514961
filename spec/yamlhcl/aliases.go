package yamlhcl

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"gopkg.in/yaml.v3"
)

// checkExpansion measures what the document becomes once every alias is
// expanded, in time proportional to the document as written (each node's
// size is computed once). A few hundred bytes of nested aliases ("billion
// laughs") can stand for billions of values: such a document is refused
// at the alias that expands the most, before anything walks it.
func checkExpansion(s *source, root *yaml.Node) *hcl.Diagnostic {
	sizes := map[*yaml.Node]int{}
	if expandedSize(root, sizes, 0) <= maxNodes {
		return nil
	}
	culprit := root
	for n := root; n != nil; {
		if n.Kind == yaml.AliasNode {
			culprit = n
			break
		}
		var biggest *yaml.Node
		for _, c := range n.Content {
			if biggest == nil || sizes[c] > sizes[biggest] {
				biggest = c
			}
		}
		n = biggest
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Document too large",
		Detail: fmt.Sprintf("Once its aliases are expanded, this document holds more than %d values; this alias alone expands to %s. "+
			"Write the values out, or use fewer nested aliases.", maxNodes, countWord(sizes[culprit])),
		Subject: s.nodeRange(culprit).Ptr(),
	}
}

// expandedSize counts the values n stands for, aliases expanded, and
// saturates just above maxNodes so the sums cannot overflow.
func expandedSize(n *yaml.Node, sizes map[*yaml.Node]int, depth int) int {
	if size, ok := sizes[n]; ok {
		return size
	}
	sizes[n] = maxNodes + 1 // a node met again while it is measured is an alias cycle
	size := 1
	switch {
	case depth > maxDepth:
	case n.Kind == yaml.AliasNode && n.Alias != nil:
		size = expandedSize(n.Alias, sizes, depth+1)
	default:
		for _, c := range n.Content {
			size += expandedSize(c, sizes, depth+1)
			if size > maxNodes {
				size = maxNodes + 1
				break
			}
		}
	}
	sizes[n] = size
	return size
}

func countWord(n int) string {
	if n > maxNodes {
		return fmt.Sprintf("more than %d", maxNodes)
	}
	return fmt.Sprint(n)
}
