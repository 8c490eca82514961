package builder

// Which process is this builder's daemon. A pid file can be stale (the
// pid reused by anything since a reboot) and a socket can be gone while
// its daemon lives (removed by hand, or by an older xbake), but
// buildkitd holds an flock on ROOT/buildkitd.lock for as long as it
// runs: the process that holds it is provably the daemon of this root,
// whether it answers or not (stopped with SIGSTOP, swapping, starved of
// CPU). xbake never starts a second daemon on a root whose lock is held,
// and never sweeps it.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/xbake/xbake/internal/flock"
)

// rootLockPath is the file buildkitd locks in its --root.
func (l *Local) rootLockPath() string {
	return filepath.Join(l.dir, "root", "buildkitd.lock")
}

// rootHolder returns the pid of the process holding the root's lock
// (0 when it cannot be told, for example from another pid namespace)
// and whether the lock is held at all.
func (l *Local) rootHolder() (pid int, held bool) {
	f, err := os.Open(l.rootLockPath())
	if err != nil {
		return 0, false // no daemon has run on this root since it was made
	}
	defer f.Close()
	if flock.TryLock(f) == nil {
		flock.Unlock(f)
		return 0, false
	}
	dev, ino, ok := fileID(f)
	if !ok {
		return 0, true
	}
	return flockHolder(dev, ino), true
}

// processState describes a process's state for a message: "stopped"
// (SIGSTOP, a debugger), "running", "sleeping", … or "" if unknown.
func processState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// pid (comm) S ...: comm may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return ""
	}
	switch s[i+2] {
	case 'T', 't':
		return "stopped"
	case 'R':
		return "running"
	case 'S':
		return "sleeping"
	case 'D':
		return "waiting on I/O"
	case 'Z':
		return "a zombie"
	}
	return ""
}
