package main

// The last line of defence while a spec loads: a for expression nested
// over long lists runs inside HCL, where no bound of spec's can measure
// it. A watchdog reads the heap and the clock; past either limit it
// names the expression being evaluated and ends the process with exit 1,
// instead of a machine swapping or an out-of-memory kill.

import (
	"fmt"
	"io"
	"os"
	"runtime/metrics"
	"strconv"
	"time"

	"github.com/xbake/xbake/spec"
)

// Defaults of the watchdog's limits; XBAKE_SPEC_MEMORY (MiB) and
// XBAKE_SPEC_TIMEOUT (a Go duration) raise them. docs/limits.md.
const (
	defaultSpecMemoryMiB = 768
	defaultSpecTimeout   = 8 * time.Second
)

// watchLoad starts the watchdog; the returned function stops it.
func watchLoad(stderr io.Writer, ev *spec.Evaluating) func() {
	limitMiB := envInt("XBAKE_SPEC_MEMORY", defaultSpecMemoryMiB)
	timeout := defaultSpecTimeout
	if d, err := time.ParseDuration(os.Getenv("XBAKE_SPEC_TIMEOUT")); err == nil && d > 0 {
		timeout = d
	}
	done := make(chan struct{})
	go func() {
		start := time.Now()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			metrics.Read(sample)
			heapMiB := int(sample[0].Value.Uint64() >> 20)
			switch {
			case heapMiB > limitMiB:
				stopLoad(stderr, ev, "Evaluation too large", fmt.Sprintf(
					"Evaluating the spec took more than %d MiB of memory, here. Nested for expressions over long lists multiply; "+
						"write the values out or narrow them. If the spec really needs more, raise the limit with XBAKE_SPEC_MEMORY (MiB).", limitMiB))
			case time.Since(start) > timeout:
				stopLoad(stderr, ev, "Evaluation too long", fmt.Sprintf(
					"Evaluating the spec took more than %s, here. Nested for expressions over long lists multiply; "+
						"write the values out or narrow them. If the spec really needs more, raise the limit with XBAKE_SPEC_TIMEOUT (a duration, such as 60s).", timeout))
			}
		}
	}()
	return func() { close(done) }
}

// stopLoad reports where the load was stopped and exits 1.
func stopLoad(stderr io.Writer, ev *spec.Evaluating, summary, detail string) {
	where := "xbake"
	if r, ok := ev.Range(); ok {
		where = fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
	}
	fmt.Fprintf(stderr, "%s: %s: %s\n", where, summary, detail)
	os.Exit(exitSpec)
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
