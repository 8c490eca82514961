package lsp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// posOf is the position of the first occurrence of sub in text, moved
// by delta bytes (ASCII text).
func posOf(t *testing.T, text, sub string, delta int) position {
	t.Helper()
	i := strings.Index(text, sub)
	if i < 0 {
		t.Fatalf("%q not in the text", sub)
	}
	i += delta
	return position{Line: strings.Count(text[:i], "\n"), Character: i - strings.LastIndexByte(text[:i], '\n') - 1}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const (
	rootSpec = `include = ["services/*/xbuild.hcl"]
variable "TAG" { default = "1.2" }
variable "name" { default = "n" }
function "img" {
  params = [name]
  result = "example.com/${name}:${TAG}"
}
builder "multi" {
  driver    = "docker-container"
  platforms = ["linux/amd64", "linux/riscv64"]
}
target "base" {
  context = "base"
  output  = ["type=cacheonly"]
}
`
	apiSpec = `target "api" {
  context   = "."
  contexts  = { base = "target:base" }
  tags      = [img("api")]
  platforms = ["linux/amd64"]
  builder   = "multi"
  args      = { TAG = "TAG" }
  output    = ["type=cacheonly"]
}
`
)

// TestProjectFeatures: a spec of included files, as an editor sees it
// from one of the included ones. The file is read with the spec that
// includes it (its variables and functions resolve); definitions,
// references, rename, hover, completion, code lenses with their
// commands and inlay hints follow names across the files, by the syntax
// tree (a string that happens to equal a variable's name is not a
// reference to it).
func TestProjectFeatures(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"xbuild.hcl": rootSpec, "services/api/xbuild.hcl": apiSpec,
		"services/api/Dockerfile": "FROM scratch\n", "base/Dockerfile": "FROM scratch\n",
	})
	rootPath, apiPath := filepath.Join(root, "xbuild.hcl"), filepath.Join(root, "services/api/xbuild.hcl")
	rootURI, apiURI := pathToURI(rootPath), pathToURI(apiPath)
	fake := filepath.Join(t.TempDir(), "xbake")
	os.WriteFile(fake, []byte("#!/bin/sh\necho \"in $PWD: $*\"\n"), 0o755)

	c := startServerWith(t, Options{Command: fake})
	var init struct{ Capabilities map[string]any }
	json.Unmarshal(c.call("initialize", map[string]any{"rootUri": pathToURI(root)}), &init)
	if init.Capabilities["codeLensProvider"] == nil || init.Capabilities["inlayHintProvider"] != true {
		t.Fatalf("capabilities: %v", init.Capabilities)
	}
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": apiURI, "text": apiSpec}})
	if d := c.diagnostics(apiURI); len(d) != 0 {
		t.Fatalf("the included file, read with its includer, has diagnostics: %+v", d)
	}
	edited := strings.Replace(apiSpec, "img(", "imgx(", 1)
	c.notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": apiURI}, "contentChanges": []map[string]string{{"text": edited}}})
	if d := c.diagnostics(apiURI); len(d) != 1 || d[0].Range.Start.Line != 3 || !strings.Contains(d[0].Message, "imgx") {
		t.Fatalf("after calling an unknown function: %+v", d)
	}
	c.notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": apiURI}, "contentChanges": []map[string]string{{"text": apiSpec}}})
	if d := c.diagnostics(apiURI); len(d) != 0 {
		t.Fatalf("after the undo: %+v", d)
	}

	at := func(uri, text, sub string, delta int) map[string]any {
		return map[string]any{"textDocument": map[string]string{"uri": uri}, "position": posOf(t, text, sub, delta)}
	}
	var loc location
	for _, tc := range []struct {
		sub       string
		delta     int
		uri, line string
	}{
		{`img("api")`, 1, rootURI, `function "img"`},   // a function, in the including file
		{`"target:base"`, 9, rootURI, `target "base"`}, // target: in contexts
		{`"multi"`, 2, rootURI, `builder "multi"`},
	} {
		json.Unmarshal(c.call("textDocument/definition", at(apiURI, apiSpec, tc.sub, tc.delta)), &loc)
		if want := posOf(t, rootSpec, tc.line, 0).Line; loc.URI != tc.uri || loc.Range.Start.Line != want {
			t.Errorf("definition at %s: %+v, want line %d of %s", tc.sub, loc, want, tc.uri)
		}
	}
	json.Unmarshal(c.call("textDocument/definition", at(apiURI, apiSpec, `"."`, 1)), &loc)
	if loc.URI != pathToURI(filepath.Join(root, "services/api/Dockerfile")) {
		t.Errorf("definition at context: %+v, want the Dockerfile", loc)
	}

	// TAG: declared, and used in the function; the "TAG" string and the
	// args key in the other file are not references.
	refs := func(uri, text, sub string, delta int) []location {
		var out []location
		p := at(uri, text, sub, delta)
		p["context"] = map[string]bool{"includeDeclaration": true}
		json.Unmarshal(c.call("textDocument/references", p), &out)
		return out
	}
	got := refs(rootURI, rootSpec, `"TAG"`, 1)
	if len(got) != 2 || got[0].Range.Start != posOf(t, rootSpec, `"TAG"`, 1) || got[1].Range.Start != posOf(t, rootSpec, "${TAG}", 2) {
		t.Errorf("references of TAG: %+v", got)
	}
	got = refs(rootURI, rootSpec, `target "base"`, 8)
	if len(got) != 2 || got[1].URI != apiURI || got[1].Range.Start != posOf(t, apiSpec, "target:base", 7) {
		t.Errorf("references of base: %+v", got)
	}
	var ws struct{ Changes map[string][]textEdit }
	p := at(apiURI, apiSpec, `img("api")`, 0)
	p["newName"] = "image"
	json.Unmarshal(c.call("textDocument/rename", p), &ws)
	if len(ws.Changes[rootURI]) != 1 || len(ws.Changes[apiURI]) != 1 || ws.Changes[rootURI][0].Range.Start != posOf(t, rootSpec, `img"`, 0) {
		t.Errorf("rename of img: %+v", ws.Changes)
	}
	for newName, want := range map[string]string{"bad name": "not a valid function name", "upper": "built-in", "TAG": ""} {
		p := at(apiURI, apiSpec, `img("api")`, 0)
		p["newName"] = newName
		_, err := c.request("textDocument/rename", p)
		if want == "" && err != nil || want != "" && (err == nil || err.Code != codeRequestFailed || !strings.Contains(err.Message, want)) {
			t.Errorf("rename of img to %q: %+v, want %q", newName, err, want)
		}
	}
	var prep struct {
		Range       *rng
		Placeholder string
	}
	json.Unmarshal(c.call("textDocument/prepareRename", at(apiURI, apiSpec, `img("api")`, 2)), &prep)
	if prep.Placeholder != "img" || prep.Range == nil || prep.Range.Start != posOf(t, apiSpec, `img("api")`, 0) || prep.Range.End != posOf(t, apiSpec, `img("api")`, 3) {
		t.Errorf("prepareRename on img: %+v", prep)
	}
	if got := c.call("textDocument/prepareRename", at(apiURI, apiSpec, `"linux/amd64"]`, 2)); string(got) != "null" {
		t.Errorf("prepareRename on a platform: %s, want null", got)
	}
	p = at(rootURI, rootSpec, `target "base"`, 8)
	p["newName"] = "api"
	if _, err := c.request("textDocument/rename", p); err == nil || !strings.Contains(err.Message, `A target named "api" is already declared`) {
		t.Errorf("rename of base to api: %+v", err)
	}
	if got := refs(rootURI, rootSpec, `variable "name"`, 11); len(got) != 1 {
		t.Errorf("a function's parameter is taken for the variable of its name: %+v", got)
	}

	var h hover
	json.Unmarshal(c.call("textDocument/hover", at(apiURI, apiSpec, `"api"`, 1)), &h)
	for _, want := range []string{"builder: multi (docker-container)", "platforms: linux/amd64", "waits for: base (context base)", `"example.com/api:1.2"`} {
		if !strings.Contains(h.Contents.Value, want) {
			t.Errorf("hover on api lacks %q:\n%s", want, h.Contents.Value)
		}
	}
	json.Unmarshal(c.call("textDocument/hover", at(apiURI, apiSpec, `img(`, 0)), &h)
	if !strings.Contains(h.Contents.Value, "function img") {
		t.Errorf("hover on img: %s", h.Contents.Value)
	}

	labels := func(uri, text, sub string, delta int) map[string]completionItem {
		var items []completionItem
		json.Unmarshal(c.call("textDocument/completion", at(uri, text, sub, delta)), &items)
		out := map[string]completionItem{}
		for _, it := range items {
			out[it.Label] = it
		}
		return out
	}
	if got := labels(apiURI, apiSpec, `["linux/amd64"]`, 2); got["linux/riscv64"].Label == "" {
		t.Errorf("completion in platforms: %v", got)
	}
	if got := labels(apiURI, apiSpec, `[img(`, 1); got["img"].Detail != "function" || !strings.HasPrefix(got["upper"].Detail, "upper(") || got["TAG"].Detail != "variable" {
		t.Errorf("completion in an expression: img %+v, upper %+v, TAG %+v", got["img"], got["upper"], got["TAG"])
	}
	if got := labels(rootURI, rootSpec, `"docker-container"`, 1); got["docker-container"].Label == "" || got["remote"].Label == "" {
		t.Errorf("completion of drivers: %v", got)
	}

	var lenses []codeLens
	json.Unmarshal(c.call("textDocument/codeLens", map[string]any{"textDocument": map[string]string{"uri": apiURI}}), &lenses)
	if len(lenses) != 2 || lenses[0].Command.Command != commandPlan || lenses[1].Command.Command != commandRun || lenses[0].Range.Start.Line != 0 {
		t.Fatalf("code lenses: %+v", lenses)
	}
	var result struct {
		ExitCode int
		Output   string
	}
	json.Unmarshal(c.call("workspace/executeCommand", map[string]any{"command": lenses[0].Command.Command, "arguments": lenses[0].Command.Arguments}), &result)
	if result.ExitCode != 0 || !strings.Contains(result.Output, "in "+root+": plan -- api") {
		t.Errorf("the plan lens ran: %+v", result)
	}

	json.Unmarshal(c.call("workspace/executeCommand", map[string]any{"command": lenses[1].Command.Command, "arguments": lenses[1].Command.Arguments}), &result)
	var shown, logged string
	for deadline := time.After(10 * time.Second); shown == ""; {
		select {
		case m := <-c.notes:
			var lm logMessage
			json.Unmarshal(m.Params, &lm)
			if m.Method == "window/showMessage" {
				shown = lm.Message
			} else if m.Method == "window/logMessage" {
				logged += lm.Message
			}
		case <-deadline:
			t.Fatal("the run lens's command showed no outcome")
		}
	}
	if shown != "xbake run api: done" || !strings.Contains(logged, "in "+root+": run --progress=plain -- api") {
		t.Errorf("the run lens: shown %q, logged %q", shown, logged)
	}

	json.Unmarshal(c.call("textDocument/hover", at(apiURI, apiSpec, "platforms =", 2)), &h)
	if !strings.HasPrefix(h.Contents.Value, "**platforms** (target attribute)") || len(h.Contents.Value) < 60 {
		t.Errorf("hover on an attribute: %q", h.Contents.Value)
	}

	var hints []inlayHint
	json.Unmarshal(c.call("textDocument/inlayHint", map[string]any{"textDocument": map[string]string{"uri": rootURI}, "range": rng{End: position{Line: 100}}}), &hints)
	if len(hints) != 1 || hints[0].Label != `= "1.2"` || hints[0].Position != posOf(t, rootSpec, "${TAG}", 5) {
		t.Errorf("inlay hints: %+v", hints)
	}
	c.call("shutdown", nil)
}

