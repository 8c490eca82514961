package main

import (
	"encoding/json"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
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
	writePool(&b, daemons, cas)
	b.WriteString("group \"default\" { targets = [")
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

// writePool writes builder "pool" (the default) of the daemons as nodes
// n1, n2, …: linux/amd64, one build at a time, mutual TLS trusting cas[i]
// for node i.
func writePool(b *strings.Builder, daemons []*testenv.Daemon, cas []testenv.CA) {
	b.WriteString("builder \"pool\" {\n  driver = \"remote\"\n  default = true\n")
	for i, d := range daemons {
		fmt.Fprintf(b, "  node \"n%d\" {\n    endpoint = %q\n    platforms = [\"linux/amd64\"]\n    max-parallelism = 1\n", i+1, d.Addr)
		fmt.Fprintf(b, "    tls {\n      ca = %q\n      cert = %q\n      key = %q\n      server_name = \"127.0.0.1\"\n    }\n  }\n", cas[i].Cert, d.CA.ClientCert, d.CA.ClientKey)
	}
	b.WriteString("}\n")
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
// two-second step) on a pool of 1, 2, 3 and 4 buildkitd, each taking one
// step at a time, and reports each wall time (bench/fleet.sh prints the
// ratios; goal: 3 nodes at most 0.4 of one node's time). Then the cost
// of losing a node: the 30 targets on 3 nodes with one killed 5 seconds
// in, and a shared base with six users on 3 nodes, without a loss and
// with the base's node killed while its users build.
func BenchmarkFleet(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root and bin/buildkitd")
	}
	state, _ := os.MkdirTemp("/tmp", "xbfleet")
	defer os.RemoveAll(state)
	b.Setenv("XBAKE_STATE_DIR", state)
	dir := b.TempDir()
	ca, daemons := startFleet(b, dir, 6) // 4 for the pools, 2 to lose
	sharedBaseDirs(b, dir)
	b.Chdir(dir)
	cas := []testenv.CA{ca, ca, ca, ca}
	timed := func(spec string, during func()) float64 {
		os.WriteFile("xbuild.hcl", []byte(spec), 0o644)
		start := time.Now()
		done := make(chan struct{})
		if during != nil {
			go func() { defer close(done); during() }()
		} else {
			close(done)
		}
		var out, errOut strings.Builder
		if code := run([]string{"run", "--progress", "quiet"}, strings.NewReader(""), &out, &errOut); code != 0 {
			b.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
		}
		<-done
		return time.Since(start).Seconds()
	}
	for i := range b.N {
		for k := 1; k <= 4; k++ {
			round := fmt.Sprintf("r%dk%d", i, k) // no step is in any cache
			b.ReportMetric(timed(poolSpec(daemons[:k], cas, 30, round, 2), nil), fmt.Sprintf("s/%dnodes", k))
		}
		lossy := []*testenv.Daemon{daemons[0], daemons[1], daemons[4]}
		b.ReportMetric(timed(poolSpec(lossy, cas, 30, fmt.Sprintf("r%dloss", i), 2), func() {
			time.Sleep(5 * time.Second)
			daemons[4].Kill()
		}), "s/3nodes-1lost")
		shared := []*testenv.Daemon{daemons[0], daemons[1], daemons[5]}
		b.ReportMetric(timed(sharedBaseSpec(daemons[:3], ca, fmt.Sprintf("b%d", i)), nil), "s/base+6")
		b.ReportMetric(timed(sharedBaseSpec(shared, ca, fmt.Sprintf("b%dloss", i)), func() {
			time.Sleep(4 * time.Second) // base built, its users building
			for _, d := range shared {
				if len(d.Built(b, regexp.MustCompile(`base-b\d+loss`))) > 0 {
					d.Kill()
					return
				}
			}
		}), "s/base+6-lost")
	}
}

// sharedBaseDirs makes the contexts of sharedBaseSpec in dir (which
// holds busybox-amd64): base/ with a file only base reads, svc/ with
// one only the services read.
func sharedBaseDirs(tb testing.TB, dir string) {
	tb.Helper()
	for _, sub := range []string{"base", "svc"} {
		os.MkdirAll(filepath.Join(dir, sub), 0o755)
	}
	b, err := os.ReadFile(filepath.Join(dir, "busybox-amd64"))
	if err != nil {
		tb.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "base", "busybox-amd64"), b, 0o755)
	os.WriteFile(filepath.Join(dir, "base", "marker.txt"), []byte("from-base"), 0o644)
	os.WriteFile(filepath.Join(dir, "svc", "app.txt"), []byte("from-svc"), 0o644)
}

