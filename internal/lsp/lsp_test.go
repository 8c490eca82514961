package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// client drives a Server as an editor does, over a pipe.
type client struct {
	t      *testing.T
	conn   *conn
	nextID int
	// notes are the notifications received, by method.
	notes chan *message
	resps map[string]chan *message
}

func startServer(t *testing.T) *client { return startServerWith(t, Options{}) }

func startServerWith(t *testing.T, opts Options) *client {
	t.Helper()
	toServer, fromClient := io.Pipe()
	toClient, fromServer := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), toServer, fromServer, opts); fromServer.Close() }()
	c := &client{t: t, conn: newConn(toClient, fromClient), notes: make(chan *message, 100), resps: map[string]chan *message{}}
	responses := make(chan *message, 100)
	go func() {
		for {
			m, err := c.conn.read()
			if err != nil {
				close(responses)
				return
			}
			if m.Method != "" {
				c.notes <- m
			} else {
				responses <- m
			}
		}
	}()
	c.resps["all"] = responses
	t.Cleanup(func() {
		c.conn.write(&message{Method: "exit"})
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("the server did not exit")
		}
	})
	return c
}

// call sends a request and returns its result; an error response fails
// the test.
func (c *client) call(method string, params any) json.RawMessage {
	c.t.Helper()
	result, err := c.request(method, params)
	if err != nil {
		c.t.Fatalf("%s: %s", method, err.Message)
	}
	return result
}

// request sends a request and returns its result or its error.
func (c *client) request(method string, params any) (json.RawMessage, *rpcError) {
	c.t.Helper()
	c.nextID++
	id := json.RawMessage(fmt.Sprint(c.nextID))
	b, _ := json.Marshal(params)
	if err := c.conn.write(&message{ID: id, Method: method, Params: b}); err != nil {
		c.t.Fatal(err)
	}
	select {
	case m := <-c.resps["all"]:
		if string(m.ID) != string(id) {
			c.t.Fatalf("%s: response %s to request %s", method, m.ID, id)
		}
		if m.Error != nil {
			return nil, m.Error
		}
		b, _ := json.Marshal(m.Result)
		return b, nil
	case <-time.After(10 * time.Second):
		c.t.Fatalf("%s: no response", method)
	}
	return nil, nil
}

func (c *client) notify(method string, params any) {
	b, _ := json.Marshal(params)
	c.conn.write(&message{Method: method, Params: b})
}

// drain drops the notifications received so far, failing the test on
// a log of a failure (a recovered panic).
func (c *client) drain() {
	c.t.Helper()
	for {
		select {
		case m := <-c.notes:
			var p logMessage
			if json.Unmarshal(m.Params, &p) == nil && m.Method == "window/logMessage" && p.Type == messageError {
				c.t.Errorf("the server logged a failure: %s", p.Message)
			}
		default:
			return
		}
	}
}

// diagnostics waits for the diagnostics of uri.
func (c *client) diagnostics(uri string) []diagnostic {
	c.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m := <-c.notes:
			var p publishDiagnosticsParams
			json.Unmarshal(m.Params, &p)
			if m.Method == "textDocument/publishDiagnostics" && p.URI == uri {
				return p.Diagnostics
			}
		case <-deadline:
			c.t.Fatalf("no diagnostics for %s", uri)
		}
	}
}

