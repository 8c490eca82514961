package builder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/moby/buildkit/client"

	"github.com/xbake/xbake/internal/builder/desc"
	"github.com/xbake/xbake/internal/flock"
)

// startTimeout bounds how long a new daemon may take to answer.
const startTimeout = 60 * time.Second

// Local runs a buildkitd of its own, in StateDir()/builders/NAME:
// root/ (the daemon's state), buildkitd.sock, buildkitd.toml,
// buildkitd.pid, buildkitd.log and lock.
type Local struct {
	name     string
	dir      string
	config   desc.Local
	declared []string
	// unavailable says why no builder can run here, for the built-in
	// builder (ChooseBuiltin): Client returns it, stop and rm have
	// nothing to do.
	unavailable error
}

// Nodes implements Driver: a local builder is one daemon.
func (l *Local) Nodes() []*Node {
	return []*Node{{Builder: l.name, Name: l.name, Declared: l.declared, local: l}}
}

// RemoveState deletes the builder's state directory (its cache); the
// daemon must be stopped: a daemon that still holds the root is refused.
func (l *Local) RemoveState() error {
	if _, err := os.Stat(l.dir); err != nil {
		return nil
	}
	unlock, err := l.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if pid, held := l.rootHolder(); held {
		return fmt.Errorf("builder %q: %s still runs on %s; stop it first (xbake builders stop %s)", l.name, daemonWord(pid), l.dir, l.name)
	}
	l.sweep() // a daemon killed earlier may have left mounts under it
	return os.RemoveAll(l.dir)
}

// NewLocal returns the driver of a local builder.
func NewLocal(name string, cfg desc.Local) *Local {
	return &Local{name: name, dir: filepath.Join(StateDir(), "builders", name), config: cfg}
}

// Name implements Driver.
func (l *Local) Name() string { return l.name }

// Dir is the builder's state directory.
func (l *Local) Dir() string { return l.dir }

func (l *Local) socket() string { return filepath.Join(l.dir, "buildkitd.sock") }

// Address is the daemon's address.
func (l *Local) Address() string { return "unix://" + l.socket() }

// Client implements Driver: it reuses the running daemon, or starts one.
// A daemon that holds the root but does not answer (stopped, starved of
// CPU, still loading its state) is waited for, never replaced.
func (l *Local) Client(ctx context.Context) (*client.Client, error) {
	if l.unavailable != nil {
		return nil, l.unavailable
	}
	if err := os.MkdirAll(l.dir, 0o700); err != nil {
		return nil, fmt.Errorf("builder %q: %w", l.name, err)
	}
	unlock, err := l.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if c := l.answering(ctx); c != nil {
		return c, nil
	}
	if pid, held := l.rootHolder(); held {
		return l.waitForHolder(ctx, pid)
	}
	exited, err := l.start()
	if err != nil {
		return nil, err
	}
	return l.waitReady(ctx, exited)
}

