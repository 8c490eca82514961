package exec

// The oci, docker and tar exporters: an archive file, renamed into place after the build.

import (
	"io"
	"os"
	"path/filepath"

	"github.com/moby/buildkit/client"
)

// prepareFile writes a tarball (oci, docker, tar) to a temporary file
// beside dest, or to stdout for "-".
func (o *outputs) prepareFile(r *runner, typ string, attrs map[string]string, dest string, stdout io.Writer) error {
	if dest == "-" {
		if stdout == nil {
			stdout = os.Stdout
		}
		o.exports = append(o.exports, client.ExportEntry{Type: typ, Attrs: attrs,
			Output: func(map[string]string) (io.WriteCloser, error) { return nopCloser{stdout}, nil }})
		o.described = append(o.described, typ+" to stdout")
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".xbake-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	o.exports = append(o.exports, client.ExportEntry{Type: typ, Attrs: attrs,
		Output: func(map[string]string) (io.WriteCloser, error) { return f, nil }})
	o.cleanups = append(o.cleanups, func() { f.Close(); os.Remove(tmp) })
	o.commits = append(o.commits, func() error {
		f.Close()
		if err := os.Chmod(tmp, 0o644); err != nil { // CreateTemp made it 0600
			return err
		}
		return os.Rename(tmp, dest)
	})
	o.described = append(o.described, typ+" "+r.show(dest))
	return nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
