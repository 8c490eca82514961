package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xbake/xbake/internal/testenv"
)

// poolSpec is a builder of the daemons' nodes and n independent targets,
// each a step that names itself (round-tNN) and sleeps, written to
// out/round/tNN.
func poolSpec(daemons []*testenv.Daemon, cas []testenv.CA, n int, round string, sleep int) string {
	var b strings.Builder
	b.WriteString("builder \"pool\" {\n  driver = \"remote\"\n  default = true\n")
	for i, d := range daemons {
		fmt.Fprintf(&b, "  node \"n%d\" {\n    endpoint = %q\n    platforms = [\"linux/amd64\"]\n    max-parallelism = 1\n", i+1, d.Addr)
		fmt.Fprintf(&b, "    tls {\n      ca = %q\n      cert = %q\n      key = %q\n      server_name = \"127.0.0.1\"\n    }\n  }\n", cas[i].Cert, d.CA.ClientCert, d.CA.ClientKey)
	}
	b.WriteString("}\ngroup \"default\" { targets = [")
	for i := range n {
		fmt.Fprintf(&b, "%q, ", fmt.Sprintf("t%02d", i))
	}
	b.WriteString("] }\n")
	for i := range n {
		name := fmt.Sprintf("t%02d", i)
		fmt.Fprintf(&b, "target %q {\n  platforms = [\"linux/amd64\"]\n  dockerfile-inline = \"FROM scratch\\nCOPY busybox-amd64 /bin/busybox\\nRUN [\\\"/bin/busybox\\\", \\\"sh\\\", \\\"-c\\\", \\\"echo %s-%s > /name; /bin/busybox sleep %d\\\"]\\n\"\n  output = [\"type=local,dest=out/%s/%s\"]\n}\n",
			name, name, round, sleep, round, name)
	}
	return b.String()
}

// startFleet starts n buildkitd on loopback TCP with mutual TLS from one
// CA, each taking one step at a time, and puts busybox into dir for the
// targets of poolSpec.
func startFleet(tb testing.TB, dir string, n int) (testenv.CA, []*testenv.Daemon) {
	tb.Helper()
	bin, _ := filepath.Abs("../../bin/buildkitd")
	ca := testenv.NewCA(tb, dir, "fleet")
	var daemons []*testenv.Daemon
	for range n {
		daemons = append(daemons, testenv.BuildkitdTLS(tb, bin, ca, 1))
	}
	busybox, err := os.ReadFile("../../bin/busybox-amd64")
	if err != nil {
		tb.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "busybox-amd64"), busybox, 0o755)
	return ca, daemons
}

