//go:build linux

// Package testenv starts the real components integration tests build
// against: a Docker engine of the test's own (Debian's docker.io), and
// the BuildKit image a docker-container builder runs, made on the machine
// from the pinned buildkitd (there is no Docker Hub here). Only tests
// import it.
//
// A test that needs what is missing skips, except under CI=true, where
// it fails: CI must have everything.
package testenv

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Need skips the test (fails it under CI) with why, when missing.
func Need(t testing.TB, missing bool, why string) {
	t.Helper()
	if !missing {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal(why + " (CI must have it: bash scripts/setup, scripts/test)")
	}
	t.Skip(why)
}

// Dockerd runs a Docker engine with its own socket, data and exec roots
// under a temporary directory, points DOCKER_HOST at it and returns the
// socket; the docker CLI gets a configuration directory of the test's
// own. It stops with the test.
func Dockerd(t testing.TB) string {
	t.Helper()
	sock := startDockerd(t)
	t.Setenv("DOCKER_HOST", "unix://"+sock)
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // the docker CLI keeps out of the user's ~/.docker
	return sock
}

// DockerdTCP runs a second Docker engine, which also listens on a
// loopback TCP port (plain, as an engine behind a TLS proxy or an ssh
// tunnel looks to the CLI), and returns its tcp:// address. DOCKER_HOST
// is left as it was: the test chooses the engine.
func DockerdTCP(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "tcp://" + l.Addr().String()
	l.Close()
	startDockerd(t, "-H", addr)
	WaitUntilReady(t, "", "dockerd on "+addr, func() bool {
		return exec.Command("docker", "--host", addr, "info", "--format", "{{.ID}}").Run() == nil
	})
	return addr
}

// startDockerd starts an engine on a socket of its own (and the extra
// -H addresses) and waits for it.
func startDockerd(t testing.TB, extra ...string) string {
	_, err := exec.LookPath("dockerd")
	Need(t, err != nil || os.Geteuid() != 0, "needs root and dockerd (apt-get install docker.io)")
	dir, err := os.MkdirTemp("/tmp", "xbd")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "docker.sock")
	args := append([]string{"--data-root", filepath.Join(dir, "data"), "--exec-root", filepath.Join(dir, "exec"),
		"-H", "unix://" + sock, "--pidfile", filepath.Join(dir, "pid"), "--bridge", "none", "--iptables=false"}, extra...)
	StartInBackground(t, exec.Command("dockerd", args...), dir, nil)
	WaitUntilReady(t, dir, "dockerd", func() bool {
		return exec.Command("docker", "--host", "unix://"+sock, "info", "--format", "{{.ID}}").Run() == nil
	})
	return sock
}

// StartInBackground starts a daemon in its own process group with its
// output in dir/log; when the test ends it stops it (SIGTERM, then
// SIGKILL to its group after 30 seconds), runs afterStop (if any),
// unmounts whatever is still mounted under dir (an engine's
// exec/netns/default, its overlays) and removes dir. If the test binary
// dies first (a go test timeout, kill -9), the daemon gets SIGTERM from
// the kernel (Pdeathsig): no engine of a dead test runs on.
func StartInBackground(t testing.TB, cmd *exec.Cmd, dir string, afterStop func()) {
	t.Helper()
	log, _ := os.Create(filepath.Join(dir, "log"))
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if afterStop != nil {
			afterStop()
		}
		UnmountUnder(dir)
		os.RemoveAll(dir)
	})
}

// UnmountUnder unmounts every mount point under dir, deepest first.
func UnmountUnder(dir string) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var points []string
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], dir+"/") {
			points = append(points, f[4])
		}
	}
	sort.Slice(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	for _, p := range points {
		if syscall.Unmount(p, 0) != nil {
			syscall.Unmount(p, syscall.MNT_DETACH)
		}
	}
}

// WaitUntilReady polls ready for up to a minute and fails the test with
// the daemon's log (dir/log) if it never answers.
func WaitUntilReady(t testing.TB, dir, what string, ready func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if ready() {
			return
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "log"))
	t.Fatalf("%s did not start:\n%s", what, b)
}

// Docker runs the docker CLI (against DOCKER_HOST) and fails the test if
// it fails; it returns the trimmed output.
func Docker(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// BuildKitImage imports into the engine at DOCKER_HOST an image named
// tag that runs the repository's bin/buildkitd, with buildctl (for
// `buildctl dial-stdio`), the machine's runc and the shared libraries
// they load, and busybox for a shell: what moby/buildkit holds, made
// here. root is the repository's root.
func BuildKitImage(t testing.TB, root, tag string) {
	t.Helper()
	bin := filepath.Join(root, "bin")
	runc, err := exec.LookPath("runc")
	Need(t, err != nil, "needs runc")
	for _, f := range []string{"buildkitd", "buildctl", "busybox-amd64"} {
		_, err := os.Stat(filepath.Join(bin, f))
		Need(t, err != nil, "needs bin/"+f+" (bash scripts/setup)")
	}
	rootfs := t.TempDir()
	// No /etc/buildkit: moby/buildkit has none, and a builder's
	// buildkitd-config must not need it.
	for _, d := range []string{"usr/bin", "bin", "var/lib/buildkit", "tmp", "run", "proc", "sys", "dev"} {
		os.MkdirAll(filepath.Join(rootfs, d), 0o755)
	}
	CopyFile(t, filepath.Join(bin, "buildkitd"), filepath.Join(rootfs, "usr/bin/buildkitd"))
	CopyFile(t, filepath.Join(bin, "buildctl"), filepath.Join(rootfs, "usr/bin/buildctl"))
	CopyFile(t, runc, filepath.Join(rootfs, "usr/bin/runc"))
	CopyFile(t, filepath.Join(bin, "busybox-amd64"), filepath.Join(rootfs, "bin/busybox"))
	os.Symlink("busybox", filepath.Join(rootfs, "bin/sh"))
	out, err := exec.Command("ldd", runc, filepath.Join(bin, "buildkitd")).Output()
	if err != nil {
		t.Fatalf("ldd: %v", err)
	}
	for _, f := range strings.Fields(string(out)) {
		if strings.HasPrefix(f, "/") && !strings.HasSuffix(f, ":") {
			os.MkdirAll(filepath.Join(rootfs, filepath.Dir(f)), 0o755)
			CopyFile(t, f, filepath.Join(rootfs, f))
		}
	}
	tar := exec.Command("tar", "-C", rootfs, "-c", ".")
	imp := exec.Command("docker", "import", "--change", `ENTRYPOINT ["buildkitd"]`, "-", tag)
	imp.Stdin, _ = tar.StdoutPipe()
	var impOut strings.Builder
	imp.Stdout, imp.Stderr = &impOut, &impOut
	if err := imp.Start(); err != nil {
		t.Fatal(err)
	}
	if err := tar.Run(); err != nil {
		t.Fatalf("tar: %v", err)
	}
	if err := imp.Wait(); err != nil {
		t.Fatalf("docker import: %v\n%s", err, impOut.String())
	}
}

// CopyFile copies src to dst as an executable (busybox, a daemon).
func CopyFile(t testing.TB, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		t.Fatal(err)
	}
}
