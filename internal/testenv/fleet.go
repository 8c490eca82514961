//go:build linux

package testenv

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
)

// CA is a certificate authority made for a test, with a server
// certificate for 127.0.0.1 and a client certificate signed by it.
type CA struct {
	Cert, ServerCert, ServerKey, ClientCert, ClientKey string // PEM files
}

// NewCA writes a CA and its two certificates into dir/name-*.pem.
func NewCA(t testing.TB, dir, name string) CA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name + " test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(der)
	ca := CA{Cert: writePEM(t, dir, name+"-ca.pem", "CERTIFICATE", der)}
	issue := func(serial int64, usage x509.ExtKeyUsage, file string) (string, string) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		c := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: file},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		}
		d, err := x509.CreateCertificate(rand.Reader, c, caCert, &k.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		kd, _ := x509.MarshalECPrivateKey(k)
		return writePEM(t, dir, name+"-"+file+".pem", "CERTIFICATE", d), writePEM(t, dir, name+"-"+file+"-key.pem", "EC PRIVATE KEY", kd)
	}
	ca.ServerCert, ca.ServerKey = issue(2, x509.ExtKeyUsageServerAuth, "server")
	ca.ClientCert, ca.ClientKey = issue(3, x509.ExtKeyUsageClientAuth, "client")
	return ca
}

func writePEM(t testing.TB, dir, file, kind string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Daemon is a buildkitd a test started on loopback TCP with mutual TLS.
type Daemon struct {
	Addr string // tcp://127.0.0.1:PORT
	CA   CA
	cmd  *exec.Cmd
}

// BuildkitdTLS starts bin (a buildkitd) on a free loopback port, with
// mutual TLS from ca and its own state, taking maxParallelism steps at a
// time; it stops with the test.
func BuildkitdTLS(t testing.TB, bin string, ca CA, maxParallelism int) *Daemon {
	t.Helper()
	Need(t, os.Geteuid() != 0, "needs root for buildkitd")
	dir, err := os.MkdirTemp("/tmp", "xbk")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "tcp://" + l.Addr().String()
	l.Close()
	config := fmt.Sprintf("[worker.oci]\n  max-parallelism = %d\n  gc = false\n[worker.containerd]\n  enabled = false\n", maxParallelism)
	os.WriteFile(filepath.Join(dir, "buildkitd.toml"), []byte(config), 0o644)
	cmd := exec.Command(bin, "--root", filepath.Join(dir, "root"), "--addr", addr, "--config", filepath.Join(dir, "buildkitd.toml"),
		"--tlscert", ca.ServerCert, "--tlskey", ca.ServerKey, "--tlscacert", ca.Cert)
	StartInBackground(t, cmd, dir, func() { exec.Command("umount", "-R", filepath.Join(dir, "root")).Run() })
	d := &Daemon{Addr: addr, CA: ca, cmd: cmd}
	WaitForBuildkitd(t, dir, "buildkitd at "+addr, d.Client)
	return d
}

// WaitForBuildkitd waits until the daemon started in dir answers through
// connect (its log, dir/log, is shown if it never does).
func WaitForBuildkitd(t testing.TB, dir, what string, connect func(context.Context) (*client.Client, error)) {
	t.Helper()
	WaitUntilReady(t, dir, what, func() bool {
		c, err := connect(context.Background())
		if err != nil {
			return false
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err = c.ListWorkers(ctx)
		return err == nil
	})
}

// Client connects to the daemon with the CA's client certificate.
func (d *Daemon) Client(ctx context.Context) (*client.Client, error) {
	return client.New(ctx, d.Addr, client.WithServerConfig("127.0.0.1", d.CA.Cert), client.WithCredentials(d.CA.ClientCert, d.CA.ClientKey))
}

// Kill kills the daemon as a crash would (SIGKILL).
func (d *Daemon) Kill() { d.cmd.Process.Signal(syscall.SIGKILL) }

// Built lists what the daemon's cache records mention that matches
// marker (say, the target name a step echoes): what it ran.
func (d *Daemon) Built(t testing.TB, marker *regexp.Regexp) map[string]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := d.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	records, err := c.DiskUsage(ctx)
	if err != nil {
		t.Fatalf("disk usage of %s: %v", d.Addr, err)
	}
	out := map[string]bool{}
	for _, r := range records {
		if m := marker.FindString(r.Description); m != "" {
			out[m] = true
		}
	}
	return out
}