// TestSeveralFiles: with the editor's "files" setting, a document among
// them is read with the others, as xbake -f a.hcl -f b.hcl reads it;
// without it, alone (and a variable of the other file is unknown).
func TestSeveralFiles(t *testing.T) {
	dir := t.TempDir()
	b := "target \"app\" {\n  tags = [\"x/app:${V}\"]\n  output = [\"type=cacheonly\"]\n}\n"
	writeFiles(t, dir, map[string]string{"a.hcl": "variable \"V\" { default = \"1\" }\n", "b.hcl": b, "Dockerfile": "FROM scratch\n"})
	uri := pathToURI(filepath.Join(dir, "b.hcl"))
	for _, files := range [][]string{nil, {"a.hcl", "b.hcl"}} {
		c := startServer(t)
		c.call("initialize", map[string]any{"rootUri": pathToURI(dir), "initializationOptions": map[string]any{"files": files}})
		c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "text": b}})
		d := c.diagnostics(uri)
		if files == nil && (len(d) != 1 || !strings.Contains(d[0].Message, "V")) {
			t.Errorf("b.hcl alone: %+v, want the unknown variable", d)
		}
		if files != nil && len(d) != 0 {
			t.Errorf("b.hcl with a.hcl: %+v", d)
		}
		c.call("shutdown", nil)
	}
}