// sharedBaseSpec is a pool of the daemons and a base target with a
// context of its own, used by six services (through target:base) with
// another context: each service's step reads a file that only base's
// context has, and one that only the services' context has.
func sharedBaseSpec(daemons []*testenv.Daemon, ca testenv.CA, round string) string {
	var b strings.Builder
	writePool(&b, daemons, slices.Repeat([]testenv.CA{ca}, len(daemons)))
	fmt.Fprintf(&b, "target \"base\" {\n  context = \"base\"\n  platforms = [\"linux/amd64\"]\n  dockerfile-inline = \"FROM scratch\\nCOPY busybox-amd64 /bin/busybox\\nCOPY marker.txt /marker\\nRUN [\\\"/bin/busybox\\\", \\\"sh\\\", \\\"-c\\\", \\\"echo base-%s > /round\\\"]\\n\"\n  output = [\"type=cacheonly\"]\n}\n", round)
	b.WriteString("group \"default\" { targets = [\"s1\", \"s2\", \"s3\", \"s4\", \"s5\", \"s6\"] }\n")
	for i := 1; i <= 6; i++ {
		fmt.Fprintf(&b, "target \"s%d\" {\n  context = \"svc\"\n  contexts = { base = \"target:base\" }\n  platforms = [\"linux/amd64\"]\n", i)
		fmt.Fprintf(&b, "  dockerfile-inline = \"FROM base\\nCOPY app.txt /app\\nRUN [\\\"/bin/busybox\\\", \\\"sh\\\", \\\"-c\\\", \\\"echo s%d-%s; cat /marker /app > /seen; /bin/busybox sleep 2\\\"]\\n\"\n", i, round)
		fmt.Fprintf(&b, "  output = [\"type=local,dest=out/%s/s%d\"]\n}\n", round, i)
	}
	return b.String()
}

// TestPoolLosesTheSharedBase: a pool of three buildkitd; base and its six
// users are placed on one node, which is killed while the users build.
// The run still succeeds: base is built again, from its own context, on
// the node its remaining users move to, and every service's output
// holds base's file and its own.
func TestPoolLosesTheSharedBase(t *testing.T) {
	realBuilder(t)
	dir := t.TempDir()
	ca, daemons := startFleet(t, dir, 3)
	sharedBaseDirs(t, dir)
	writeFile(t, dir, "xbuild.hcl", sharedBaseSpec(daemons, ca, "one"))

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
	victim := -1
	for _, n := range doc.Pools[0].Nodes {
		if slices.Contains(n.Targets, "base") {
			victim, _ = strconv.Atoi(strings.TrimPrefix(n.Name, "n"))
			victim--
			if len(n.Targets) != 7 {
				t.Errorf("base and its users are not placed together: node %s has %v", n.Name, n.Targets)
			}
		}
	}
	if victim < 0 {
		t.Fatalf("no node has base: %s", out)
	}

	stepSummary := filepath.Join(t.TempDir(), "step-summary.md")
	t.Setenv("GITHUB_STEP_SUMMARY", stepSummary)
	done := make(chan struct{})
	var runCode int
	var o, e lockedBuffer
	go func() {
		defer close(done)
		runCode = run([]string{"run", "--progress", "plain"}, strings.NewReader(""), &o, &e)
	}()
	marker := regexp.MustCompile(`s\d-one`)
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		if len(daemons[victim].Built(t, marker)) > 0 {
			break
		}
	}
	time.Sleep(time.Second) // in the middle of a user's step
	daemons[victim].Kill()
	select {
	case <-done:
	case <-time.After(3 * time.Minute):
		t.Fatalf("the run does not end after its node was lost:\n%s%s", o.String(), e.String())
	}
	runOut, runErr := o.String(), e.String()
	if runCode != 0 {
		t.Fatalf("the run that lost base's node: exit %d\n%s%s", runCode, runOut, runErr)
	}
	for i := 1; i <= 6; i++ {
		b, err := os.ReadFile(filepath.Join(dir, "out/one", fmt.Sprintf("s%d", i), "seen"))
		if err != nil || string(b) != "from-basefrom-svc" {
			t.Errorf("s%d saw %q (%v), want base's file and its own", i, b, err)
		}
	}
	if !strings.Contains(runOut, "was lost during its build; built on n") {
		t.Errorf("the summary should name the targets that moved:\n%s", runOut)
	}
	md, _ := os.ReadFile(stepSummary)
	if !strings.Contains(string(md), "| target | node | status |") || !strings.Contains(string(md), "moved:** node n") {
		t.Errorf("the step summary should say where each target built and what moved:\n%s", md)
	}
}

