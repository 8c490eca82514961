//go:build unix

package display

import "github.com/containerd/console"

// newPty opens a pseudo-terminal for BuildKit's display to draw in.
func newPty() (console.Console, string, error) { return console.NewPty() }
