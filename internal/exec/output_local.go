package exec

// The local exporter: a directory, swapped into place after the build.

import (
	"os"
	"path/filepath"

	"github.com/moby/buildkit/client"
)

// prepareDir writes a directory output (local, or an unpacked OCI layout
// with tar=false) into a temporary directory beside dest and swaps it
// into place afterwards.
func (o *outputs) prepareDir(r *runner, typ string, attrs map[string]string, dest string) error {
	parent := filepath.Dir(dest)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dest)+".xbake-")
	if err != nil {
		return err
	}
	o.exports = append(o.exports, client.ExportEntry{Type: typ, Attrs: attrs, OutputDir: tmp})
	o.cleanups = append(o.cleanups, func() { os.RemoveAll(tmp) })
	o.commits = append(o.commits, func() error { return replaceDir(tmp, dest) })
	o.described = append(o.described, typ+" "+r.show(dest))
	return nil
}

// replaceDir moves tmp to dest, removing what dest held before.
func replaceDir(tmp, dest string) error {
	old := ""
	if _, err := os.Lstat(dest); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dest, old); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dest); err != nil {
		if old != "" {
			os.Rename(old, dest)
		}
		return err
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}
