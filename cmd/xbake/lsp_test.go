package main

import (
	"encoding/json"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xbake/xbake/internal/testenv"
)

// neovimClient is a Lua script for Neovim's built-in LSP client (0.7's
// API): it starts `xbake lsp` on a file, waits for its diagnostics, asks
// for a completion and a definition, and writes what Neovim got as JSON.
const neovimClient = `
local file, result = os.getenv("XBAKE_FILE"), os.getenv("XBAKE_RESULT")
vim.cmd("edit " .. file)
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({ name = "xbake", cmd = { os.getenv("XBAKE_BIN"), "lsp" }, root_dir = vim.fn.fnamemodify(file, ":h") })
vim.lsp.buf_attach_client(buf, id)
vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
local out = { diagnostics = {}, completion = {}, definition = {}, plan = {} }
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(out.diagnostics, { line = d.lnum, message = d.message, severity = d.severity })
end
local function at(line, col)
  return { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = line, character = col } }
end
for _, r in pairs(vim.lsp.buf_request_sync(buf, "textDocument/completion", at(5, 16), 10000) or {}) do
  for _, item in ipairs(r.result or {}) do table.insert(out.completion, item.label) end
end
for _, r in pairs(vim.lsp.buf_request_sync(buf, "textDocument/definition", at(5, 16), 10000) or {}) do
  out.definition = r.result or {}
end
-- The "plan" code lens of target ok, run as Neovim runs a lens's command.
for _, r in pairs(vim.lsp.buf_request_sync(buf, "textDocument/codeLens", { textDocument = { uri = vim.uri_from_bufnr(buf) } }, 10000) or {}) do
  for _, lens in ipairs(r.result or {}) do
    if lens.command.command == "xbake.plan" and lens.command.arguments[1].target == "ok" then
      for _, e in pairs(vim.lsp.buf_request_sync(buf, "workspace/executeCommand", lens.command, 60000) or {}) do
        out.plan = e.result or {}
      end
    end
  end
end
local f = io.open(result, "w")
f:write(vim.fn.json_encode(out))
f:close()
vim.cmd("qa!")
`

// TestNeovimLSP runs Debian's Neovim headless with its built-in LSP
// client against xbake lsp on a bake file with a mistake: the diagnostic
// arrives at its line, a completion lists the targets, go to definition
// finds the inherited target, and the "plan" code lens of another target
// runs xbake plan on it, all through Neovim's own API.
func TestNeovimLSP(t *testing.T) {
	nvim, err := osexec.LookPath("nvim")
	testenv.Need(t, err != nil, "needs Neovim (apt-get install neovim)")
	if _, err := os.Stat(xbakeBin); err != nil {
		t.Fatalf("bin/xbake missing (bash scripts/setup builds it): %v", err)
	}
	dir := t.TempDir()
	writeFile(t, dir, "Dockerfile", "FROM scratch\n")
	writeFile(t, dir, "docker-bake.hcl", `group "default" { targets = ["app"] }
target "_common" {
  dockerfile = "Dockerfile"
}
target "app" {
  inherits = ["_common"]
  tags     = ["Not A Valid/Tag"]
  output   = ["type=cacheonly"]
}
target "ok" {
  tags   = ["example.com/ok:1"]
  output = ["type=cacheonly"]
}
`)
	writeFile(t, dir, "client.lua", neovimClient)
	result := filepath.Join(dir, "result.json")
	cmd := osexec.Command(nvim, "--headless", "--clean", "-u", "NONE", "-c", "luafile "+filepath.Join(dir, "client.lua"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "XBAKE_BIN="+xbakeBin, "XBAKE_FILE="+filepath.Join(dir, "docker-bake.hcl"), "XBAKE_RESULT="+result,
		"HOME="+dir, "XDG_STATE_HOME="+dir, "XDG_DATA_HOME="+dir)
	out := runNeovim(t, cmd)
	b, err := os.ReadFile(result)
	if err != nil {
		t.Fatalf("Neovim wrote no result: %v\n%s", err, out)
	}
	var got struct {
		Diagnostics []struct {
			Line    int
			Message string
		}
		Completion []string
		Definition struct {
			URI   string
			Range struct{ Start struct{ Line int } }
		}
		Plan struct {
			ExitCode int
			Output   string
		}
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if len(got.Diagnostics) != 1 || got.Diagnostics[0].Line != 6 || !strings.Contains(got.Diagnostics[0].Message, "image reference") {
		t.Errorf("diagnostics in Neovim: %+v", got.Diagnostics)
	}
	if !strings.Contains(strings.Join(got.Completion, " "), "_common") {
		t.Errorf("completion in inherits: %v", got.Completion)
	}
	if !strings.HasSuffix(got.Definition.URI, "docker-bake.hcl") || got.Definition.Range.Start.Line != 1 {
		t.Errorf("definition of _common: %s", b)
	}
	if got.Plan.ExitCode != 0 || !strings.Contains(got.Plan.Output, "plan -- ok") || !strings.Contains(got.Plan.Output, "1 target in 1 level: 0 errors") {
		t.Errorf("the plan lens of ok: %+v", got.Plan)
	}
}

// TestNeovimDocumentedSetup runs docs/editors.md's Neovim set-up as
// written (its init.lua, xbake on PATH): opening a bake file with a
// mistake starts xbake lsp and shows the mistake.
func TestNeovimDocumentedSetup(t *testing.T) {
	nvim, err := osexec.LookPath("nvim")
	testenv.Need(t, err != nil, "needs Neovim (apt-get install neovim)")
	doc, err := os.ReadFile("../../docs/editors.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(doc), "```lua\n")
	block, _, _ = strings.Cut(block, "```")
	if !ok || !strings.Contains(block, `"lsp"`) {
		t.Fatalf("docs/editors.md has no Neovim set-up in a lua block")
	}
	dir := t.TempDir()
	writeFile(t, dir, "init.lua", block)
	writeFile(t, dir, "Dockerfile", "FROM scratch\n")
	writeFile(t, dir, "docker-bake.hcl", "target \"app\" {\n  tags   = [\"Not A Valid/Tag\"]\n  output = [\"type=cacheonly\"]\n}\n")
	writeFile(t, dir, "check.lua", `vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 50)
local f = io.open("result.txt", "w")
for _, d in ipairs(vim.diagnostic.get(0)) do f:write(d.lnum .. ": " .. d.message .. "\n") end
f:close()
vim.cmd("qa!")
`)
	cmd := osexec.Command(nvim, "--headless", "-u", filepath.Join(dir, "init.lua"), "docker-bake.hcl", "-c", "luafile check.lua")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(xbakeBin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+dir, "XDG_STATE_HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	out := runNeovim(t, cmd)
	got, err := os.ReadFile(filepath.Join(dir, "result.txt"))
	if err != nil || !strings.HasPrefix(string(got), "1: ") || !strings.Contains(string(got), "image reference") {
		t.Fatalf("diagnostics with the documented set-up: %q (%v)\n%s", got, err, out)
	}
}

// runNeovim runs a headless Neovim to its end (90 s at most) and
// returns what it printed.
func runNeovim(t *testing.T, cmd *osexec.Cmd) []byte {
	t.Helper()
	done := make(chan []byte, 1)
	go func() { out, _ := cmd.CombinedOutput(); done <- out }()
	select {
	case out := <-done:
		return out
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		t.Fatal("nvim did not finish in 90 s")
	}
	return nil
}
