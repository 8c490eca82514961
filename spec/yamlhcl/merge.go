package yamlhcl

import "gopkg.in/yaml.v3"

// maxMergeDepth bounds expandMerges on documents whose aliases nest deep.
const maxMergeDepth = 64

// ExpandMerges returns n with aliases replaced by what they name and
// YAML merge keys ("<<: *base", "<<: [*a, *b]") applied as YAML defines
// them: a key written in the mapping beats a merged one, and an earlier
// merged mapping beats a later one. The nodes keep their positions: a
// merged value is reported where its anchor wrote it.
func ExpandMerges(n *yaml.Node) *yaml.Node { return expandMerges(n, 0) }

func expandMerges(n *yaml.Node, depth int) *yaml.Node {
	if n == nil || depth > maxMergeDepth {
		return n
	}
	if n.Kind == yaml.AliasNode {
		return expandMerges(n.Alias, depth+1)
	}
	if n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode && n.Kind != yaml.DocumentNode {
		return n
	}
	c := *n
	c.Content = nil
	if n.Kind != yaml.MappingNode {
		for _, item := range n.Content {
			c.Content = append(c.Content, expandMerges(item, depth+1))
		}
		return &c
	}
	var merged []*yaml.Node
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "<<" && k.Tag != "!!str" {
			merged = append(merged, expandMerges(v, depth+1))
			continue
		}
		seen[k.Value] = true
		c.Content = append(c.Content, k, expandMerges(v, depth+1))
	}
	var sources []*yaml.Node
	for _, m := range merged {
		if m.Kind == yaml.SequenceNode {
			sources = append(sources, m.Content...)
		} else {
			sources = append(sources, m)
		}
	}
	for _, src := range sources {
		for i := 0; src.Kind == yaml.MappingNode && i+1 < len(src.Content); i += 2 {
			if k := src.Content[i]; !seen[k.Value] {
				seen[k.Value] = true
				c.Content = append(c.Content, k, src.Content[i+1])
			}
		}
	}
	return &c
}
