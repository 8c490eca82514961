#!/usr/bin/env bash
# The language server's latency and memory on a large bake file: a
# 2,000-target docker-bake.hcl open in `xbake lsp`, one edit after
# another (EDITS of them, default 1000), each timed from the change to
# the file's diagnostics, the server's wait for more typing included.
# Prints the 50th and 90th percentiles and the Go heap in use after the
# first edit and after the last (it must stay flat).
# Goal (issue 35): p90 under 300 ms; the heap after the last edit within
# a few MB of the first.
#
#   bash bench/lsp.sh [EDITS]
set -euo pipefail
cd "$(dirname "$0")/.."
edits=${1:-1000}
go test -timeout 60m -run '^$' -bench '^BenchmarkDiagnosticsAfterEdit$' -benchtime "${edits}x" ./internal/lsp |
	awk '/^BenchmarkDiagnosticsAfterEdit/ {
		for (i = 3; i < NF; i += 2) m[$(i+1)] = $i
		printf "edits %d: p50 %s ms, p90 %s ms; heap %s MB after the first edit, %s MB after the last\n",
			$2, m["p50-ms"], m["p90-ms"], m["heap-MB-first"], m["heap-MB-after"]
		found = 1
	}
	END { exit !found }'
