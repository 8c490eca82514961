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
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
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
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return 0, false
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return 0, true
	}
	return flockHolder(uint64(st.Dev), uint64(st.Ino)), true
}

// flockHolder finds in /proc/locks the pid holding an flock on the file
// with this device and inode.
func flockHolder(dev, ino uint64) int {
	f, err := os.Open("/proc/locks")
	if err != nil {
		return 0
	}
	defer f.Close()
	want := fmt.Sprintf("%02x:%02x:%d", unix.Major(dev), unix.Minor(dev), ino)
	inode := fmt.Sprintf(":%d", ino)
	byInode := map[int]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 1: FLOCK  ADVISORY  WRITE 4242 00:2e:131 0 EOF
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] != "FLOCK" {
			continue
		}
		pid, err := strconv.Atoi(fields[4])
		switch {
		case err != nil:
		case fields[5] == want:
			return pid
		case strings.HasSuffix(fields[5], inode):
			// On overlayfs stat may give the lower file system's device.
			byInode[pid] = true
		}
	}
	if len(byInode) == 1 {
		for pid := range byInode {
			return pid
		}
	}
	return 0
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
