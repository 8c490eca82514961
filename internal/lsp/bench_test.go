package lsp

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// bigBakeFile is a bake file of n targets in groups of ten, each with a
// few attributes and a variable, as a large monorepo's.
func bigBakeFile(n int) string {
	var b strings.Builder
	b.WriteString("variable \"TAG\" { default = \"1\" }\nvariable \"REG\" { default = \"registry.example.com\" }\n")
	for i := range n {
		fmt.Fprintf(&b, "target \"svc%d\" {\n  context = \".\"\n  dockerfile = \"Dockerfile\"\n  tags = [\"${REG}/team/svc%d:${TAG}\"]\n  args = { N = \"%d\" }\n  platforms = [\"linux/amd64\"]\n  output = [\"type=cacheonly\"]\n}\n", i, i, i)
	}
	return b.String()
}

// BenchmarkDiagnosticsAfterEdit: on a 2,000-target bake file, the time
// from an edit to the diagnostics of the file (the debounce included),
// as percentiles, and the heap after the edits (it must stay flat).
//
//	go test -run '^$' -bench DiagnosticsAfterEdit -benchtime 50x ./internal/lsp
func BenchmarkDiagnosticsAfterEdit(b *testing.B) {
	dir := b.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644)
	src := bigBakeFile(2000)
	path := filepath.Join(dir, "docker-bake.hcl")
	os.WriteFile(path, []byte(src), 0o644)
	uri := pathToURI(path)
	c := startServer(&testing.T{})
	c.t = &testing.T{}
	c.call("initialize", map[string]any{})
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "text": src}})
	c.diagnostics(uri)
	var took []time.Duration
	var heap0 uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		edited := strings.Replace(src, `default = "1"`, fmt.Sprintf(`default = "%d"`, i), 1)
		start := time.Now()
		c.notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uri}, "contentChanges": []map[string]string{{"text": edited}}})
		c.diagnostics(uri)
		took = append(took, time.Since(start))
		if i == 0 {
			heap0 = heapInUse()
		}
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(took[len(took)*9/10].Milliseconds()), "p90-ms")
	b.ReportMetric(float64(heapInUse())/(1<<20), "heap-MB-after")
	b.ReportMetric(float64(heap0)/(1<<20), "heap-MB-first")
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
