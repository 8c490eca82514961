//go:build unix

package builder

import (
	"os/exec"
	"syscall"
)

// detach starts the daemon in a session of its own: it outlives the
// xbake that started it and no terminal's signals reach it.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }

func terminate(pid int) error { return syscall.Kill(pid, syscall.SIGTERM) }

// resume continues a stopped process (SIGSTOP), which handles SIGTERM
// only once it runs.
func resume(pid int) { syscall.Kill(pid, syscall.SIGCONT) }

func kill(pid int) { syscall.Kill(pid, syscall.SIGKILL) }

func exists(pid int) bool { return syscall.Kill(pid, 0) == nil }
