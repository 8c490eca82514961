package exec_test

import (
	"archive/tar"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/xbake/xbake/internal/builder"
	"github.com/xbake/xbake/internal/exec"
	"github.com/xbake/xbake/internal/plan"
	"github.com/xbake/xbake/spec"
)

func runExpectingError(t *testing.T, dir string, po plan.Options) (*exec.Result, error) {
	s, diags := spec.Load(spec.Options{Dir: dir, Files: []string{"xbuild.hcl"}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	sel, _ := s.Select(nil)
	p, diags := plan.New(s, sel, po)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	clients := builder.NewClients(p.Builders)
	defer clients.Close()
	return exec.Run(context.Background(), p, clients, exec.Options{Progress: "quiet"})
}

// untar unpacks a tar stream into dir.
func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		path := filepath.Join(dir, filepath.Clean("/"+h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			os.MkdirAll(path, 0o755)
		case tar.TypeReg:
			os.MkdirAll(filepath.Dir(path), 0o755)
			f, err := os.Create(path)
			if err != nil {
				return err
			}
			if _, err := io.Copy(f, tr); err != nil {
				f.Close()
				return err
			}
			f.Close()
		}
	}
}
