package outputs

// Two xbake runs at once on one project may write the same destination
// (two CI jobs on one runner, a developer's run beside a watcher's).
// Each run moves its outputs into place file by file; interleaved, they
// would trip over each other's renames and leave a mix. So a target
// holds a lock on each of its destinations while its outputs move into
// place: a run that finds one held says whose it is, waits, then writes.
// The locks are files in the state directory, named by a digest of the
// destination, and hold the pid and destination of their holder.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/xbake/xbake/internal/builder"
	"github.com/xbake/xbake/internal/plan"
)

// LockDestinations takes the lock of each destination, in sorted order
// (so two runs with several in common never wait for each other in a
// circle), calling waiting with the holder's description before it
// waits for one. The returned function releases them all.
func LockDestinations(dests []string, waiting func(holder string)) (func(), error) {
	dir := filepath.Join(builder.StateDir(), "locks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("output locks: %w", err)
	}
	dests = slices.Compact(slices.Sorted(slices.Values(dests)))
	var held []*os.File
	release := func() {
		for _, f := range held {
			f.Close() // closing drops the flock
		}
	}
	for _, dest := range dests {
		sum := sha256.Sum256([]byte(dest))
		f, err := os.OpenFile(filepath.Join(dir, hex.EncodeToString(sum[:16])), os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			release()
			return nil, fmt.Errorf("output lock of %s: %w", dest, err)
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			holder, _ := os.ReadFile(f.Name())
			waiting(strings.TrimSpace(string(holder)))
			if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
				f.Close()
				release()
				return nil, fmt.Errorf("output lock of %s: %w", dest, err)
			}
		}
		f.Truncate(0)
		f.WriteAt([]byte(fmt.Sprintf("xbake run (pid %d) writing %s\n", os.Getpid(), dest)), 0)
		held = append(held, f)
	}
	return release, nil
}

// FileDestinations are the destinations on this machine a node writes.
func FileDestinations(n *plan.Node) []string {
	var out []string
	for _, o := range n.Outputs {
		if o.WritesFile() {
			out = append(out, o.Dest)
		}
	}
	return out
}
