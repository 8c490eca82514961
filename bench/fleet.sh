#!/usr/bin/env bash
# The same work on a pool of 1, 2 and 3 BuildKit daemons: 30 independent
# targets of one two-second step, each daemon taking one step at a time
# (max-parallelism = 1), on loopback TCP with mutual TLS. Prints each wall
# time and its ratio to one node's (goals: 2 nodes <= 0.6, 3 nodes <= 0.45).
#
#   bash bench/fleet.sh          # after bash scripts/setup, as root
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
[ -x bin/buildkitd ] && [ -s bin/busybox-amd64 ] || bash scripts/setup
out=$(go test -run '^$' -bench '^BenchmarkFleet$' -benchtime 1x ./cmd/xbake)
line=$(grep '^BenchmarkFleet' <<<"$out") || { echo "$out"; exit 1; }
awk '{
  for (i = 1; i < NF; i++) if ($(i+1) ~ /^s\/[0-9]nodes$/) { n = substr($(i+1), 3, 1); t[n] = $i }
  printf "%-8s %8s %8s\n", "nodes", "wall", "ratio"
  for (n = 1; n <= 3; n++) printf "%-8d %7.1fs %8.2f\n", n, t[n], t[n] / t[1]
}' <<<"$line"