// multiPlatformSpec: a pool whose nodes declare linux/amd64, and one
// target for linux/amd64 and linux/arm64 (arm64 through emulation) into
// an OCI archive.
func multiPlatformSpec(daemons []*testenv.Daemon, ca testenv.CA, round string) string {
	var b strings.Builder
	writePool(&b, daemons, slices.Repeat([]testenv.CA{ca}, len(daemons)))
	fmt.Fprintf(&b, "target \"mp\" {\n  platforms = [\"linux/amd64\", \"linux/arm64\"]\n  dockerfile-inline = \"FROM scratch\\nARG TARGETARCH\\nCOPY busybox-$${TARGETARCH} /bin/busybox\\nRUN [\\\"/bin/busybox\\\", \\\"sh\\\", \\\"-c\\\", \\\"echo mp-%s-$TARGETARCH; /bin/busybox sleep 2\\\"]\\n\"\n  output = [\"type=oci,dest=out/%s.tar\"]\n}\n", round, round)
	return b.String()
}

// placedOn returns the index of the daemon the plan gives target.
func placedOn(t *testing.T, dir, target string) int {
	t.Helper()
	code, out, errOut := xbake(t, dir, "", "plan", "--format", "json")
	var doc struct {
		Targets []struct {
			Name  string
			Nodes []struct{ Node string }
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil {
		t.Fatalf("plan: exit %d\n%s%s", code, out, errOut)
	}
	for _, tg := range doc.Targets {
		if tg.Name == target && len(tg.Nodes) > 0 {
			i, _ := strconv.Atoi(strings.TrimPrefix(tg.Nodes[0].Node, "n"))
			return i - 1
		}
	}
	t.Fatalf("the plan places %s nowhere:\n%s", target, out)
	return -1
}

// TestPoolMultiPlatformFailover: a target for two platforms on a pool of
// amd64 nodes builds when the node the plan gives it is down at the
// start, and when that node is killed during its build.
func TestPoolMultiPlatformFailover(t *testing.T) {
	realBuilder(t)
	dir := t.TempDir()
	ca, daemons := startFleet(t, dir, 3)
	testenv.CopyFile(t, "../../bin/busybox-arm64", filepath.Join(dir, "busybox-arm64"))

	// Down at the start.
	writeFile(t, dir, "xbuild.hcl", multiPlatformSpec(daemons, ca, "one"))
	first := placedOn(t, dir, "mp")
	daemons[first].Kill()
	code, out, errOut := xbake(t, dir, "", "run", "--progress", "plain")
	if code != 0 {
		t.Fatalf("the run with the placed node down: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "out/one.tar")); err != nil {
		t.Errorf("no archive: %v", err)
	}

	// Killed during the build, on a pool of the two that are left.
	var alive []*testenv.Daemon
	for i, d := range daemons {
		if i != first {
			alive = append(alive, d)
		}
	}
	writeFile(t, dir, "xbuild.hcl", multiPlatformSpec(alive, ca, "two"))
	victim := alive[placedOn(t, dir, "mp")]
	done := make(chan struct{})
	var runCode int
	var runOut, runErr string
	go func() {
		defer close(done)
		var o, e lockedBuffer
		runCode = run([]string{"run", "--progress", "plain"}, strings.NewReader(""), &o, &e)
		runOut, runErr = o.String(), e.String()
	}()
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		if len(victim.Built(t, regexp.MustCompile(`mp-two`))) > 0 {
			break
		}
	}
	time.Sleep(500 * time.Millisecond)
	victim.Kill()
	<-done
	if runCode != 0 {
		t.Fatalf("the run that lost the node building it: exit %d\n%s%s", runCode, runOut, runErr)
	}
	tar := osexec.Command("tar", "tf", filepath.Join(dir, "out/two.tar"))
	if b, err := tar.Output(); err != nil || !strings.Contains(string(b), "index.json") {
		t.Errorf("out/two.tar: %v\n%s", err, b)
	}
	if !strings.Contains(runOut, "moved:") {
		t.Errorf("the summary should say the target moved:\n%s", runOut)
	}
}
