#!/usr/bin/env bash
# The same work on a pool of 1, 2, 3 and 4 BuildKit daemons: 30
# independent targets of one two-second step, each daemon taking one step
# at a time (max-parallelism = 1), on loopback TCP with mutual TLS. Prints
# each wall time and its ratio to one node's (goal: 3 nodes <= 0.4), then
# the cost of losing a node mid-run: the 30 targets on 3 nodes with one
# killed 5 s in, against 3 nodes without a loss; and a shared base with
# six users (through target:base) on 3 nodes, with and without the base's
# node killed while its users build.
#
#   bash bench/fleet.sh          # after bash scripts/setup, as root
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
[ -x bin/buildkitd ] && [ -s bin/busybox-amd64 ] || bash scripts/setup
out=$(go test -run '^$' -bench '^BenchmarkFleet$' -benchtime 1x -timeout 30m ./cmd/xbake)
line=$(grep '^BenchmarkFleet' <<<"$out") || { echo "$out"; exit 1; }
awk '{
  for (i = 1; i < NF; i++) if ($(i+1) ~ /^s\//) t[substr($(i+1), 3)] = $i
  printf "%-22s %8s %8s\n", "pool", "wall", "ratio"
  for (n = 1; n <= 4; n++) printf "%-22s %7.1fs %8.2f\n", n " nodes", t[n "nodes"], t[n "nodes"] / t["1nodes"]
  printf "%-22s %7.1fs %8.2f  (against 3 nodes)\n", "3 nodes, 1 lost", t["3nodes-1lost"], t["3nodes-1lost"] / t["3nodes"]
  printf "%-22s %7.1fs\n", "base + 6 users", t["base+6"]
  printf "%-22s %7.1fs %8.2f  (against no loss)\n", "base + 6, base lost", t["base+6-lost"], t["base+6-lost"] / t["base+6"]
}' <<<"$line"