// TestJSONNames: in a bake JSON file (no HCL syntax tree), names are
// found by their quoted spelling: the target's key, the group's member.
func TestJSONNames(t *testing.T) {
	dir := t.TempDir()
	text := `{
  "group": {"default": {"targets": ["app"]}},
  "target": {"app": {"dockerfile": "Dockerfile", "tags": ["x/app:1"], "output": ["type=cacheonly"]}}
}
`
	writeFiles(t, dir, map[string]string{"docker-bake.json": text, "Dockerfile": "FROM scratch\n"})
	uri := pathToURI(filepath.Join(dir, "docker-bake.json"))
	c := startServer(t)
	c.call("initialize", map[string]any{"rootUri": pathToURI(dir)})
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "text": text}})
	if d := c.diagnostics(uri); len(d) != 0 {
		t.Fatalf("diagnostics: %+v", d)
	}
	var refs []location
	json.Unmarshal(c.call("textDocument/references", map[string]any{"textDocument": map[string]string{"uri": uri}, "position": posOf(t, text, `["app"]`, 3), "context": map[string]bool{"includeDeclaration": true}}), &refs)
	if len(refs) != 2 || refs[0].Range.Start != posOf(t, text, `["app"]`, 2) || refs[1].Range.Start != posOf(t, text, `{"app"`, 2) {
		t.Errorf("references of app: %+v", refs)
	}
	var loc location
	json.Unmarshal(c.call("textDocument/definition", map[string]any{"textDocument": map[string]string{"uri": uri}, "position": posOf(t, text, `["app"]`, 3)}), &loc)
	if loc.Range.Start.Line != 2 {
		t.Errorf("definition of app: %+v", loc)
	}
	c.call("shutdown", nil)
}

