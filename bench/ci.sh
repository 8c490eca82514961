#!/usr/bin/env bash
# A pull request's CI job on a fresh runner, side by side: a monorepo of
# N services (one shared docker-bake.hcl, each service one two-second
# step) is pushed once from main to a loopback registry; then a new
# runner (a daemon with an empty root, a new state directory) builds a
# change to one service:
#
#   floor        xbake run --push SERVICE: the changed service alone, by name
#   affected     xbake run --affected=main --skip-unchanged --push
#   skip         xbake run --skip-unchanged --push (every service selected)
#   bake         docker buildx bake --push with registry cache (cache-from/
#                cache-to type=registry,mode=max), when $BUILDX names a buildx
#                binary; its builder is a fresh daemon too (driver remote)
#
# and the same with a shared base that every service uses through
# target:base. Prints each wall time and its ratio to the floor (goal:
# affected <= 1.2 at 100 services).
#
#   bash bench/ci.sh [N...]        # after bash scripts/setup, as root; default 20 100
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
[ -x bin/buildkitd ] && [ -s bin/busybox-amd64 ] || bash scripts/setup
go build -o bin/xbake ./cmd/xbake
go build -o bin/soakreg ./bench/soakreg
root=$PWD
work=$(mktemp -d /tmp/xci.XXXX)
port=$((5100 + RANDOM % 400))
reg=127.0.0.1:$port
"$root/bin/soakreg" -addr "$reg" >/dev/null 2>&1 &
regpid=$!
daemons=()
cleanup() {
  for d in "${daemons[@]}"; do XBAKE_STATE_DIR=$d "$root/bin/xbake" builders stop local >/dev/null 2>&1 || true; done
  [ -z "${bakepid:-}" ] || kill "$bakepid" 2>/dev/null || true
  kill "$regpid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export XBAKE_BUILDKITD=$root/bin/buildkitd

# repo N SHARED: a repository of N services on main, with a branch
# "change" that edits one of them (the middle one).
repo() {
  local n=$1 shared=$2 dir=$work/repo-$1-$2 i
  mkdir -p "$dir/base"
  printf 'FROM scratch\nCOPY busybox /bin/busybox\n' >"$dir/base/Dockerfile"
  cp bin/busybox-amd64 "$dir/base/busybox"
  {
    printf 'variable "REG" { default = "%s" }\n' "$reg"
    # bake's runs set CACHE (registry cache) and PREFIX (tags of their own)
    printf 'variable "CACHE" { default = "" }\nvariable "PREFIX" { default = "" }\n'
    printf 'group "default" { targets = [%s] }\n' "$(seq -s, -f '"s%03g"' 1 "$n")"
    if [ "$shared" = base ]; then
      printf 'target "base" {\n  context = "base"\n  platforms = ["linux/amd64"]\n  output = ["type=cacheonly"]\n}\n'
    fi
    for i in $(seq -f '%03g' 1 "$n"); do
      printf 'target "s%s" {\n  context = "services/s%s"\n  platforms = ["linux/amd64"]\n  tags = ["${REG}/ci${PREFIX}/s%s:main"]\n' "$i" "$i" "$i"
      printf '  cache-from = CACHE == "" ? [] : ["type=registry,ref=${REG}/cache/s%s"]\n' "$i"
      printf '  cache-to = CACHE == "" ? [] : ["type=registry,ref=${REG}/cache/s%s,mode=max"]\n' "$i"
      [ "$shared" = base ] && printf '  contexts = { base = "target:base" }\n'
      printf '}\n'
    done
  } >"$dir/docker-bake.hcl"
  for i in $(seq -f '%03g' 1 "$n"); do
    mkdir -p "$dir/services/s$i"
    if [ "$shared" = base ]; then
      printf 'FROM base\nCOPY app.txt /\nRUN ["/bin/busybox", "sleep", "2"]\n' >"$dir/services/s$i/Dockerfile"
    else
      printf 'FROM scratch\nCOPY busybox /bin/busybox\nCOPY app.txt /\nRUN ["/bin/busybox", "sleep", "2"]\n' >"$dir/services/s$i/Dockerfile"
      cp bin/busybox-amd64 "$dir/services/s$i/busybox"
    fi
    echo "service $i" >"$dir/services/s$i/app.txt"
  done
  (cd "$dir" && git init -q -b main && git add -A && git -c user.name=b -c user.email=b@b commit -qm start)
  echo "$dir"
}

# runner: a fresh state directory (a new daemon with an empty root).
runner() {
  local d
  d=$(mktemp -d "$work/runner.XXXX")
  daemons+=("$d")
  echo "$d"
}

secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }

