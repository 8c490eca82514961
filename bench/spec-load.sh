#!/usr/bin/env bash
# Loads and plans generated specs of 1,000 and 10,000 targets (wide and
# deep target: link shapes) and reports the best wall time and the peak
# memory (max RSS) of `xbake plan --print` (load only) and
# `xbake plan --format json` (load, rules, graph), every load parsing
# (XBAKE_SPEC_CACHE=off).
# Goal: 10,000 targets loaded and planned in under 1 s and 150 MB.
#
# Then docker-bake.hcl files shaped like real ones (bench/gen -shape
# bake: inherits with ${TAG}, a conditional output, a shared named
# context, target: links, groups, a matrix) of 2,000 and 10,000 targets:
# CPU seconds and peak memory of `plan --print` and of `plan` (with input
# digests), parsed and from the load cache. With $BUILDX naming a buildx
# binary it also times `$BUILDX bake --print` on the same file and prints
# the CPU ratio.
#
#   bash bench/spec-load.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
go build -o bin/xbake ./cmd/xbake
xbake=$PWD/bin/xbake
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

best() { # wall|cpu, dir, command...: prints "best-seconds peak-MB" over $runs runs
  local what=$1 dir=$2 best=999 peak=0 secs kb
  shift 2
  for _ in $(seq "$runs"); do
    (cd "$dir" && /usr/bin/time -o "$work/time" -f '%e %U %S %M' "$@" >/dev/null 2>&1)
    read -r secs kb < <(awk -v w="$what" '{printf "%.2f %d\n", (w == "wall") ? $1 : $2 + $3, $4}' "$work/time")
    best=$(awk -v a="$best" -v b="$secs" 'BEGIN{print (b<a)?b:a}')
    peak=$(( kb/1024 > peak ? kb/1024 : peak ))
  done
  echo "$best $peak"
}

printf '%-12s %18s %18s\n' spec "plan --print" "plan --format json"
printf '%-12s %9s %8s %9s %8s\n' "" "s" "MB" "s" "MB"
for n in 1000 10000; do
  for shape in wide deep; do
    d="$work/$n-$shape"
    go run ./bench/gen -n "$n" -shape "$shape" -dir "$d"
    read -r ps pm <<<"$(XBAKE_SPEC_CACHE=off best wall "$d" "$xbake" plan --print)"
    read -r js jm <<<"$(XBAKE_SPEC_CACHE=off best wall "$d" "$xbake" plan --format json)"
    printf '%-12s %9s %8s %9s %8s\n' "$n-$shape" "$ps" "$pm" "$js" "$jm"
  done
done

echo
# Each bake file is measured twice: parsed (XBAKE_SPEC_CACHE=off, every
# load parses, as a first run does) and from the load cache (primed by one
# run first, as every later run of an unchanged file is).
printf '%-6s %-7s %14s %14s %14s %9s %9s\n' "bake" "load" "plan --print" "plan" "buildx" "vs buildx" "plan/print"
printf '%-6s %-7s %14s %14s %14s %9s %9s\n' "file" "" "cpu s  MB" "cpu s  MB" "cpu s  MB" "(cpu)" "(cpu)"
for n in 2000 10000; do
  d="$work/bake-$n"
  go run ./bench/gen -n "$n" -shape bake -dir "$d"
  bs=- bm=-
  if [ -n "${BUILDX:-}" ]; then
    read -r bs bm <<<"$(best cpu "$d" "$BUILDX" bake --print)"
  fi
  for load in parsed cached; do
    cache=off
    if [ "$load" = cached ]; then
      cache="$work/cache-$n"
      (cd "$d" && XBAKE_SPEC_CACHE=$cache "$xbake" plan --print >/dev/null)
    fi
    read -r ps pm <<<"$(XBAKE_SPEC_CACHE=$cache best cpu "$d" "$xbake" plan --print)"
    read -r ds dm <<<"$(XBAKE_SPEC_CACHE=$cache best cpu "$d" "$xbake" plan)"
    ratio=-
    [ "$bs" != - ] && ratio=$(awk -v a="$bs" -v b="$ps" 'BEGIN{printf "%.1fx", a/b}')
    digests=$(awk -v a="$ds" -v b="$ps" 'BEGIN{printf "%.2fx", a/b}')
    printf '%-6s %-7s %8s %5s %8s %5s %8s %5s %9s %9s\n' "$n" "$load" "$ps" "$pm" "$ds" "$dm" "$bs" "$bm" "$ratio" "$digests"
  done
done
