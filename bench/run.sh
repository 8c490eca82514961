#!/usr/bin/env bash
# Builds a generated monorepo with `xbake run` and with raw `buildctl build`
# calls, one after another, on the same daemon, cold (cache pruned) and
# warm (the median of three), and prints the times side by side.
#
#   bash bench/run.sh [N...]     # after bash scripts/setup; N: 1 20 100
#
# Above 100 targets buildctl, one build after another, is left out (it
# would take a second per target), and a bake run that fails is printed as
# "failed" instead of stopping the benchmark.
#
# Targets are small FROM scratch images (busybox + one RUN); every fifth
# one builds on a shared "base" target through a target: context. For
# buildctl, which cannot link targets, those use a Dockerfile that builds
# the same base stage inline (cached after its first build), so both do the
# same work. Goals: xbake's overhead over buildctl under 5% for one
# target; for many targets, wall time well under building them one by one.
#
# With $BUILDX naming a buildx binary (DOCKER_CONFIG and BUILDX_CONFIG
# pointing at empty directories), `$BUILDX bake` builds the same file on
# the same daemon through a remote-driver builder, and the last column is
# xbake's wall time over bake's (issue 12's goals: cold <= 0.9, warm <= 0.5).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
[ -x bin/buildkitd ] && [ -s bin/busybox-amd64 ] || bash scripts/setup
go build -o bin/xbake ./cmd/xbake
go build -o bin/buildctl github.com/moby/buildkit/cmd/buildctl
root=$PWD
work=$(mktemp -d /tmp/xbench.XXXX)
export XBAKE_STATE_DIR=$work/state XBAKE_BUILDKITD=$root/bin/buildkitd
addr=unix://$XBAKE_STATE_DIR/builders/local/buildkitd.sock
cleanup() { [ -f "$XBAKE_STATE_DIR/builders/local/buildkitd.pid" ] && kill "$(cat "$XBAKE_STATE_DIR/builders/local/buildkitd.pid")" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

base='FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]'

generate() { # n dir
  local n=$1 dir=$2
  mkdir -p "$dir/base"
  printf '%s\n' "$base" > "$dir/base/Dockerfile"
  cp bin/busybox-amd64 "$dir/base/busybox"
  { echo 'target "base" {'; echo '  context = "base"'; echo '  platforms = ["linux/amd64"]'; echo '}'; } > "$dir/xbuild.hcl"
  local names=()
  for i in $(seq 1 "$n"); do
    local t=t$i d=$dir/t$i
    mkdir -p "$d"
    cp bin/busybox-amd64 "$d/busybox"
    if [ $((i % 5)) -eq 0 ]; then
      printf 'FROM base\nRUN echo %s > /id && sleep 1\n' "$t" > "$d/Dockerfile"
      printf '%s\nRUN echo %s > /id && sleep 1\n' "$base" "$t" > "$d/Dockerfile.standalone"
      printf 'target "%s" {\n  context = "%s"\n  contexts = { base = "target:base" }\n  platforms = ["linux/amd64"]\n  output = ["type=cacheonly"]\n}\n' "$t" "$t" >> "$dir/xbuild.hcl"
    else
      printf '%s\nRUN echo %s > /id && sleep 1\n' "$base" "$t" > "$d/Dockerfile"
      cp "$d/Dockerfile" "$d/Dockerfile.standalone"
      printf 'target "%s" {\n  context = "%s"\n  platforms = ["linux/amd64"]\n  output = ["type=cacheonly"]\n}\n' "$t" "$t" >> "$dir/xbuild.hcl"
    fi
    names+=("\"$t\"")
  done
  printf 'group "default" {\n  targets = [%s]\n}\n' "$(IFS=,; echo "${names[*]}")" >> "$dir/xbuild.hcl"
}

seconds() { # command...: its wall time, on an idle daemon; its output only when it fails
  local s e
  settle
  s=$(date +%s.%N)
  if ! "$@" >"$work/out" 2>&1; then
    echo "bench: failed: $*" >&2
    tail -20 "$work/out" >&2
    [ "$1" = bake_all ] && { echo failed; return; }
    exit 1
  fi
  e=$(date +%s.%N)
  awk -v a="$s" -v b="$e" 'BEGIN{printf "%.2f", b-a}'
}
prune() { bin/buildctl --addr "$addr" prune --all >/dev/null; settle; }
# settle waits until the daemon is idle: after a run it records the builds
# in its history in the background (a minute of CPU after bake builds 300
# targets here), which would slow whatever is measured next.
settle() {
  local pid a b
  pid=$(cat "$XBAKE_STATE_DIR/builders/local/buildkitd.pid" 2>/dev/null) || return 0
  while :; do
    a=$(awk '{print $14+$15}' "/proc/$pid/stat"); sleep 1
    b=$(awk '{print $14+$15}' "/proc/$pid/stat")
    [ $((b - a)) -lt 10 ] && return
  done
}
xbake_all() { (cd "$1" && "$root/bin/xbake" run --progress quiet); }
buildctl_all() {
  local dir=$1
  for d in "$dir"/t*/; do
    bin/buildctl --addr "$addr" build --frontend dockerfile.v0 --local context="$d" --local dockerfile="$d" \
      --opt filename=Dockerfile.standalone --opt platform=linux/amd64 >/dev/null 2>&1
  done
}

bake_all() { (cd "$1" && "$BUILDX" bake --builder xbench -f xbuild.hcl --progress quiet); }
# warm is the median of three warm runs: a warm run is short, and one
# alone varies by a fifth from run to run.
warm() {
  local runs
  runs=$(printf '%s\n' "$(seconds "$@")" "$(seconds "$@")" "$(seconds "$@")")
  if grep -q failed <<<"$runs"; then echo failed; else sort -g <<<"$runs" | sed -n 2p; fi
}
ratio() { case "$1$2" in *failed* | *-*) echo - ;; *) awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b/a}' ;; esac; }

# Start the daemon once through xbake, so every tool uses it.
generate 1 "$work/warmup" && seconds xbake_all "$work/warmup" >/dev/null
if [ -n "${BUILDX:-}" ]; then
  "$BUILDX" rm xbench >/dev/null 2>&1 || true
  "$BUILDX" create --name xbench --driver remote "$addr" >/dev/null
  trap '"$BUILDX" rm xbench >/dev/null 2>&1; cleanup' EXIT
fi

printf '%-8s %-6s %10s %10s %8s %10s %10s\n' targets cache buildctl xbake ratio bake xbake/bake
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1 20 100)
for n in "${sizes[@]}"; do
  dir=$work/mono$n
  generate "$n" "$dir"
  b_cold=- b_warm=-
  if [ "$n" -le 100 ]; then
    prune; b_cold=$(seconds buildctl_all "$dir"); b_warm=$(warm buildctl_all "$dir")
  fi
  prune; x_cold=$(seconds xbake_all "$dir");    x_warm=$(warm xbake_all "$dir")
  k_cold=- k_warm=-
  if [ -n "${BUILDX:-}" ]; then
    prune; k_cold=$(seconds bake_all "$dir"); k_warm=$(warm bake_all "$dir")
  fi
  for c in cold warm; do
    b=b_$c x=x_$c k=k_$c vs=-
    [ "${!k}" = - ] || vs=$(ratio "${!k}" "${!x}")
    printf '%-8s %-6s %9ss %9ss %8s %10s %10s\n' "$n" "$c" "${!b}" "${!x}" "$(ratio "${!b}" "${!x}")" "${!k}" "$vs"
  done
done
