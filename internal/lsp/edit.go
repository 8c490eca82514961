package lsp

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/xbake/xbake/schema"
)

// completion offers, at the cursor: in a string of inherits, targets,
// depends_on or after "target:", the project's target (and group) names;
// after "${", its variables; at the top level, the block types; inside a
// block, the attributes the block takes, with the schema's words for
// them.
func (s *Server) completion(a *analysis, path string, at position) []completionItem {
	text, _ := s.readFile(path)
	lineText := string(text[lineStart(text, at.Line):])
	if i := strings.IndexByte(lineText, '\n'); i >= 0 {
		lineText = lineText[:i]
	}
	before := lineText[:min(len(lineText), byteOffset(lineText, position{Character: at.Character}))]
	items := []completionItem{}
	switch {
	case strings.Count(before, "${") > strings.Count(before, "}"):
		for _, v := range a.spec.Variables {
			items = append(items, completionItem{Label: v.Name, Kind: kindVariable, Detail: "variable"})
		}
	case strings.Count(before, `"`)%2 == 1:
		attr := attrOfLine(before)
		if attr == "inherits" || attr == "targets" || attr == "depends_on" || strings.HasSuffix(before, "target:") {
			for _, name := range a.spec.TargetNames {
				items = append(items, completionItem{Label: name, Kind: kindClass, Detail: "target"})
			}
			if attr != "inherits" && !strings.HasSuffix(before, "target:") {
				for name := range a.spec.Groups {
					items = append(items, completionItem{Label: name, Kind: kindModule, Detail: "group"})
				}
			}
		}
	case strings.TrimSpace(before) == before && !strings.Contains(before, "="):
		for _, b := range []string{"target", "group", "variable", "function", "builder"} {
			items = append(items, completionItem{Label: b, Kind: kindKeyword, Detail: "block"})
		}
	case !strings.Contains(before, "="):
		block := enclosingBlock(string(text[:lineStart(text, at.Line)]))
		for _, p := range blockAttributes(block) {
			items = append(items, completionItem{Label: p.name, Kind: kindProperty, Detail: block + " attribute",
				Documentation: p.doc})
		}
	}
	slices.SortFunc(items, func(x, y completionItem) int { return strings.Compare(x.Label, y.Label) })
	return items
}

var attrLine = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=`)

func attrOfLine(line string) string {
	if m := attrLine.FindStringSubmatch(line); m != nil {
		return m[1]
	}
	return ""
}

var blockLine = regexp.MustCompile(`(?m)^\s*(target|group|variable|function|builder)\b[^{\n]*\{\s*$`)

// enclosingBlock is the type of the last block opened before the cursor.
func enclosingBlock(before string) string {
	m := blockLine.FindAllStringSubmatch(before, -1)
	if len(m) == 0 {
		return "target"
	}
	return m[len(m)-1][1]
}

type attribute struct{ name, doc string }

// blockAttributes lists a block's attributes from xbake's JSON Schema,
// the one description of the format.
func blockAttributes(block string) []attribute { return schemaAttributes()[block] }

// schemaAttributes reads the schema's blocks and their attributes, once.
var schemaAttributes = sync.OnceValue(func() map[string][]attribute {
	var doc struct {
		Defs map[string]struct {
			Properties map[string]struct {
				Description string `json:"description"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	out := map[string][]attribute{}
	if json.Unmarshal(schema.Document, &doc) != nil {
		return out
	}
	for block, d := range doc.Defs {
		for name, p := range d.Properties {
			out[block] = append(out[block], attribute{name, p.Description})
		}
	}
	return out
})

// references are the places a target, group, variable or builder is
// named: its declaration, "NAME" and "target:NAME" strings for targets
// and groups, ${NAME} and bare NAME outside strings for variables.
func (s *Server) references(a *analysis, path string, at position) []location {
	word := s.wordAt(path, at)
	kind := ""
	switch {
	case a.spec.Targets[word] != nil || a.spec.Groups[word] != nil:
		kind = "target"
	case a.spec.Builders[word] != nil:
		kind = "builder"
	default:
		for _, v := range a.spec.Variables {
			if v.Name == word {
				kind = "variable"
			}
		}
	}
	if kind == "" {
		return nil
	}
	var out []location
	for _, file := range a.spec.FilePaths {
		text, err := s.readFile(file)
		if err != nil {
			continue
		}
		for _, off := range occurrences(string(text), word, kind) {
			start := offsetPosition(string(text), off)
			end := offsetPosition(string(text), off+len(word))
			out = append(out, location{URI: pathToURI(file), Range: rng{Start: start, End: end}})
		}
	}
	return out
}

// occurrences finds the byte offsets where name is named as kind.
func occurrences(text, name, kind string) []int {
	q := regexp.QuoteMeta(name)
	var re *regexp.Regexp
	if kind == "variable" {
		re = regexp.MustCompile(`(?:^|[^A-Za-z0-9_."-])(` + q + `)(?:$|[^A-Za-z0-9_-])|"(` + q + `)"`)
	} else {
		re = regexp.MustCompile(`"(?:target:)?(` + q + `)"`)
	}
	var out []int
	for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
		for g := 2; g+1 < len(m); g += 2 {
			if m[g] >= 0 {
				out = append(out, m[g])
			}
		}
	}
	return out
}

// offsetPosition is the LSP position of a byte offset.
func offsetPosition(text string, off int) position {
	line := strings.Count(text[:off], "\n")
	start := strings.LastIndexByte(text[:off], '\n') + 1
	return position{Line: line, Character: utf16Len(text[start:off])}
}

// rename renames a target, group, variable or builder everywhere the
// project names it.
func (s *Server) rename(a *analysis, path string, at position, newName string) map[string]any {
	changes := map[string][]textEdit{}
	for _, loc := range s.references(a, path, at) {
		changes[loc.URI] = append(changes[loc.URI], textEdit{Range: loc.Range, NewText: newName})
	}
	return map[string]any{"changes": changes}
}
