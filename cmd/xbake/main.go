package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"

	"github.com/xbake/xbake/internal/diag"
)

func main() {
	// A soft memory limit keeps a large spec's peak memory near what it
	// really holds: the HCL parser allocates many short-lived tokens, and
	// without a limit the heap would grow to twice the live data before
	// each collection. It only makes the collector work harder near the
	// limit; GOMEMLIMIT in the environment replaces it.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(softMemoryLimit)
	}
	// The parser's garbage is most of a load's work for the collector:
	// letting the heap grow by 150% instead of 100% before a collection
	// took a sixth of the CPU time off `plan --print` of a 2,000-target
	// bake file (0.44 to 0.36 CPU-seconds, 78 to 82 MB; 200% saved
	// little more for 98 MB). The limit above still bounds larger specs.
	// GOGC in the environment replaces it.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(150)
	}
	stop := startProfile(os.Getenv("XBAKE_CPUPROFILE"), os.Stderr)
	code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// startProfile writes a CPU profile of the whole command to path (for
// `go tool pprof`) when path is set: docs/performance.md says where a
// load's time goes from such profiles. It returns the function that
// finishes the profile.
func startProfile(path string, stderr io.Writer) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(stderr, "xbake: XBAKE_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

const softMemoryLimit = 128 << 20

// run executes a command line and returns its exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if onGitHub() {
		// Nothing xbake shows may be read as a workflow command.
		guardOut, guardErr := diag.NewGitHubGuard(stdout), diag.NewGitHubGuard(stderr)
		defer guardOut.Flush()
		defer guardErr.Flush()
		stdout, stderr = guardOut, guardErr
	}
	root := newRootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var exit *exitError
	if errors.As(err, &exit) {
		if exit.msg != "" {
			fmt.Fprintln(stderr, "xbake: "+exit.msg)
		}
		return exit.code
	}
	// Anything cobra reports itself (unknown command, bad flag) is usage.
	fmt.Fprintln(stderr, "xbake: "+err.Error())
	fmt.Fprintln(stderr, "Run 'xbake --help' for usage.")
	return exitUsage
}
