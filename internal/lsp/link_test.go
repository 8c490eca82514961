package lsp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWorkspaceThroughALink: a workspace the editor opened through a
// symbolic link (a CI runner's or a home directory's) gets its
// diagnostics at the paths the editor knows, includes found, also for a
// file the editor opened by its real path.
func TestWorkspaceThroughALink(t *testing.T) {
	real := t.TempDir()
	writeFiles(t, real, map[string]string{
		"xbuild.hcl": rootSpec, "services/api/xbuild.hcl": apiSpec,
		"services/api/Dockerfile": "FROM scratch\n", "base/Dockerfile": "FROM scratch\n",
	})
	root := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(real, root); err != nil {
		t.Fatal(err)
	}
	apiURI := pathToURI(filepath.Join(root, "services/api/xbuild.hcl"))
	c := startServer(t)
	c.call("initialize", map[string]any{"rootUri": pathToURI(root)})
	edited := strings.Replace(apiSpec, "img(", "imgx(", 1)
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": apiURI, "text": edited}})
	if d := c.diagnostics(apiURI); len(d) != 1 || !strings.Contains(d[0].Message, "imgx") {
		t.Fatalf("diagnostics through the link: %+v", d)
	}
	json := c.call("textDocument/definition", map[string]any{"textDocument": map[string]string{"uri": apiURI}, "position": posOf(t, edited, `"multi"`, 2)})
	if !strings.Contains(string(json), pathToURI(filepath.Join(root, "xbuild.hcl"))) {
		t.Errorf("definition through the link: %s", json)
	}
	realURI := pathToURI(filepath.Join(real, "services/api/xbuild.hcl"))
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": realURI, "text": edited}})
	if d := c.diagnostics(realURI); len(d) != 1 || !strings.Contains(d[0].Message, "imgx") {
		t.Fatalf("diagnostics of the file by its real path: %+v", d)
	}
	c.call("shutdown", nil)
}
