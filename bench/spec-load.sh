#!/usr/bin/env bash
# Loads generated specs of 1,000 and 10,000 targets (wide and deep
# target: link shapes) with `xbake plan --print` and reports wall time and
# peak memory (max RSS). Goal: 10,000 targets under 1 s and 150 MB.
#
#   bash bench/spec-load.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
go build -o bin/xbake ./cmd/xbake
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-14s %10s %10s\n' spec "best s" "max MB"
for n in 1000 10000; do
  for shape in wide deep; do
    mkdir -p "$work/$n-$shape"
    go run ./bench/gen -n "$n" -shape "$shape" > "$work/$n-$shape/xbuild.hcl"
    best=999 peak=0
    for _ in $(seq "$runs"); do
      out=$( (cd "$work/$n-$shape" && /usr/bin/time -f '%e %M' "$OLDPWD/bin/xbake" plan --print >/dev/null) 2>&1 | tail -1)
      read -r secs kb <<<"$out"
      best=$(awk -v a="$best" -v b="$secs" 'BEGIN{print (b<a)?b:a}')
      peak=$(( kb/1024 > peak ? kb/1024 : peak ))
    done
    printf '%-14s %10s %10s\n' "$n-$shape" "$best" "$peak"
  done
done
