//go:build unix

package builder

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// fileID is an open file's device and inode, as /proc/locks names it.
func fileID(f *os.File) (dev, ino uint64, ok bool) {
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return 0, 0, false
	}
	return uint64(st.Dev), uint64(st.Ino), true
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