// TestPoolOfNodes: three buildkitd on loopback TCP with mutual TLS, each
// taking one step at a time, as one builder. The plan spreads thirty
// targets over them and each daemon builds its share; a daemon killed
// during a run loses nothing (its targets build on the others and every
// output is complete); a node whose certificate another CA signed is
// refused with the builder, the node and the reason, and left out of a
// pool with a warning.
func TestPoolOfNodes(t *testing.T) {
	realBuilder(t)
	dir := t.TempDir()
	ca, daemons := startFleet(t, dir, 3)
	other := testenv.NewCA(t, dir, "other")
	cas := []testenv.CA{ca, ca, ca}
	writeFile(t, dir, "xbuild.hcl", poolSpec(daemons, cas, 30, "one", 2))

	code, out, errOut := xbake(t, dir, "", "plan", "--format", "json")
	var doc struct {
		Pools []struct {
			Nodes []struct {
				Name    string
				Targets []string
			}
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || len(doc.Pools) != 1 {
		t.Fatalf("plan: exit %d\n%s%s", code, out, errOut)
	}
	for _, n := range doc.Pools[0].Nodes {
		if len(n.Targets) != 10 {
			t.Errorf("the plan gives node %s %d targets, want 10: %v", n.Name, len(n.Targets), n.Targets)
		}
	}

	// A drained node gets nothing.
	code, out, errOut = xbake(t, dir, "", "plan", "--format", "json", "--drain", "pool/n3")
	doc.Pools = nil
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || len(doc.Pools) != 1 || len(doc.Pools[0].Nodes) != 2 || len(doc.Pools[0].Nodes[0].Targets) != 15 {
		t.Errorf("plan --drain pool/n3: exit %d\n%s%s", code, out, errOut)
	}

	code, out, errOut = xbake(t, dir, "", "run", "--progress", "quiet")
	if code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = xbake(t, dir, "", "builders", "inspect", "pool")
	if code != 0 || strings.Count(out, "Capacity:  1 builds at once") != 3 || strings.Count(out, "Busy:      0 builds running") != 3 {
		t.Errorf("builders inspect pool: exit %d\n%s%s", code, out, errOut)
	}
	marker := regexp.MustCompile(`t\d\d-one`)
	total := 0
	for i, d := range daemons {
		built := d.Built(t, marker)
		total += len(built)
		if len(built) < 8 {
			t.Errorf("daemon n%d built %d targets, want at least 8: %v", i+1, len(built), built)
		}
	}
	if total != 30 {
		t.Errorf("the daemons built %d targets between them, want 30", total)
	}

	// A daemon killed while it builds: the run goes on without it.
	writeFile(t, dir, "xbuild.hcl", poolSpec(daemons, cas, 30, "two", 3))
	done := make(chan struct{})
	var runCode int
	var runOut, runErr string
	go func() {
		defer close(done)
		var o, e lockedBuffer
		runCode = run([]string{"run", "--progress", "plain"}, strings.NewReader(""), &o, &e)
		runOut, runErr = o.String(), e.String()
	}()
	victim := daemons[1]
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		if len(victim.Built(t, regexp.MustCompile(`t\d\d-two`))) > 0 {
			break
		}
	}
	time.Sleep(time.Second) // in the middle of a step
	victim.Kill()
	<-done
	if runCode != 0 {
		t.Fatalf("the run that lost a node: exit %d\n%s%s", runCode, runOut, runErr)
	}
	for i := range 30 {
		name := fmt.Sprintf("t%02d", i)
		if b, err := os.ReadFile(filepath.Join(dir, "out/two", name, "name")); err != nil || strings.TrimSpace(string(b)) != name+"-two" {
			t.Errorf("output of %s: %q, %v", name, b, err)
		}
	}
	if !strings.Contains(runOut, "moved: node n2 was lost during its build; built on n") {
		t.Errorf("the summary should name the targets that moved:\n%s", runOut)
	}

	// A node whose certificate another CA signed.
	writeFile(t, dir, "xbuild.hcl", poolSpec(daemons[:1], []testenv.CA{other}, 1, "three", 0))
	code, out, errOut = xbake(t, dir, "", "run", "--progress", "quiet")
	if code == 0 || !strings.Contains(out+errOut, `builder "pool", node "n1": refused the BuildKit at `+daemons[0].Addr+": its certificate is not signed by the CA xbake trusts for it ("+other.Cert+")") {
		t.Errorf("a node with another CA's certificate: exit %d\n%s%s", code, out, errOut)
	}
	writeFile(t, dir, "xbuild.hcl", poolSpec([]*testenv.Daemon{daemons[0], daemons[2]}, []testenv.CA{other, ca}, 4, "four", 0))
	code, out, errOut = xbake(t, dir, "", "run", "--progress", "plain")
	if code != 0 || !strings.Contains(errOut, `warning: builder "pool", node "n1": refused the BuildKit`) ||
		!strings.Contains(errOut, "builder pool: its targets are placed again over the nodes that answered") || strings.Count(out, " built ") != 4 {
		t.Errorf("a pool with one untrusted node: exit %d\n%s%s", code, out, errOut)
	}
}

// BenchmarkFleet builds the same work (30 independent targets of one
// two-second step) on a pool of 1, 2 and 3 buildkitd, each taking one
// step at a time, and reports each wall time (bench/fleet.sh prints the
// ratios). The goals: 2 nodes at most 0.6 of one node's time, 3 nodes
// at most 0.45.
func BenchmarkFleet(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root and bin/buildkitd")
	}
	state, _ := os.MkdirTemp("/tmp", "xbfleet")
	defer os.RemoveAll(state)
	b.Setenv("XBAKE_STATE_DIR", state)
	dir := b.TempDir()
	ca, daemons := startFleet(b, dir, 3)
	b.Chdir(dir)
	for i := range b.N {
		for k := 1; k <= 3; k++ {
			round := fmt.Sprintf("r%dk%d", i, k) // no step is in any cache
			os.WriteFile("xbuild.hcl", []byte(poolSpec(daemons[:k], []testenv.CA{ca, ca, ca}, 30, round, 2)), 0o644)
			start := time.Now()
			var out, errOut strings.Builder
			if code := run([]string{"run", "--progress", "quiet"}, strings.NewReader(""), &out, &errOut); code != 0 {
				b.Fatalf("%d nodes: exit %d\n%s%s", k, code, out.String(), errOut.String())
			}
			b.ReportMetric(time.Since(start).Seconds(), fmt.Sprintf("s/%dnodes", k))
		}
	}
}
