package builder

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/moby/buildkit/client"

	"github.com/xbake/xbake/spec"
)

// BuiltinName is the builder used when a spec declares none.
const BuiltinName = "local"

// Driver connects to the daemon of one builder.
type Driver interface {
	// Name is the builder's name.
	Name() string
	// Client returns a client of a running daemon, starting it first if
	// this driver manages one.
	Client(ctx context.Context) (*client.Client, error)
}

var (
	_ Driver = (*Local)(nil)
	_ Driver = (*Remote)(nil)
)

// For returns the driver of a builder: a declared builder block, or the
// built-in local builder.
func For(s *spec.Spec, name string) (Driver, error) {
	b, declared := s.Builders[name]
	if !declared {
		if name != BuiltinName {
			return nil, fmt.Errorf("builder %q is not declared in the spec", name)
		}
		return NewLocal(name, spec.BuilderConfig{}), nil
	}
	if b.Driver.Value == "remote" {
		if len(b.Nodes) == 0 {
			return nil, fmt.Errorf("builder %q has no endpoint", name)
		}
		n := b.Nodes[0]
		return &Remote{name: name, node: n.Name, endpoint: n.Endpoint.Value, tls: n.TLS}, nil
	}
	return NewLocal(name, b.Config), nil
}

// Clients hands out one client per builder for a run, connecting on
// first use. It is safe for concurrent use.
type Clients struct {
	spec *spec.Spec
	mu   sync.Mutex // guards clients
	// clients holds the connection, or the error, per builder name.
	clients map[string]clientOrErr
}

type clientOrErr struct {
	c   *client.Client
	err error
}

// NewClients prepares connections to the builders of s.
func NewClients(s *spec.Spec) *Clients {
	return &Clients{spec: s, clients: map[string]clientOrErr{}}
}

// Get returns the client of a builder, connecting (and starting a local
// daemon) on first use.
func (c *Clients) Get(ctx context.Context, name string) (*client.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ce, ok := c.clients[name]; ok {
		return ce.c, ce.err
	}
	d, err := For(c.spec, name)
	var cl *client.Client
	if err == nil {
		cl, err = d.Client(ctx)
	}
	c.clients[name] = clientOrErr{cl, err}
	return cl, err
}

// Close closes every connection.
func (c *Clients) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ce := range c.clients {
		if ce.c != nil {
			ce.c.Close()
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
