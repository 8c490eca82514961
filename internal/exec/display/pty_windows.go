//go:build windows

package display

import (
	"errors"

	"github.com/containerd/console"
)

// newPty: Windows has no pseudo-terminals to hand BuildKit's display, so
// the board is not drawn there (the plain display is).
func newPty() (console.Console, string, error) {
	return nil, "", errors.New("no pseudo-terminal on Windows")
}
