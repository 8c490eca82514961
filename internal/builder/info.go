package builder

import (
	"context"
	"sort"
	"time"

	"github.com/containerd/platforms"
	controlapi "github.com/moby/buildkit/api/services/control"
	"github.com/moby/buildkit/client"

	"github.com/xbake/xbake/internal/builder/desc"
)

// Node statuses, as `xbake builders` shows them.
const (
	StatusRunning     = "running"
	StatusInactive    = "inactive"    // a local daemon not started yet, a container not created yet
	StatusStopped     = "stopped"     // a builder's container that exists but does not run (buildx's word)
	StatusUnreachable = "unreachable" // a remote daemon that does not answer
)

// BuilderInfo describes a builder and its nodes.
type BuilderInfo struct {
	Name    string `json:"name"`
	Driver  string `json:"driver"`
	Default bool   `json:"default"`
	// Orphaned: a container of xbake's for this project that no builder
	// of the spec names any more (builders prune removes it).
	Orphaned bool       `json:"orphaned,omitempty"`
	Nodes    []NodeInfo `json:"nodes"`
}

// NodeInfo describes one daemon of a builder.
type NodeInfo struct {
	Name     string            `json:"name"`
	Endpoint string            `json:"endpoint"`
	Status   string            `json:"status"`
	Error    string            `json:"error,omitempty"`
	Declared []string          `json:"declared_platforms,omitempty"`
	Reported []string          `json:"reported_platforms,omitempty"`
	Version  string            `json:"buildkit_version,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
	// Capacity is the node's declared max-parallelism (0: not declared).
	Capacity int `json:"max_parallelism,omitempty"`
	// Running are the builds in progress that the daemon records in its
	// history (a build xbake runs without --history is not among them);
	// InUse counts the cache records that builds in progress hold, xbake's
	// included: how busy the daemon is now.
	Running int `json:"running_builds"`
	InUse   int `json:"records_in_use"`
}

// Names lists the builders of a spec, the built-in local one included
// unless the spec declares its own "local".
func Names(builders desc.Builders) []string {
	names := []string{}
	for n := range builders {
		names = append(names, n)
	}
	sort.Strings(names)
	if _, ok := builders[BuiltinName]; !ok {
		names = append([]string{BuiltinName}, names...)
	}
	return names
}

// Describe reports a builder's nodes: status, platforms, version and
// worker labels. With bootstrap, a local daemon is started first. A
// daemon that does not answer is reported, not returned as an error.
func Describe(ctx context.Context, builders desc.Builders, name string, bootstrap bool) (BuilderInfo, error) {
	d, err := For(builders, name)
	if err != nil {
		return BuilderInfo{}, err
	}
	info := BuilderInfo{Name: name, Driver: "local"}
	if b := builders[name]; b != nil {
		info.Driver, info.Default = b.Driver, b.Default
	}
	for _, n := range d.Nodes() {
		info.Nodes = append(info.Nodes, describeNode(ctx, n, bootstrap))
	}
	return info, nil
}

func describeNode(ctx context.Context, n *Node, bootstrap bool) NodeInfo {
	ni := NodeInfo{Name: n.Name, Endpoint: n.Endpoint(), Declared: n.Declared, Capacity: n.Capacity}
	if n.local != nil && !bootstrap && !n.local.Running() {
		ni.Status = StatusInactive
		return ni
	}
	if n.container != nil && !bootstrap {
		state, err := n.container.State(ctx)
		if err != nil {
			ni.Status, ni.Error = StatusUnreachable, err.Error()
			return ni
		}
		switch state {
		case "absent":
			ni.Status = StatusInactive
			return ni
		case "stopped":
			ni.Status = StatusStopped
			return ni
		}
	}
	timeout := 20 * time.Second // a remote daemon that answers does so quickly
	if n.local != nil || n.container != nil {
		timeout = startTimeout + 10*time.Second // a starting daemon may take its time
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := n.Client(ctx)
	if err != nil {
		ni.Status, ni.Error = StatusUnreachable, err.Error()
		return ni
	}
	defer c.Close()
	ni.Status = StatusRunning
	if workers, err := c.ListWorkers(ctx); err == nil {
		for _, w := range workers {
			for _, p := range w.Platforms {
				ni.Reported = append(ni.Reported, platforms.Format(p))
			}
			ni.Labels = w.Labels
		}
	}
	if v, err := c.Info(ctx); err == nil {
		ni.Version = v.BuildkitVersion.Version
	}
	ni.Running, ni.InUse = busy(ctx, c)
	return ni
}

// busy asks a daemon what it is doing now: the builds in progress its
// history records, and the cache records in use.
func busy(ctx context.Context, c *client.Client) (running, inUse int) {
	if records, err := c.DiskUsage(ctx); err == nil {
		for _, r := range records {
			if r.InUse {
				inUse++
			}
		}
	}
	stream, err := c.ControlClient().ListenBuildHistory(ctx, &controlapi.BuildHistoryRequest{ActiveOnly: true, EarlyExit: true})
	if err != nil {
		return running, inUse
	}
	for {
		ev, err := stream.Recv()
		if err != nil {
			return running, inUse
		}
		if ev.Record != nil && ev.Record.CompletedAt == nil {
			running++
		}
	}
}

// reportedPlatforms asks a running daemon what it can build.
func reportedPlatforms(ctx context.Context, c *client.Client) ([]string, error) {
	workers, err := c.ListWorkers(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, w := range workers {
		for _, p := range w.Platforms {
			out = append(out, platforms.Format(p))
		}
	}
	return out, nil
}
