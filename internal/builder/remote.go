package builder

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/moby/buildkit/client"
	// Connection helpers: docker-container://, kube-pod://, ssh://.
	_ "github.com/moby/buildkit/client/connhelper/dockercontainer"
	_ "github.com/moby/buildkit/client/connhelper/kubepod"
	_ "github.com/moby/buildkit/client/connhelper/ssh"

	"github.com/xbake/xbake/internal/builder/desc"
)

// Remote connects to a BuildKit daemon that someone else runs.
type Remote struct {
	name, node, endpoint string
	tls                  *desc.TLS
	docker               bool // a Docker engine's BuildKit (docker.go)
}

// Nodes implements Driver.
func (r *Remote) Nodes() []*Node {
	return []*Node{{Builder: r.name, Name: r.node, remote: r}}
}

// Multi is a remote builder of one or more nodes.
type Multi struct {
	name  string
	nodes []*Node
}

var _ Driver = (*Multi)(nil)

// NewMulti returns the driver of a remote builder block.
func NewMulti(b *desc.Builder) *Multi {
	m := &Multi{name: b.Name}
	for _, n := range b.Nodes {
		r := &Remote{name: b.Name, node: n.Name, endpoint: n.Endpoint, tls: n.TLS}
		m.nodes = append(m.nodes, &Node{Builder: b.Name, Name: n.Name, Declared: n.Platforms, Capacity: n.Capacity, remote: r})
	}
	return m
}

// Name implements Driver.
func (m *Multi) Name() string { return m.name }

// Nodes implements Driver.
func (m *Multi) Nodes() []*Node { return m.nodes }

// Client implements Driver: the first node's client.
func (m *Multi) Client(ctx context.Context) (*client.Client, error) { return m.nodes[0].Client(ctx) }

// NewRemote returns a driver for one endpoint.
func NewRemote(name, endpoint string, tls *desc.TLS) *Remote {
	return &Remote{name: name, node: name, endpoint: endpoint, tls: tls}
}

// Name implements Driver.
func (r *Remote) Name() string { return r.name }

// Client implements Driver: it connects and checks the daemon answers.
func (r *Remote) Client(ctx context.Context) (*client.Client, error) {
	var opts []client.ClientOpt
	if r.tls != nil {
		if r.tls.CA != "" {
			opts = append(opts, client.WithServerConfig(r.tls.ServerName, r.tls.CA))
		}
		if r.tls.Cert != "" {
			opts = append(opts, client.WithCredentials(r.tls.Cert, r.tls.Key))
		}
	}
	var c *client.Client
	var err error
	if r.docker {
		c, err = dockerClient(ctx, dockerSocket(r.endpoint))
	} else {
		c, err = client.New(ctx, r.endpoint, opts...)
	}
	if err != nil {
		return nil, r.unreachable(err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := c.ListWorkers(pingCtx); err != nil {
		c.Close()
		return nil, r.unreachable(err)
	}
	return c, nil
}

func (r *Remote) unreachable(err error) error {
	if why := r.tlsTrouble(err); why != "" {
		return fmt.Errorf("builder %q, node %q: refused the BuildKit at %s: %s (%w)", r.name, r.node, r.endpoint, why, err)
	}
	return fmt.Errorf("builder %q, node %q: cannot reach BuildKit at %s: %w", r.name, r.node, r.endpoint, err)
}

// tlsTrouble says in plain words why a TLS handshake failed, or "".
func (r *Remote) tlsTrouble(err error) string {
	msg := err.Error()
	ca := "the tls block's ca"
	if r.tls != nil && r.tls.CA != "" {
		ca = r.tls.CA
	}
	switch {
	case strings.Contains(msg, "x509: certificate signed by unknown authority"), strings.Contains(msg, "unknown certificate authority") && !strings.Contains(msg, "remote error"):
		return "its certificate is not signed by the CA xbake trusts for it (" + ca + "); give the node the CA that signed the daemon's certificate"
	case strings.Contains(msg, "x509: certificate is valid for"):
		return "its certificate is for another name; set server_name in the tls block to a name the certificate holds"
	case strings.Contains(msg, "x509: certificate has expired"):
		return "its certificate has expired"
	case strings.Contains(msg, "remote error: tls: unknown certificate authority"), strings.Contains(msg, "remote error: tls: bad certificate"), strings.Contains(msg, "certificate required"):
		return "the daemon does not accept xbake's client certificate (the tls block's cert and key): it is not signed by a CA the daemon trusts (its --tlscacert)"
	}
	return ""
}
