package lsp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCompatCorpus opens every spec file of the bake compatibility
// cases (spec/testdata/compat: files shaped after real projects') and
// asks every request every few bytes: each gets an answer, none an
// error, and the session goes on; a file that loads has an outline.
func TestCompatCorpus(t *testing.T) {
	cases, _ := filepath.Glob("../../spec/testdata/compat/*/*")
	if len(cases) < 100 {
		t.Fatalf("%d compat cases: the corpus is missing", len(cases))
	}
	specNames := []string{"docker-bake.hcl", "docker-bake.override.hcl", "docker-bake.json", "compose.yaml", "docker-compose.yml", "docker-compose.local.yml"}
	opened := 0
	for _, dir := range cases {
		for _, name := range specNames {
			path, err := filepath.Abs(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				continue
			}
			opened++
			askEverywhere(t, path, string(b))
		}
	}
	t.Logf("%d files of %d cases", opened, len(cases))
}

// askEverywhere opens one file in a fresh session and asks every
// request at every 11th byte.
func askEverywhere(t *testing.T, path, text string) {
	c := startServer(t)
	c.call("initialize", map[string]any{"rootUri": pathToURI(filepath.Dir(path))})
	uri := pathToURI(path)
	doc := map[string]string{"uri": uri}
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "text": text}})
	diags := c.diagnostics(uri)
	for off := 0; off <= len(text); off += 11 {
		pos := posOf(t, text+"\x00", "\x00", off-len(text))
		for _, method := range []string{"textDocument/hover", "textDocument/definition", "textDocument/references", "textDocument/completion", "textDocument/rename", "textDocument/prepareRename"} {
			_, err := c.request(method, map[string]any{"textDocument": doc, "position": pos, "newName": "renamed", "context": map[string]bool{"includeDeclaration": true}})
			if err != nil && (method != "textDocument/rename" || err.Code != codeRequestFailed) {
				t.Fatalf("%s: %s at byte %d: %d %s", path, method, off, err.Code, err.Message)
			}
		}
	}
	var symbols []documentSymbol
	for _, method := range []string{"textDocument/codeLens", "textDocument/documentSymbol", "textDocument/formatting", "textDocument/inlayHint"} {
		result := c.call(method, map[string]any{"textDocument": doc, "range": rng{End: position{Line: 9999}}})
		if method == "textDocument/documentSymbol" {
			json.Unmarshal(result, &symbols)
		}
	}
	hasErrors := slices.ContainsFunc(diags, func(d diagnostic) bool { return d.Severity == 1 })
	if !hasErrors && len(symbols) == 0 && strings.HasSuffix(path, ".hcl") && strings.Contains(text, "target") {
		t.Errorf("%s loads but has no outline", path)
	}
	c.drain()
	c.call("shutdown", nil)
}
