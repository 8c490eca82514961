package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/xbake/xbake/internal/atomicfile"
	"github.com/xbake/xbake/internal/builder"
	"github.com/xbake/xbake/internal/exec/result"
	"github.com/xbake/xbake/internal/plan"
)

// The plan places targets over a pool of nodes by how long they took
// before and where they ran (plan.History). Each directory xbake runs in
// keeps its own record in the state directory, next to the builders'.

// historyPath is the record of runs made in directory dir.
func historyPath(dir string) string {
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(builder.StateDir(), "history", hex.EncodeToString(sum[:8])+".json")
}

// loadHistory reads the record of runs in dir; none, or one that does
// not read, is an empty history (the plan then uses its defaults).
func loadHistory(dir string) plan.History {
	h := plan.History{Seconds: map[string]float64{}, Node: map[string]string{}}
	if b, err := os.ReadFile(historyPath(dir)); err == nil {
		json.Unmarshal(b, &h)
	}
	if h.Seconds == nil || h.Node == nil {
		h = plan.History{Seconds: map[string]float64{}, Node: map[string]string{}}
	}
	return h
}

// saveHistory records how long each target built in this run and on
// which node, for the next plan. Targets that did not build keep their
// old record. Failing to write it costs the next plan its estimates
// only, so it is not an error of the run.
func saveHistory(dir string, res *result.Result) {
	h := loadHistory(dir)
	changed := false
	for _, t := range res.Targets {
		if t.Status != result.Built && t.Status != result.Cached {
			continue
		}
		h.Seconds[t.Name] = busySeconds(t)
		if len(t.Nodes) > 0 {
			h.Node[t.Name] = t.Nodes[len(t.Nodes)-1]
		}
		changed = true
	}
	if !changed {
		return
	}
	path := historyPath(dir)
	if os.MkdirAll(filepath.Dir(path), 0o755) == nil {
		atomicfile.WriteJSON(path, h)
	}
}

// busySeconds is how long the target's steps ran, added up: unlike its
// wall time, it leaves out the time its build queued in a busy daemon
// (all targets are sent at once), which says nothing of the target.
func busySeconds(t *result.TargetResult) float64 {
	sum := 0.0
	for _, s := range t.Steps {
		if !s.Started.IsZero() && s.Completed.After(s.Started) {
			sum += s.Completed.Sub(s.Started).Seconds()
		}
	}
	if sum == 0 {
		return t.Duration.Seconds()
	}
	return sum
}