# timed DIR STATE ARGS...: the wall time of one xbake command in DIR on
# the runner STATE, whose daemon is started (not timed) beforehand, as a
# runner's setup step would.
timed() {
  local dir=$1 state=$2 s e
  shift 2
  (cd "$dir" && XBAKE_STATE_DIR=$state "$root/bin/xbake" builders inspect local --bootstrap >/dev/null)
  s=$(date +%s.%N)
  (cd "$dir" && XBAKE_STATE_DIR=$state "$root/bin/xbake" "$@" >"$work/last.log" 2>&1) || { cat "$work/last.log" >&2; return 1; }
  e=$(date +%s.%N)
  XBAKE_STATE_DIR=$state "$root/bin/xbake" builders stop local >/dev/null 2>&1 || true
  secs "$s" "$e"
}

# bake_timed DIR ARGS...: buildx bake on a fresh daemon of its own.
bake_timed() {
  local dir=$1 broot sock s e
  shift
  broot=$(mktemp -d "$work/bake.XXXX")
  sock=$broot/buildkitd.sock
  "$root/bin/buildkitd" --root "$broot/root" --addr "unix://$sock" >"$broot/log" 2>&1 &
  bakepid=$!
  for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
  export DOCKER_CONFIG=$broot/docker BUILDX_CONFIG=$broot/buildx
  "$BUILDX" create --name "fresh$RANDOM" --driver remote --use "unix://$sock" >/dev/null
  s=$(date +%s.%N)
  (cd "$dir" && "$BUILDX" bake --progress quiet "$@" >"$work/last.log" 2>&1) || { cat "$work/last.log" >&2; return 1; }
  e=$(date +%s.%N)
  kill "$bakepid" && wait "$bakepid" 2>/dev/null || true
  bakepid=
  unset DOCKER_CONFIG BUILDX_CONFIG
  secs "$s" "$e"
}

printf '%-30s %8s %8s %8s %8s %8s\n' "monorepo" "floor" "affected" "ratio" "skip" "bake"
for n in ${@:-20 100}; do
  for shared in none base; do
    dir=$(repo "$n" "$shared")
    changed=s$(printf '%03d' $(((n + 1) / 2)))
    # main: everything pushed once, with the input digests --skip-unchanged reads
    timed "$dir" "$(runner)" run --progress quiet --push --skip-unchanged >/dev/null
    [ -z "${BUILDX:-}" ] || CACHE=1 PREFIX=-bake bake_timed "$dir" --push >/dev/null
    (cd "$dir" && git checkout -q -b change)
    # Each measure builds a change of its own to the service, so that
    # none finds the one before it already pushed.
    change() { (cd "$dir" && echo "change $1" >>"services/$changed/app.txt" && git -c user.name=b -c user.email=b@b commit -qam "$1"); }
    change floor
    floor=$(timed "$dir" "$(runner)" run --progress quiet --push "$changed")
    change affected
    affected=$(timed "$dir" "$(runner)" run --progress quiet --push --affected=main --skip-unchanged)
    change skip
    skip=$(timed "$dir" "$(runner)" run --progress quiet --push --skip-unchanged)
    change bake
    bake=-
    if [ -n "${BUILDX:-}" ]; then
      bake=$(CACHE=1 PREFIX=-bake bake_timed "$dir" --push)s
    fi
    printf '%-30s %7ss %7ss %8.2f %7ss %8s\n' "$n services, shared $shared" "$floor" "$affected" \
      "$(awk -v a="$affected" -v f="$floor" 'BEGIN{print a/f}')" "$skip" "$bake"
  done
done
