// Package lsp is `xbake lsp`: a Language Server Protocol server (JSON-RPC
// over stdio) for xbake's and bake's spec files. It reads specs with the
// same loader and plans them with the same rules as `xbake plan`, with
// the editor's unsaved text in place of the files on disk.
//
// Start at Serve (server.go): it reads messages (jsonrpc.go) and answers
// them. project.go finds the project a document belongs to (the editor's
// -f files, a spec above that includes it, its directory), loads and
// plans it and turns its findings into diagnostics. syntax.go finds the
// names each file writes in its syntax tree; navigate.go answers
// definition, references and rename from them, features.go symbols,
// hovers and formatting, edit.go completion, commands.go code lenses
// (which run xbake plan and xbake run) and inlay hints.
//
// The protocol's framing and the dozen types used are written here:
// github.com/tliron/glsp, the one LSP library the module proxy serves,
// speaks LSP 3.16 (no inlay hints) and brings fourteen modules with it
// (websocket, terminal colours) for what is a hundred lines.
package lsp