// TestEveryPrefix: the document as it is while being typed, every few
// bytes of a spec that uses most of the language, with every request at
// its start, middle and end: each gets a response, none an error (a
// panic would be one), and the session goes on.
func TestEveryPrefix(t *testing.T) {
	full := `variable "TAG" { default = "1" }
function "f" {
  params = [x]
  result = "${x}-${TAG}"
}
target "m" {
  name   = "m-${v}"
  matrix = { v = ["a", "b"] }
  dockerfile-inline = <<EOT
FROM scratch
EOT
  tags     = [for t in ["x"] : "r/${t}:${f(TAG)}"]
  contexts = { c = "target:base" }
  output   = ["type=cacheonly"]
}
target "base" {
  inherits = ["_x"]
  tags = ["r/base:${TAG}"]
}
target "_x" { context = "." }
group "default" { targets = ["m", "base"] }
`
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM scratch\n"})
	uri := pathToURI(filepath.Join(dir, "docker-bake.hcl"))
	c := startServer(t)
	c.call("initialize", map[string]any{"rootUri": pathToURI(dir)})
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "text": ""}})
	doc := map[string]string{"uri": uri}
	for cut := 0; cut <= len(full); cut += 3 {
		text := full[:cut]
		c.notify("textDocument/didChange", map[string]any{"textDocument": doc, "contentChanges": []map[string]string{{"text": text}}})
		for _, off := range []int{0, cut / 2, cut} {
			pos := posOf(t, text+"\x00", "\x00", off-cut) // the position of byte off
			for _, method := range []string{"textDocument/hover", "textDocument/definition", "textDocument/references", "textDocument/completion", "textDocument/rename", "textDocument/prepareRename"} {
				// Only rename may refuse (nothing to rename there).
				_, err := c.request(method, map[string]any{"textDocument": doc, "position": pos, "newName": "n2", "context": map[string]bool{"includeDeclaration": true}})
				if err != nil && (method != "textDocument/rename" || err.Code != codeRequestFailed) {
					t.Fatalf("%s at %d of %q: %d %s", method, off, text, err.Code, err.Message)
				}
			}
		}
		for _, method := range []string{"textDocument/codeLens", "textDocument/documentSymbol", "textDocument/formatting"} {
			c.call(method, map[string]any{"textDocument": doc})
		}
		c.call("textDocument/inlayHint", map[string]any{"textDocument": doc, "range": rng{End: position{Line: 99}}})
		c.drain()
	}
	// The whole text again: the session still answers as it should,
	// for a file that is not on disk (a new file, not saved yet).
	c.drain()
	c.notify("textDocument/didChange", map[string]any{"textDocument": doc, "contentChanges": []map[string]string{{"text": full}}})
	if d := c.diagnostics(uri); len(d) != 1 || !strings.Contains(d[0].Message, `"base" has no output`) {
		t.Errorf("diagnostics of the unsaved file: %+v", d)
	}
	var hints []inlayHint
	json.Unmarshal(c.call("textDocument/inlayHint", map[string]any{"textDocument": doc, "range": rng{End: position{Line: 99}}}), &hints)
	if len(hints) != 3 { // ${TAG} in f, f(TAG), ${TAG} in base
		t.Errorf("inlay hints after the session: %+v", hints)
	}
	c.call("shutdown", nil)
}

