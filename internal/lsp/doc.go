// Package lsp is `xbake lsp`: a Language Server Protocol server (JSON-RPC
// over stdio) for xbake's and bake's spec files. It reads specs with the
// same loader and plans them with the same rules as `xbake plan`, with
// the editor's unsaved text in place of the files on disk.
//
// Start at Serve (server.go): it reads messages (jsonrpc.go) and answers
// them. project.go loads the project a document belongs to and turns its
// findings into diagnostics; features.go answers symbols, definitions,
// hovers and formatting from the loaded spec.
package lsp
