//go:build !unix

package atomicfile

import (
	"errors"
	"io/fs"
	"os"
)

var errTooManyLinks = errors.New("too many levels of symbolic links")

func lockFile(*os.File)                     {}
func chownLike(*os.File, fs.FileInfo) error { return nil }
func syncDir(string)                        {}
