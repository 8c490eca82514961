package builder

// What a local daemon killed without warning (kill -9, an OOM kill, a
// power cut of the process tree) leaves behind: the mounts of its build
// steps' root file systems under its --root, and the runc processes and
// containers of the steps that were running. The next daemon would
// work on top of them, but the state directory could not be deleted
// (`builders rm`: "directory not empty") and the steps go on running.
// sweep ends exactly those, found by their paths under the builder's
// root: nothing else on the machine is touched.

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sweep removes what a dead daemon of this builder left: it must be
// called with no daemon of the builder running (under its lock).
func (l *Local) sweep() {
	root := filepath.Join(l.dir, "root")
	if resolved, err := filepath.EvalSymlinks(root); err == nil {
		root = resolved
	}
	deleteContainers(root)
	killProcessesUnder(root)
	unmountUnder(root)
}

// deleteContainers asks runc to delete, by force, each container whose
// bundle is a step directory of this root (runc-SNAPSHOTTER/executor/ID):
// that kills its processes and removes its cgroup and runc's state.
func deleteContainers(root string) {
	bundles, _ := filepath.Glob(filepath.Join(root, "runc-*", "executor", "*"))
	runc, err := exec.LookPath("runc")
	if err != nil {
		return
	}
	for _, b := range bundles {
		if info, err := os.Stat(b); err != nil || !info.IsDir() {
			continue
		}
		exec.Command(runc, "delete", "--force", filepath.Base(b)).Run() // absent containers fail: fine
	}
}

// killProcessesUnder kills the processes whose command line names a path
// under root, or whose root directory lies under it (a step's process
// inside its container), and waits a little for them to go.
func killProcessesUnder(root string) {
	prefix := root + string(filepath.Separator)
	self := os.Getpid()
	var killed []int
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid == self {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
		procRoot, _ := os.Readlink(filepath.Join("/proc", p.Name(), "root"))
		if bytes.Contains(cmdline, []byte(prefix)) || strings.HasPrefix(procRoot+"/", prefix) {
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				killed = append(killed, pid)
			}
		}
	}
	for i := 0; i < 50 && len(killed) > 0; i++ {
		alive := killed[:0]
		for _, pid := range killed {
			if syscall.Kill(pid, 0) == nil {
				alive = append(alive, pid)
			}
		}
		killed = alive
		time.Sleep(20 * time.Millisecond)
	}
}

// unmountUnder unmounts every mount point under root, deepest first,
// and the daemon's temporary mounts elsewhere of something under root
// (BuildKit mounts a snapshot at /tmp/buildkit-mountNNN to read or
// write it), removing their empty mount points.
func unmountUnder(root string) {
	for _, m := range mountsUnder(root) {
		if err := syscall.Unmount(m, 0); err != nil {
			syscall.Unmount(m, syscall.MNT_DETACH)
		}
		if !strings.HasPrefix(m, root+string(filepath.Separator)) && strings.HasPrefix(filepath.Base(m), "buildkit-mount") {
			os.Remove(m) // BuildKit's own empty temporary directory
		}
	}
}

// mountsUnder lists the mount points under root, and those whose source
// lies under root (a bind mount of a snapshot, an overlay of its
// layers), deepest first.
func mountsUnder(root string) []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	prefix := root + string(filepath.Separator)
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMountPath(fields[4])
		source := unescapeMountPath(fields[3]) // the path within its file system: a bind mount's source
		if strings.HasPrefix(mp, prefix) || strings.HasPrefix(source, prefix) ||
			(strings.HasPrefix(filepath.Base(mp), "buildkit-mount") && strings.Contains(sc.Text(), prefix)) {
			out = append(out, mp)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// unescapeMountPath undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountPath(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
