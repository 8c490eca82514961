package builder

// The docker driver: a Docker engine's own BuildKit, reached through the
// Docker API as buildx's default builder reaches it (the /grpc and
// /session endpoints, upgraded to HTTP/2). No daemon of xbake's; images
// load straight into the engine's image store.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/moby/buildkit/client"
)

// dockerSocket is the engine's socket: the builder's endpoint, else
// $DOCKER_HOST, else Docker's default.
func dockerSocket(endpoint string) string {
	for _, e := range []string{endpoint, os.Getenv("DOCKER_HOST")} {
		if sock, ok := strings.CutPrefix(e, "unix://"); ok {
			return sock
		}
	}
	return "/var/run/docker.sock"
}

// dockerClient connects to the engine's BuildKit.
func dockerClient(ctx context.Context, sock string) (*client.Client, error) {
	grpc := func(ctx context.Context, _ string) (net.Conn, error) { return upgrade(ctx, sock, "/grpc", "h2c", nil) }
	session := func(ctx context.Context, proto string, meta map[string][]string) (net.Conn, error) {
		return upgrade(ctx, sock, "/session", proto, meta)
	}
	return client.New(ctx, "", client.WithContextDialer(grpc), client.WithSessionDialer(session))
}

// upgrade opens a connection to an engine endpoint and switches it to
// proto, as the Docker API's hijacked endpoints want.
func upgrade(ctx context.Context, sock, path, proto string, meta map[string][]string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", sock)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://docker"+path, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", proto)
	for k, vs := range meta {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if err := req.Write(conn); err != nil {
		conn.Close()
		return nil, err
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		conn.Close()
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		conn.Close()
		return nil, fmt.Errorf("the Docker engine at %s refused %s (%s); it needs BuildKit (Docker 18.09 or later)", sock, path, resp.Status)
	}
	if br.Buffered() > 0 { // bytes the engine sent after the switch belong to the stream
		return &bufferedConn{Conn: conn, r: br}, nil
	}
	return conn, nil
}

type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// Engine is what a Docker engine says of itself that bounds its built-in
// BuildKit.
type Engine struct {
	Version         string // how old its BuildKit is
	ContainerdStore bool   // images in the containerd store: several platforms per image
}

// AskEngine asks the Docker engine at endpoint (empty: $DOCKER_HOST,
// else the default socket) for its version and image store.
func AskEngine(ctx context.Context, endpoint string) (Engine, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "--host", "unix://"+dockerSocket(endpoint), "info", "--format", "{{.ServerVersion}}\t{{json .DriverStatus}}").Output()
	if err != nil {
		return Engine{}, err
	}
	version, status, _ := strings.Cut(strings.TrimSpace(string(out)), "\t")
	return Engine{Version: version, ContainerdStore: UsesContainerdStore([]byte(status))}, nil
}

// UsesContainerdStore reads docker info's DriverStatus pairs: the
// containerd image store shows itself as a snapshotter driver type.
func UsesContainerdStore(driverStatus []byte) bool {
	var pairs [][2]string
	if json.Unmarshal(driverStatus, &pairs) != nil {
		return false
	}
	for _, p := range pairs {
		if p[0] == "driver-type" && strings.HasPrefix(p[1], "io.containerd.snapshotter") {
			return true
		}
	}
	return false
}
