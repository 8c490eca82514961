package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"
)

// debounce is how long the server waits after a change before it loads
// the project again: typing does not reload on every key.
const debounce = 30 * time.Millisecond

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

	// root is the workspace's directory (the client's rootUri), the top
	// of the search for a project that includes a document; files are
	// the editor's "files" setting, absolute: the -f list of a project
	// of several files (project.go). Both guarded by mu.
	root  string
	files []string

	// analyzing serializes loads: one project at a time, in order.
	analyzing sync.Mutex
	shutdown  bool

	opts Options
	// commands are the code lenses' runs still going (commands.go).
	commands sync.WaitGroup
}

// Options configure a Server.
type Options struct {
	// Command is the xbake binary the "plan" and "run" code lenses run
	// (commands.go); empty means this process's executable.
	Command string
}

// settings are what a client may configure, in initializationOptions
// or under "xbake" in workspace/didChangeConfiguration.
type settings struct {
	// Files are the spec files of a project of several, as -f names
	// them, relative to the workspace's root: a document among them is
	// read with the others.
	Files []string `json:"files"`
}

// Serve answers the LSP messages read from r on w until the client says
// exit or r ends.
func Serve(ctx context.Context, r io.Reader, w io.Writer, opts Options) error {
	s := &Server{conn: newConn(r, w), docs: map[string]string{}, timers: map[string]*time.Timer{}, analyses: map[string]*analysis{}, opts: opts}
	// The commands a code lens started end with the session: asked to
	// stop (they clean up as on Ctrl-C), and waited for.
	ctx, cancel := context.WithCancel(ctx)
	defer s.commands.Wait()
	defer cancel()
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
// none. A bug that panics on some text fails that request, not the
// editor's session.
func (s *Server) handle(ctx context.Context, m *message) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.conn.notify("window/logMessage", logMessage{Type: messageError, Message: fmt.Sprintf("xbake lsp: %s failed: %v\n%s", m.Method, p, debug.Stack())})
			if len(m.ID) > 0 {
				err = s.conn.fail(m.ID, codeInternalError, fmt.Sprintf("xbake lsp failed on %s: %v (a bug: please report it)", m.Method, p))
			}
		}
	}()
	switch m.Method {
	case "initialize":
		var p struct {
			RootURI          string `json:"rootUri"`
			WorkspaceFolders []struct {
				URI string `json:"uri"`
			} `json:"workspaceFolders"`
			InitializationOptions settings `json:"initializationOptions"`
		}
		json.Unmarshal(m.Params, &p)
		root := uriToPath(p.RootURI)
		if root == "" && len(p.WorkspaceFolders) > 0 {
			root = uriToPath(p.WorkspaceFolders[0].URI)
		}
		s.configure(root, p.InitializationOptions)
		return s.conn.reply(m.ID, map[string]any{
			"capabilities": map[string]any{
				"textDocumentSync":           1, // full text on every change
				"documentSymbolProvider":     true,
				"definitionProvider":         true,
				"hoverProvider":              true,
				"documentFormattingProvider": true,
				"completionProvider":         map[string]any{"triggerCharacters": []string{`"`, ":", "{"}},
				"referencesProvider":         true,
				"renameProvider":             map[string]any{"prepareProvider": true},
				"codeLensProvider":           map[string]any{},
				"executeCommandProvider":     map[string]any{"commands": []string{commandPlan, commandRun}},
				"inlayHintProvider":          true,
			},
			"serverInfo": map[string]string{"name": "xbake"},
		})
	case "initialized", "$/cancelRequest":
		return nil
	case "workspace/didChangeConfiguration":
		var p struct {
			Settings struct {
				XBake *settings `json:"xbake"`
			} `json:"settings"`
		}
		if json.Unmarshal(m.Params, &p) == nil && p.Settings.XBake != nil {
			s.mu.Lock()
			root := s.root
			s.mu.Unlock()
			s.configure(root, *p.Settings.XBake)
		}
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
		"textDocument/completion", "textDocument/references", "textDocument/rename", "textDocument/prepareRename",
		"textDocument/codeLens", "textDocument/inlayHint":
		return s.feature(m)
	case "workspace/executeCommand":
		return s.execute(ctx, m)
	}
	if len(m.ID) == 0 {
		return nil // an unknown notification
	}
	return s.conn.fail(m.ID, codeMethodNotFound, "xbake lsp does not answer "+m.Method)
}

// configure sets the workspace's root and the client's settings; every
// earlier load may have read another project.
func (s *Server) configure(root string, set settings) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.root = root
	s.files = nil
	for _, f := range set.Files {
		if !filepath.IsAbs(f) {
			f = filepath.Join(root, f)
		}
		s.files = append(s.files, filepath.Clean(f))
	}
	s.edits++
	clear(s.analyses)
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

// forget drops the loads a change of path makes stale: those that read
// it, those of its directory (it may be new there) and those that
// failed (what they read is not known) (s.mu held).
func (s *Server) forget(path string) {
	s.edits++
	for key, a := range s.analyses {
		if a.spec == nil || a.project.dir == filepath.Dir(path) || a.reads(path) {
			delete(s.analyses, key)
		}
	}
}

// publish loads the project of path and sends every file's diagnostics.
func (s *Server) publish(path string) {
	defer func() {
		if p := recover(); p != nil {
			s.conn.notify("window/logMessage", logMessage{Type: messageError, Message: fmt.Sprintf("xbake lsp: diagnostics of %s failed: %v\n%s", path, p, debug.Stack())})
		}
	}()
	a := s.load(s.projectOf(path))
	byFile := a.diagnostics(s)
	if _, ok := byFile[path]; !ok {
		byFile[path] = []diagnostic{} // clears the document's, whatever happened
	}
	for file, diags := range byFile {
		s.conn.notify("textDocument/publishDiagnostics", publishDiagnosticsParams{URI: pathToURI(file), Diagnostics: diags})
	}
}