// lock takes the builder's file lock, so that concurrent xbake processes
// start, stop, sweep and remove its daemon one at a time.
func (l *Local) lock() (func(), error) {
	f, err := os.OpenFile(filepath.Join(l.dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("builder %q: %w", l.name, err)
	}
	if err := flock.Lock(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("builder %q: lock %s: %w", l.name, f.Name(), err)
	}
	return func() { f.Close() }, nil // closing releases the lock
}

// answering returns a client if a daemon answers on the socket.
func (l *Local) answering(ctx context.Context) *client.Client {
	if _, err := os.Stat(l.socket()); err != nil {
		return nil
	}
	c, err := client.New(ctx, l.Address())
	if err != nil {
		return nil
	}
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := c.ListWorkers(pingCtx); err != nil {
		c.Close()
		return nil
	}
	return c
}

// daemonWord names the daemon for a message: "its buildkitd (pid 42)".
func daemonWord(pid int) string {
	if pid > 0 {
		return fmt.Sprintf("its buildkitd (pid %d)", pid)
	}
	return "its buildkitd"
}

// holderWait bounds how long a run waits for a daemon that holds its
// root and does not answer.
var holderWait = 2 * time.Minute

// waitForHolder waits for the daemon that holds the root to answer,
// saying so every few seconds. It never removes its socket nor starts
// another daemon beside it: a second buildkitd on one root cannot run.
func (l *Local) waitForHolder(ctx context.Context, pid int) (*client.Client, error) {
	who := daemonWord(pid)
	start := time.Now()
	next := start
	for {
		if c := l.answering(ctx); c != nil {
			if time.Since(start) > time.Second {
				Notice(ctx, "builder %q: %s answers again after %s", l.name, who, time.Since(start).Round(time.Second))
			}
			return c, nil
		}
		if _, held := l.rootHolder(); !held {
			return nil, fmt.Errorf("builder %q: %s held %s without answering, then exited; run again to start a new one", l.name, who, filepath.Join(l.dir, "root"))
		}
		state := ""
		if s := processState(pid); s != "" {
			state = " (" + s + ")"
		}
		waited := time.Since(start).Round(time.Second)
		if waited >= holderWait {
			return nil, fmt.Errorf("builder %q: %s%s holds %s but has not answered on %s for %s; xbake does not start a second daemon on one root. Wait for it, or end it with: xbake builders stop %s",
				l.name, who, state, filepath.Join(l.dir, "root"), l.socket(), waited, l.name)
		}
		if !time.Now().Before(next) {
			Notice(ctx, "builder %q: %s%s holds its state but does not answer; waiting for it (%s so far, up to %s)", l.name, who, state, waited, holderWait)
			next = next.Add(10 * time.Second)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// start launches buildkitd in the background, in its own session so it
// outlives this process. The channel is closed if the daemon exits while
// this process lives: waiting on the child is the only exact way to tell,
// since until the exec completes (seconds on a cold page cache) its
// /proc cmdline is still xbake's.
func (l *Local) start() (<-chan struct{}, error) {
	bin, err := FindBuildkitd()
	if err != nil {
		return nil, err
	}
	if _, err := exec.LookPath("runc"); err != nil {
		return nil, errors.New("runc is not installed; BuildKit needs it to run build steps. On Debian: apt-get install runc")
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("the local builder runs buildkitd as root; run xbake as root, or declare a remote builder")
	}
	if err := os.WriteFile(filepath.Join(l.dir, "buildkitd.toml"), l.configTOML(), 0o600); err != nil {
		return nil, err
	}
	// The caller holds the builder's lock and found the root's lock free:
	// no daemon runs on this root, so what is there was left by a dead one.
	l.sweep()
	os.Remove(l.socket())
	logf, err := os.OpenFile(l.logPath(), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin,
		"--root", filepath.Join(l.dir, "root"),
		"--addr", l.Address(),
		"--config", filepath.Join(l.dir, "buildkitd.toml"))
	cmd.Stdout, cmd.Stderr = logf, logf
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("builder %q: starting %s: %w", l.name, bin, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	pid := strconv.Itoa(cmd.Process.Pid)
	return exited, os.WriteFile(l.pidPath(), []byte(pid), 0o600)
}

func (l *Local) logPath() string { return filepath.Join(l.dir, "buildkitd.log") }
func (l *Local) pidPath() string { return filepath.Join(l.dir, "buildkitd.pid") }

// waitReady polls the new daemon until it answers, it exits, or the
// timeout passes; the error then carries the end of its log.
func (l *Local) waitReady(ctx context.Context, exited <-chan struct{}) (*client.Client, error) {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		if c := l.answering(ctx); c != nil {
			return c, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-exited:
			return nil, fmt.Errorf("builder %q: buildkitd exited at start; the end of %s:\n%s", l.name, l.logPath(), tail(l.logPath(), 15))
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil, fmt.Errorf("builder %q: buildkitd did not answer within %s; the end of %s:\n%s", l.name, startTimeout, l.logPath(), tail(l.logPath(), 15))
}

// Running reports whether this builder's daemon is alive.
func (l *Local) Running() bool { return l.daemonPID() > 0 }

func (l *Local) pid() int {
	b, err := os.ReadFile(l.pidPath())
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// daemonPID is the pid in the pid file if that process is this builder's
// buildkitd, and 0 otherwise. A pid file outlives its daemon (a reboot, a
// kill -9) and the pid may since belong to any process: only one whose
// command line is a buildkitd listening on this builder's socket counts.
func (l *Local) daemonPID() int {
	pid := l.pid()
	if pid <= 0 {
		return 0
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !isDaemonOf(cmdline, l.Address()) {
		return 0
	}
	return pid
}

// isDaemonOf reports whether a /proc cmdline (NUL-separated) is a
// buildkitd started with --addr addr.
func isDaemonOf(cmdline []byte, addr string) bool {
	args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	if len(args) == 0 || filepath.Base(args[0]) != "buildkitd" {
		return false
	}
	for i, a := range args {
		if a == "--addr="+addr || (a == "--addr" && i+1 < len(args) && args[i+1] == addr) {
			return true
		}
	}
	return false
}

// Stop ends the daemon, waiting up to 10 seconds for it to exit. The
// daemon is the process holding the root's lock (or the pid file's, if
// it is a buildkitd on this builder's socket); a stopped one is
// continued so that it can exit cleanly. A pid file or socket left by a
// daemon that is gone is removed; a process that is not this builder's
// daemon is never signalled.
func (l *Local) Stop() error {
	if _, err := os.Stat(l.dir); err != nil {
		return nil // never started here
	}
	unlock, err := l.lock()
	if err != nil {
		return err
	}
	defer unlock()
	return l.stopLocked()
}

func (l *Local) stopLocked() error {
	pid := l.daemonPID()
	if holder, held := l.rootHolder(); held && holder > 0 {
		pid = holder
	}
	if pid <= 0 {
		l.removeStale()
		return nil
	}
	if err := terminate(pid); err != nil {
		return fmt.Errorf("builder %q: stopping its buildkitd (pid %d): %w", l.name, pid, err)
	}
	resume(pid) // a stopped daemon handles SIGTERM only once it runs
	alive := func() bool { return exists(pid) && processState(pid) != "a zombie" }
	for i := 0; i < 100 && alive(); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if alive() {
		kill(pid)
		for i := 0; i < 50 && alive(); i++ {
			time.Sleep(100 * time.Millisecond)
		}
	}
	l.removeStale()
	return nil
}

// removeStale removes the pid file and socket of a daemon that is gone.
func (l *Local) removeStale() {
	os.Remove(l.pidPath())
	os.Remove(l.socket())
}

// configTOML renders buildkitd.toml from the builder's config block.
func (l *Local) configTOML() []byte {
	var b bytes.Buffer
	b.WriteString("# Written by xbake from the builder block; edits are overwritten.\n")
	// The daemon is xbake's own, reachable by root only; a build gets an
	// entitlement only when the user grants it with --allow.
	b.WriteString("insecure-entitlements = [\"network.host\", \"security.insecure\"]\n")
	// Its own trace socket: the default one in /run/buildkit is shared
	// by every buildkitd on the machine, other users' too.
	fmt.Fprintf(&b, "[otel]\n  socketPath = %q\n", filepath.Join(l.dir, "otel-grpc.sock"))
	b.WriteString("[worker.containerd]\n  enabled = false\n[worker.oci]\n  enabled = true\n")
	if l.config.MaxParallelism > 0 {
		fmt.Fprintf(&b, "  max-parallelism = %d\n", l.config.MaxParallelism)
	}
	hosts := make([]string, 0, len(l.config.Registries))
	for h := range l.config.Registries {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	for _, h := range hosts {
		r := l.config.Registries[h]
		fmt.Fprintf(&b, "[registry.%q]\n  http = %t\n  insecure = %t\n", h, r.HTTP, r.Insecure)
		if len(r.Mirrors) > 0 {
			fmt.Fprintf(&b, "  mirrors = [%s]\n", quoteJoin(r.Mirrors))
		}
	}
	return b.Bytes()
}

func quoteJoin(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// FindBuildkitd looks for the daemon: $XBAKE_BUILDKITD, then next to the
// xbake binary, then on PATH.
func FindBuildkitd() (string, error) {
	if p := os.Getenv("XBAKE_BUILDKITD"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("XBAKE_BUILDKITD is %q, which does not exist", p)
		}
		return p, nil
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), "buildkitd")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("buildkitd"); err == nil {
		return p, nil
	}
	return "", errors.New("buildkitd was not found (looked at $XBAKE_BUILDKITD, next to xbake, and on PATH). " +
		"Build the version xbake pins with: go build -o bin/ github.com/moby/buildkit/cmd/buildkitd (bash scripts/setup does it)")
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log)"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
