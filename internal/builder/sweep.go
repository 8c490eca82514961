//go:build unix

package builder

// What a local daemon killed without warning (kill -9, an OOM kill, a
// power cut of the process tree) leaves behind: the mounts of its build
// steps' root file systems under its --root, and the runc containers of
// the steps that were running. The next daemon would work on top of
// them, but the state directory could not be deleted (`builders rm`:
// "directory not empty") and the steps go on running.
//
// sweep ends exactly those, and only what is provably the builder's
// (docs/builders.md, "What xbake touches"):
//   - containers that runc lists with their bundle under the root (runc
//     kills their processes through their cgroup);
//   - processes whose root directory lies under the root (a step's
//     process inside its container): never a process merely because a
//     path under the root appears on its command line (an editor, tail,
//     du);
//   - mounts whose mount point lies under the root, or whose source
//     does: an overlay whose lowerdir/upperdir/workdir are under it, or
//     a bind mount of a directory under it (same file system, and a path
//     inside it under the root's own path inside it). mountinfo's fourth
//     field is a path inside its file system, never compared with an
//     absolute path.

import (
	"bufio"
	"encoding/json"
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
// called under the builder's lock with the root's lock free (no daemon
// runs on the root).
func (l *Local) sweep() {
	root := filepath.Join(l.dir, "root")
	if resolved, err := filepath.EvalSymlinks(root); err == nil {
		root = resolved
	}
	deleteContainers(root)
	killProcessesUnder(root)
	unmountUnder(root)
}

// runcContainer is what `runc list --format json` says of a container.
type runcContainer struct {
	ID     string `json:"id"`
	Bundle string `json:"bundle"`
	Rootfs string `json:"rootfs"`
}

// deleteContainers asks runc to delete, by force, each container whose
// bundle or root file system lies under root (BuildKit's steps run in
// ROOT/runc-SNAPSHOTTER/executor/ID): that kills its processes and
// removes its cgroup and runc's state. Other containers runc knows of,
// of this machine's other users, are not looked at.
func deleteContainers(root string) {
	runc, err := exec.LookPath("runc")
	if err != nil {
		return
	}
	out, err := exec.Command(runc, "list", "--format", "json").Output()
	if err != nil {
		return
	}
	var list []runcContainer
	if json.Unmarshal(out, &list) != nil {
		return
	}
	for _, c := range list {
		if under(c.Bundle, root) || under(c.Rootfs, root) {
			exec.Command(runc, "delete", "--force", c.ID).Run() // one gone meanwhile fails: fine
		}
	}
}

// under reports whether path lies strictly inside dir.
func under(path, dir string) bool {
	return path != "" && strings.HasPrefix(filepath.Clean(path), dir+string(filepath.Separator))
}

// killProcessesUnder kills the processes whose root directory lies under
// root (a step's process inside its container, which runc no longer
// knows), and waits a little for them to go.
func killProcessesUnder(root string) {
	self := os.Getpid()
	var killed []int
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid == self {
			continue
		}
		procRoot, err := os.Readlink(filepath.Join("/proc", p.Name(), "root"))
		if err != nil || !under(procRoot, root) {
			continue
		}
		if syscall.Kill(pid, syscall.SIGKILL) == nil {
			killed = append(killed, pid)
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

// unmountUnder unmounts the builder's mounts (mountsOf), deepest first,
// removing the empty mount points BuildKit made for its temporary mounts
// elsewhere (/tmp/buildkit-mountNNN).
func unmountUnder(root string) {
	for _, m := range mountsOf(root) {
		if err := syscall.Unmount(m, 0); err != nil {
			syscall.Unmount(m, unmountDetach)
		}
		if !under(m, root) && strings.HasPrefix(filepath.Base(m), "buildkit-mount") {
			os.Remove(m) // BuildKit's own empty temporary directory
		}
	}
}

// mountInfo is one line of /proc/self/mountinfo.
type mountInfo struct {
	device     string // major:minor of the file system
	inner      string // the path inside that file system that is mounted
	mountPoint string
	fsType     string
	options    string // the file system's own options (overlay's dirs)
}

func readMountInfo() []mountInfo {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []mountInfo
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024) // overlays with many layers make long lines
	for sc.Scan() {
		// ID PARENT MAJ:MIN INNER MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS
		fields := strings.Fields(sc.Text())
		sep := -1
		for i := 6; i < len(fields); i++ {
			if fields[i] == "-" {
				sep = i
				break
			}
		}
		if len(fields) < 5 || sep < 0 || sep+3 >= len(fields) {
			continue
		}
		out = append(out, mountInfo{
			device: fields[2], inner: unescapeMountPath(fields[3]), mountPoint: unescapeMountPath(fields[4]),
			fsType: fields[sep+1], options: unescapeMountPath(fields[sep+3]),
		})
	}
	return out
}

// mountsOf lists the mount points that belong to the builder with this
// root, deepest first: mounted under it, an overlay of directories
// under it, or a bind mount of a directory under it.
func mountsOf(root string) []string {
	mounts := readMountInfo()
	dev, inner := whereInItsFileSystem(root, mounts)
	var out []string
	for _, m := range mounts {
		if m.mountPoint == root || under(root, m.mountPoint) {
			continue // the file system the state is on, never the builder's
		}
		if under(m.mountPoint, root) || overlayOf(m, root) ||
			(dev != "" && m.device == dev && (m.inner == inner || under(m.inner, inner))) {
			out = append(out, m.mountPoint)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// whereInItsFileSystem returns the device of the file system that holds
// dir and dir's path inside it: a bind mount's inner path is compared
// with that, on the same device only.
func whereInItsFileSystem(dir string, mounts []mountInfo) (device, inner string) {
	best := -1
	for i, m := range mounts {
		if (dir == m.mountPoint || m.mountPoint == "/" || under(dir, m.mountPoint)) &&
			(best < 0 || len(m.mountPoint) >= len(mounts[best].mountPoint)) {
			best = i
		}
	}
	if best < 0 {
		return "", ""
	}
	m := mounts[best]
	rel, err := filepath.Rel(m.mountPoint, dir)
	if err != nil || strings.HasPrefix(rel, "..") {
		return "", ""
	}
	return m.device, filepath.Join(m.inner, rel)
}

// overlayOf reports whether m is an overlay with a layer, its upper or
// its work directory under root.
func overlayOf(m mountInfo, root string) bool {
	if m.fsType != "overlay" {
		return false
	}
	for _, opt := range strings.Split(m.options, ",") {
		key, value, _ := strings.Cut(opt, "=")
		switch key {
		case "lowerdir", "upperdir", "workdir":
			for _, dir := range strings.Split(value, ":") {
				if under(dir, root) {
					return true
				}
			}
		}
	}
	return false
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
