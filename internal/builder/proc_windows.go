//go:build windows

package builder

import (
	"os"
	"os/exec"
)

// The local driver runs BuildKit on Linux only; these let the package
// build on Windows, where the built-in builder is a docker-container one.

func detach(*exec.Cmd) {}

func terminate(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}

func resume(int) {}

func kill(pid int) { terminate(pid) }

func exists(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