// TestRunEndsWithSession: a build a run lens started is interrupted (as
// by Ctrl-C, so that it cleans up) when the editor's session ends, and
// the server waits for it.
func TestRunEndsWithSession(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"docker-bake.hcl": "target \"app\" {\n  output = [\"type=cacheonly\"]\n}\n", "Dockerfile": "FROM scratch\n"})
	marker := filepath.Join(dir, "interrupted")
	fake := filepath.Join(t.TempDir(), "xbake")
	os.WriteFile(fake, []byte("#!/bin/sh\ntrap 'echo yes > "+marker+"; exit 130' INT\necho started > "+marker+".started\nsleep 30 >/dev/null 2>&1 &\nwait\n"), 0o755)
	// Runs after the server's own clean-up, which ends the session.
	t.Cleanup(func() {
		b, _ := os.ReadFile(marker)
		for deadline := time.Now().Add(10 * time.Second); len(b) == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			b, _ = os.ReadFile(marker)
		}
		if string(b) != "yes\n" {
			t.Errorf("the command was not interrupted when the session ended: %q", b)
		}
	})
	c := startServerWith(t, Options{Command: fake})
	c.call("initialize", map[string]any{"rootUri": pathToURI(dir)})
	c.call("workspace/executeCommand", map[string]any{"command": commandRun, "arguments": []any{commandArgs{Dir: dir, Target: "app"}}})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(marker + ".started"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the run lens's command did not start")
		}
	}
	c.call("shutdown", nil)
}