// TestProtocol walks an editor's session over a two-file bake project:
// diagnostics on open and after an edit (in the file that has them),
// the outline, go to definition across files, hover with the resolved
// target and a variable's value, formatting, shutdown.
func TestProtocol(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644)
	main := "variable \"TAG\" { default = \"1.2\" }\ngroup \"default\" { targets = [\"app\"] }\ntarget \"app\" {\n  inherits = [\"_common\"]\n  tags = [\"example.com/app:${TAG}\"]\n  output = [\"type=cacheonly\"]\n}\n"
	common := "target \"_common\" {\n  dockerfile = \"Dockerfile\"\n  args = { A = \"1\" }\n}\n"
	os.WriteFile(filepath.Join(dir, "docker-bake.hcl"), []byte(main), 0o644)
	os.WriteFile(filepath.Join(dir, "docker-bake.override.hcl"), []byte(common), 0o644)
	mainURI, commonURI := pathToURI(filepath.Join(dir, "docker-bake.hcl")), pathToURI(filepath.Join(dir, "docker-bake.override.hcl"))

	c := startServer(t)
	var init struct{ Capabilities map[string]any }
	json.Unmarshal(c.call("initialize", map[string]any{"processId": nil, "rootUri": pathToURI(dir)}), &init)
	if init.Capabilities["hoverProvider"] != true || init.Capabilities["definitionProvider"] != true {
		t.Fatalf("capabilities: %v", init.Capabilities)
	}
	c.notify("initialized", map[string]any{})

	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": mainURI, "languageId": "hcl", "version": 1, "text": main}})
	if d := c.diagnostics(mainURI); len(d) != 0 {
		t.Errorf("a clean project has diagnostics: %+v", d)
	}
	// An edit, unsaved: a tag that is no image reference, at its line.
	edited := strings.Replace(main, "example.com/app:${TAG}", "Example.com/App:${TAG}", 1)
	c.notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": mainURI, "version": 2}, "contentChanges": []map[string]string{{"text": edited}}})
	d := c.diagnostics(mainURI)
	if len(d) != 1 || d[0].Range.Start.Line != 4 || d[0].Severity != 1 || !strings.Contains(d[0].Message, "image reference") {
		t.Fatalf("after the edit: %+v", d)
	}
	c.notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": mainURI, "version": 3}, "contentChanges": []map[string]string{{"text": main}}})
	if d := c.diagnostics(mainURI); len(d) != 0 {
		t.Errorf("after undoing the edit: %+v", d)
	}

	var symbols []documentSymbol
	json.Unmarshal(c.call("textDocument/documentSymbol", map[string]any{"textDocument": map[string]string{"uri": mainURI}}), &symbols)
	var names []string
	for _, s := range symbols {
		names = append(names, s.Detail+" "+s.Name)
	}
	if strings.Join(names, ", ") != "variable TAG, group default, target app" {
		t.Errorf("outline: %v", names)
	}

	// "_common" in inherits (line 3) goes to the other file.
	var loc location
	json.Unmarshal(c.call("textDocument/definition", map[string]any{"textDocument": map[string]string{"uri": mainURI}, "position": position{Line: 3, Character: 17}}), &loc)
	if loc.URI != commonURI || loc.Range.Start.Line != 0 {
		t.Errorf("definition of _common: %+v", loc)
	}

	var h hover
	json.Unmarshal(c.call("textDocument/hover", map[string]any{"textDocument": map[string]string{"uri": mainURI}, "position": position{Line: 2, Character: 9}}), &h)
	if !strings.Contains(h.Contents.Value, `"example.com/app:1.2"`) || !strings.Contains(h.Contents.Value, `"A": "1"`) {
		t.Errorf("hover on app: %s", h.Contents.Value)
	}
	json.Unmarshal(c.call("textDocument/hover", map[string]any{"textDocument": map[string]string{"uri": mainURI}, "position": position{Line: 0, Character: 11}}), &h)
	if !strings.Contains(h.Contents.Value, "variable TAG") || !strings.Contains(h.Contents.Value, `"1.2"`) {
		t.Errorf("hover on TAG: %s", h.Contents.Value)
	}

	// Completion: target names in inherits, attributes in a target block
	// (with the schema's documentation), variables after ${.
	labels := func(pos position) map[string]completionItem {
		var items []completionItem
		json.Unmarshal(c.call("textDocument/completion", map[string]any{"textDocument": map[string]string{"uri": mainURI}, "position": pos}), &items)
		out := map[string]completionItem{}
		for _, it := range items {
			out[it.Label] = it
		}
		return out
	}
	if got := labels(position{Line: 3, Character: 15}); got["_common"].Detail != "target" || got["app"].Detail != "target" {
		t.Errorf("completion in inherits: %v", got)
	}
	if got := labels(position{Line: 5, Character: 2}); got["dockerfile"].Documentation == "" || got["platforms"].Label == "" {
		t.Errorf("completion of attributes: %v", got)
	}
	if got := labels(position{Line: 4, Character: 29}); got["TAG"].Detail != "variable" {
		t.Errorf("completion after ${: %v", got)
	}

	// References and rename: the variable TAG, declared and used.
	var refs []location
	json.Unmarshal(c.call("textDocument/references", map[string]any{"textDocument": map[string]string{"uri": mainURI}, "position": position{Line: 0, Character: 11}, "context": map[string]bool{"includeDeclaration": true}}), &refs)
	if len(refs) != 2 || refs[0].Range.Start != (position{Line: 0, Character: 10}) || refs[1].Range.Start != (position{Line: 4, Character: 29}) {
		t.Errorf("references of TAG: %+v", refs)
	}
	var ws struct{ Changes map[string][]textEdit }
	json.Unmarshal(c.call("textDocument/rename", map[string]any{"textDocument": map[string]string{"uri": mainURI}, "position": position{Line: 2, Character: 9}, "newName": "web"}), &ws)
	if edits := ws.Changes[mainURI]; len(edits) != 2 || edits[0].NewText != "web" || edits[1].Range.Start != (position{Line: 2, Character: 8}) {
		t.Errorf("rename app: %+v", ws.Changes)
	}

	messy := "target  \"x\"   {\ntags=[\"a\"]\n}\n"
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": pathToURI(filepath.Join(dir, "other.hcl")), "text": messy}})
	var edits []textEdit
	json.Unmarshal(c.call("textDocument/formatting", map[string]any{"textDocument": map[string]string{"uri": pathToURI(filepath.Join(dir, "other.hcl"))}}), &edits)
	if len(edits) != 1 || edits[0].NewText != "target \"x\" {\n  tags = [\"a\"]\n}\n" {
		t.Errorf("formatting: %+v", edits)
	}
	c.call("shutdown", nil)
}
