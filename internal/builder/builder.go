package builder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/moby/buildkit/client"

	"github.com/xbake/xbake/internal/builder/desc"
)

// BuiltinName is the builder used when a spec declares none (the same
// name as spec.BuiltinBuilder; the drivers never read the spec).
const BuiltinName = "local"

// Driver connects to the daemons of one builder.
type Driver interface {
	// Name is the builder's name.
	Name() string
	// Client returns a client of the builder's first daemon, starting it
	// first if this driver manages one.
	Client(ctx context.Context) (*client.Client, error)
	// Nodes lists the builder's daemons.
	Nodes() []*Node
}

var (
	_ Driver = (*Local)(nil)
	_ Driver = (*Remote)(nil)
)

// Node is one daemon of a builder.
type Node struct {
	Builder, Name string
	// Declared are the platforms the spec says the node builds natively;
	// empty means "ask the daemon".
	Declared []string
	// Capacity is the node's declared max-parallelism (0: not declared).
	Capacity  int
	local     *Local     // set for a local builder's daemon
	remote    *Remote    // set for a remote one
	container *Container // set for a docker-container builder's
}

// Endpoint is the node's address.
func (n *Node) Endpoint() string {
	if n.local != nil {
		return n.local.Address()
	}
	if n.container != nil {
		return n.container.Endpoint()
	}
	return n.remote.endpoint
}

// Client connects to the node's daemon (starting a local one).
func (n *Node) Client(ctx context.Context) (*client.Client, error) {
	if n.local != nil {
		return n.local.Client(ctx)
	}
	if n.container != nil {
		return n.container.Client(ctx)
	}
	return n.remote.Client(ctx)
}

// For returns the driver of a builder: a declared builder block, or the
// built-in local builder.
func For(builders desc.Builders, name string) (Driver, error) {
	b, declared := builders[name]
	if !declared {
		if name != BuiltinName {
			return nil, fmt.Errorf("builder %q is not declared in the spec", name)
		}
		return builtin()
	}
	if b.Driver == "docker" {
		endpoint := ""
		if len(b.Nodes) > 0 {
			endpoint = b.Nodes[0].Endpoint
		}
		r := &Remote{name: name, node: name, endpoint: "unix://" + dockerSocket(endpoint), docker: true}
		return &Multi{name: name, nodes: []*Node{{Builder: name, Name: name, Declared: b.Platforms, remote: r}}}, nil
	}
	if b.Driver == "docker-container" {
		return NewContainer(b), nil
	}
	if b.Driver == "remote" {
		if len(b.Nodes) == 0 {
			return nil, fmt.Errorf("builder %q has no endpoint", name)
		}
		return NewMulti(b), nil
	}
	l := NewLocal(name, b.Local)
	l.declared = b.Platforms
	return l, nil
}

// Clients hands out the connections of a run, one per builder node,
// connecting on first use. It is safe for concurrent use: each builder
// connects once, and a builder that is slow to connect (a daemon
// starting, an unreachable node) holds up only the targets that build on
// it.
type Clients struct {
	builders desc.Builders
	mu       sync.Mutex // guards nodes (the map, not what its entries hold)
	// nodes holds each builder's connections, or the error, by name.
	nodes map[string]*nodesOrErr
}

// nodesOrErr is one builder's connections; nodes and err are set before
// ready is closed and never change afterwards.
type nodesOrErr struct {
	ready   chan struct{}
	nodes   []NodeClient
	err     error
	leftOut []LeftOut // nodes of a pool that did not answer
}

// LeftOut is a node of a builder that did not answer when the run
// connected, and why.
type LeftOut struct {
	Node string
	Err  error
}

// NodeClient is a connected node and the platforms it builds.
type NodeClient struct {
	Builder, Name string
	// Docker is set for a Docker engine's BuildKit: images export into
	// the engine's store directly.
	Docker   bool
	Endpoint string
	// Log is the daemon's log file, for a local builder.
	Log    string
	Client *client.Client
	// Native are the platforms the node builds without emulation: those
	// the spec declares, else the first the daemon reports.
	Native []string
	// All are every platform the node can build, emulated ones included.
	All []string
}

// Nodes connects to every node of a builder. A builder of one node that
// cannot be reached fails, with an error naming builder, node and
// endpoint; of several nodes, those that answer build and the others are
// left out (LeftOut says why), unless none answers.
func (c *Clients) Nodes(ctx context.Context, name string) ([]NodeClient, error) {
	c.mu.Lock()
	ne, ok := c.nodes[name]
	if !ok {
		ne = &nodesOrErr{ready: make(chan struct{})}
		c.nodes[name] = ne
	}
	c.mu.Unlock()
	if !ok {
		ne.nodes, ne.leftOut, ne.err = c.connect(ctx, name)
		close(ne.ready)
	}
	select {
	case <-ne.ready:
		return ne.nodes, ne.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// LeftOut says why nodes of a builder were left out of the run: they did
// not answer when it connected.
func (c *Clients) LeftOut(name string) []LeftOut {
	c.mu.Lock()
	ne, ok := c.nodes[name]
	c.mu.Unlock()
	if !ok {
		return nil
	}
	<-ne.ready
	return ne.leftOut
}

// connect connects to the nodes of one builder, all at once.
func (c *Clients) connect(ctx context.Context, name string) ([]NodeClient, []LeftOut, error) {
	d, err := For(c.builders, name)
	if err != nil {
		return nil, nil, err
	}
	nodes := d.Nodes()
	conns := make([]NodeClient, len(nodes))
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() { conns[i], errs[i] = connectNode(ctx, n) })
	}
	wg.Wait()
	var out []NodeClient
	var leftOut []LeftOut
	for i := range nodes {
		if errs[i] != nil {
			leftOut = append(leftOut, LeftOut{Node: nodes[i].Name, Err: errs[i]})
			continue
		}
		out = append(out, conns[i])
	}
	if len(out) == 0 {
		return nil, nil, errors.Join(errs...)
	}
	return out, leftOut, nil
}

// connectNode connects to one node and asks what it builds.
func connectNode(ctx context.Context, n *Node) (NodeClient, error) {
	cl, err := n.Client(ctx)
	if err != nil {
		return NodeClient{}, err
	}
	reported, _ := reportedPlatforms(ctx, cl)
	nc := NodeClient{Builder: n.Builder, Name: n.Name, Endpoint: n.Endpoint(), Docker: n.remote != nil && n.remote.docker, Client: cl, Native: n.Declared,
		All: append(append([]string{}, n.Declared...), reported...)}
	if n.local != nil {
		nc.Log = n.local.logPath()
	}
	if len(nc.Native) == 0 && len(reported) > 0 {
		nc.Native = reported[:1]
	}
	return nc, nil
}

// NewClients prepares connections to the builders of a plan
// (plan.Plan.Builders).
func NewClients(builders desc.Builders) *Clients {
	return &Clients{builders: builders, nodes: map[string]*nodesOrErr{}}
}

// Close closes every connection made.
func (c *Clients) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ne := range c.nodes {
		select {
		case <-ne.ready:
			for _, n := range ne.nodes {
				n.Client.Close()
			}
		default: // still connecting: its caller's context ends it
		}
	}
}

// StateDir is where local builders keep their daemons' state:
// $XBAKE_STATE_DIR, else $XDG_STATE_HOME/xbake, else ~/.local/state/xbake.
func StateDir() string {
	if d := os.Getenv("XBAKE_STATE_DIR"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "xbake")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return filepath.Join(home, ".local", "state", "xbake")
}
