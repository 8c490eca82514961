package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"sync"
	"time"
)

// debounce is how long the server waits after a change before it loads
// the project again: typing does not reload on every key.
const debounce = 75 * time.Millisecond

// Server is one editor's session.
type Server struct {
	conn *conn

	mu   sync.Mutex        // guards docs, timers and analyses
	docs map[string]string // open documents by path: their text
	// timers are the pending reloads, by project directory.
	timers map[string]*time.Timer
	// analyses are the projects' last loads (project.go projectKey),
	// dropped when a document of their directory changes.
	analyses map[string]*analysis
	// edits counts the documents' changes: a load that saw a change
	// happen while it ran is not kept.
	edits int

	// analyzing serializes loads: one project at a time, in order.
	analyzing sync.Mutex
	shutdown  bool
}

// Serve answers the LSP messages read from r on w until the client says
// exit or r ends.
func Serve(ctx context.Context, r io.Reader, w io.Writer) error {
	s := &Server{conn: newConn(r, w), docs: map[string]string{}, timers: map[string]*time.Timer{}, analyses: map[string]*analysis{}}
	for {
		m, err := s.conn.read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if m.Method == "exit" {
			return nil
		}
		if err := s.handle(ctx, m); err != nil {
			return err
		}
	}
}

func (s *Server) text(path string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.docs[path]
	return t, ok
}

// handle answers one message: a request gets a response, a notification
// none.
func (s *Server) handle(ctx context.Context, m *message) error {
	switch m.Method {
	case "initialize":
		return s.conn.reply(m.ID, map[string]any{
			"capabilities": map[string]any{
				"textDocumentSync":           1, // full text on every change
				"documentSymbolProvider":     true,
				"definitionProvider":         true,
				"hoverProvider":              true,
				"documentFormattingProvider": true,
				"completionProvider":         map[string]any{"triggerCharacters": []string{`"`, ":", "{"}},
				"referencesProvider":         true,
				"renameProvider":             true,
			},
			"serverInfo": map[string]string{"name": "xbake"},
		})
	case "initialized", "$/cancelRequest", "workspace/didChangeConfiguration":
		return nil
	case "shutdown":
		s.shutdown = true
		return s.conn.reply(m.ID, nil)
	case "textDocument/didOpen":
		var p didOpenParams
		if json.Unmarshal(m.Params, &p) == nil {
			s.setText(uriToPath(p.TextDocument.URI), p.TextDocument.Text, true)
		}
		return nil
	case "textDocument/didChange":
		var p didChangeParams
		if json.Unmarshal(m.Params, &p) == nil && len(p.ContentChanges) > 0 {
			s.setText(uriToPath(p.TextDocument.URI), p.ContentChanges[len(p.ContentChanges)-1].Text, false)
		}
		return nil
	case "textDocument/didSave", "workspace/didChangeWatchedFiles":
		// Files may have changed outside the editor's buffers (a save of
		// another file, a checkout): no earlier load is current.
		s.mu.Lock()
		s.edits++
		clear(s.analyses)
		s.mu.Unlock()
		return nil
	case "textDocument/didClose":
		var p struct{ TextDocument textDocumentIdentifier }
		if json.Unmarshal(m.Params, &p) == nil {
			path := uriToPath(p.TextDocument.URI)
			s.mu.Lock()
			delete(s.docs, path)
			s.forget(path)
			s.mu.Unlock()
		}
		return nil
	case "textDocument/documentSymbol", "textDocument/definition", "textDocument/hover", "textDocument/formatting",
		"textDocument/completion", "textDocument/references", "textDocument/rename":
		return s.feature(m)
	}
	if len(m.ID) == 0 {
		return nil // an unknown notification
	}
	return s.conn.fail(m.ID, codeMethodNotFound, "xbake lsp does not answer "+m.Method)
}

// setText records a document's text and schedules its project's
// diagnostics: at once when it opens, after a pause in typing otherwise.
func (s *Server) setText(path, text string, now bool) {
	s.mu.Lock()
	s.docs[path] = text
	s.forget(path)
	dir := filepath.Dir(path)
	if t := s.timers[dir]; t != nil {
		t.Stop()
	}
	wait := debounce
	if now {
		wait = 0
	}
	s.timers[dir] = time.AfterFunc(wait, func() { s.publish(path) })
	s.mu.Unlock()
}

// forget drops the loads a change of path makes stale: its directory's
// project and its own (s.mu held).
func (s *Server) forget(path string) {
	s.edits++
	delete(s.analyses, filepath.Dir(path))
	delete(s.analyses, path)
}

// publish loads the project of path and sends every file's diagnostics.
func (s *Server) publish(path string) {
	a := s.load(path)
	byFile := a.diagnostics(s)
	if _, ok := byFile[path]; !ok {
		byFile[path] = []diagnostic{} // clears the document's, whatever happened
	}
	for file, diags := range byFile {
		s.conn.notify("textDocument/publishDiagnostics", publishDiagnosticsParams{URI: pathToURI(file), Diagnostics: diags})
	}
}
