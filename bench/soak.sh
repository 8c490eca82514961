#!/usr/bin/env bash
# Fault soak: N runs of a 20-target project, each with one fault chosen at
# random, then checks that the fault left nothing behind.
#
#   bash bench/soak.sh [N]      # after bash scripts/setup; N defaults to 20
#
# Faults: the daemon killed (kill -9) mid-build (with a bystander process
# naming a file under its root and a tmpfs bind mount whose inner path
# lies under its root, both of which must survive), xbake killed
# (kill -9), SIGINT, the registry down during the run, a full disk (an
# output on a 1 MiB tmpfs), a second run at once on the same outputs, a
# second run at once with another state directory (another daemon, one
# destination lock), the daemon stopped (kill -STOP) while a run starts,
# two runs starting a stopped builder while busy loops eat the CPU, and a
# publish cut off mid-tagging whose tag someone else pushes to before
# the next run (which must leave it and say so). After each
# faulted run: no panic, an exit code docs/run.md allows for that fault,
# and every output file that exists is whole (each archive reads as a
# tar). Then a clean run: it must succeed, and leave no temporary, no
# mount under the builder's state, no process of a dead daemon's steps.
# The registry listens on loopback only.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
n=${1:-20}
[ -x bin/buildkitd ] && [ -s bin/busybox-amd64 ] || bash scripts/setup
go build -o bin/xbake ./cmd/xbake || exit 1
work=$(mktemp -d /tmp/xsoak.XXXX)
go build -o "$work/soakreg" ./bench/soakreg || exit 1
root=$PWD
export XBAKE_STATE_DIR=$work/state XBAKE_BUILDKITD=$root/bin/buildkitd XBAKE_SPEC_CACHE=$work/spec-cache
state=$XBAKE_STATE_DIR/builders/local
reg=127.0.0.1:5099
regpid= busy_pids=
start_registry() { "$work/soakreg" -addr $reg & regpid=$!; sleep 0.3; }
stop_registry() { [ -n "$regpid" ] && kill -9 "$regpid" 2>/dev/null; wait "$regpid" 2>/dev/null; regpid=; }
cleanup() {
  stop_registry
  "$root/bin/xbake" builders rm local >/dev/null 2>&1
  XBAKE_STATE_DIR=$work/state2 "$root/bin/xbake" builders rm local >/dev/null 2>&1
  umount "$work/proj/out/full" 2>/dev/null
  umount "$work/bystander-mount" 2>/dev/null; umount "$work/bystander-fs" 2>/dev/null
  [ -n "$busy_pids" ] && kill $busy_pids 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

proj=$work/proj
mkdir -p "$proj/out/full"
cp bin/busybox-amd64 "$proj/busybox"
{
  echo 'group "default" { targets = [for i in range(20) : "t${i}"] }'
  for i in $(seq 0 19); do
    case $((i % 4)) in
      0) out='"type=local,dest=out/t'$i'"' ;;
      1) out='"type=oci,dest=out/t'$i'.tar"' ;;
      2) out='"type=image,push=true"' ;;
      3) out='"type=tar,dest=out/t'$i'.tar"' ;;
    esac
    cat <<HCL
target "t$i" {
  platforms = ["linux/amd64"]
  args      = { N = "$i", R = R }
  tags      = ["$reg/soak/t$i:1"]
  output    = [$out]
}
HCL
  done
  cat <<'HCL'
variable "R" { default = "0" }
target "full" {
  platforms = ["linux/amd64"]
  output    = ["type=tar,dest=out/full/big.tar"]
}
HCL
} > "$proj/xbuild.hcl"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nARG N\nARG R\nRUN ["/bin/busybox", "sh", "-c", "sleep $((N %% 3)); echo $N $R > /n"]\n' > "$proj/Dockerfile"
mount -t tmpfs -o size=1m tmpfs "$proj/out/full" || { echo "soak: cannot mount a tmpfs" >&2; exit 1; }

declare -A faults=() problems=()
fail() { problems[$1]=$(( ${problems[$1]:-0} + 1 )); echo "soak: run $2 ($1): $3" >&2; }

# whole checks that every archive in out/ reads as a tar.
whole() {
  local f
  for f in "$proj"/out/*.tar "$proj"/out/full/*.tar; do
    [ -e "$f" ] || continue
    tar tf "$f" >/dev/null 2>&1 || { echo "$f"; return 1; }
  done
}
# leftovers lists temporaries, mounts under the builder's state and
# processes whose root or command line lies there (buildkitd and the
# bystander excepted).
leftovers() {
  find "$proj/out" -name '.xbake-tmp-*' 2>/dev/null
  awk -v s="$state/" 'index($5, s) == 1 {print "mount " $5}' /proc/self/mountinfo
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = "${bystander:-x}" ] && continue
    cmd=$( { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null ) || continue
    case $cmd in *buildkitd*) continue ;; esac
    r=$(readlink "$p/root" 2>/dev/null)
    case "$cmd $r" in *"$state/"*) echo "process ${p#/proc/}: $cmd" ;; esac
  done
}

# daemons_on lists the buildkitd processes running on a state's root.
daemons_on() { pgrep -f -- "--root $1/root " || true; }

# A bystander: a process whose command line names a file under the
# builder's root, and a tmpfs whose directory at the root's absolute path
# is bind mounted elsewhere. Neither is xbake's.
bystander=
add_bystanders() {
  mkdir -p "$state/root" "$work/bystander-fs" "$work/bystander-mount"
  touch "$state/root/bystander.log"
  tail -f "$state/root/bystander.log" >/dev/null 2>&1 & bystander=$!
  mountpoint -q "$work/bystander-fs" || mount -t tmpfs -o size=1m tmpfs "$work/bystander-fs"
  mkdir -p "$work/bystander-fs$state/root/snapshots"
  mountpoint -q "$work/bystander-mount" || mount --bind "$work/bystander-fs$state/root/snapshots" "$work/bystander-mount"
}
check_bystanders() {
  kill -0 "$bystander" 2>/dev/null || fail "$1" "$2" "the bystander process under the root was killed"
  mountpoint -q "$work/bystander-mount" || fail "$1" "$2" "the bystander bind mount was detached"
  kill "$bystander" 2>/dev/null; wait "$bystander" 2>/dev/null; bystander=
  umount "$work/bystander-mount" 2>/dev/null
}

start_registry
cd "$proj"
for run in $(seq 1 "$n"); do
  kinds=(daemon-kill xbake-kill sigint registry-down disk-full concurrent second-state stopped-daemon busy-start tag-moved)
  kind=${kinds[RANDOM % ${#kinds[@]}]}
  faults[$kind]=$(( ${faults[$kind]:-0} + 1 ))
  export R=$run   # every run rebuilds its steps
  log=$work/run.log
  case $kind in
    daemon-kill|xbake-kill|sigint)
      "$root/bin/xbake" run --progress plain >"$log" 2>&1 & pid=$!
      sleep "0.$((RANDOM % 10))"; sleep $((RANDOM % 2))
      case $kind in
        daemon-kill) add_bystanders; kill -9 "$(cat "$state/buildkitd.pid" 2>/dev/null)" 2>/dev/null; allowed="0 1" ;;
        xbake-kill) kill -9 "$pid"; allowed="0 137" ;;
        sigint) kill -INT "$pid"; allowed="0 130" ;;
      esac
      wait "$pid"; code=$? ;;
    registry-down)
      stop_registry
      "$root/bin/xbake" run --progress plain >"$log" 2>&1; code=$?; allowed="1"
      start_registry ;;
    disk-full)
      "$root/bin/xbake" run --progress plain full >"$log" 2>&1; code=$?; allowed="1"
      grep -q 'the disk is full' "$log" || fail "$kind" "$run" "no 'disk is full' message" ;;
    concurrent)
      "$root/bin/xbake" run --progress plain >"$log" 2>&1 & a=$!
      "$root/bin/xbake" run --progress plain >"$log.2" 2>&1; c2=$?
      wait "$a"; code=$?; allowed="0"
      [ "$c2" = 0 ] || { fail "$kind" "$run" "the second run exited $c2"; sed 's/^/    /' "$log.2" | tail -5 >&2; } ;;
    second-state)
      "$root/bin/xbake" run --progress plain >"$log" 2>&1 & a=$!
      sleep "0.$((RANDOM % 10))"
      XBAKE_STATE_DIR=$work/state2 "$root/bin/xbake" run --progress plain >"$log.2" 2>&1; c2=$?
      wait "$a"; code=$?; allowed="0"
      [ "$c2" = 0 ] || { fail "$kind" "$run" "the run with another state directory exited $c2"; sed 's/^/    /' "$log.2" | tail -5 >&2; } ;;
    stopped-daemon)
      "$root/bin/xbake" builders inspect local --bootstrap >/dev/null 2>&1
      dpid=$(cat "$state/buildkitd.pid" 2>/dev/null)
      kill -STOP "$dpid" 2>/dev/null
      "$root/bin/xbake" run --progress plain >"$log" 2>&1 & pid=$!
      sleep $((1 + RANDOM % 5)); kill -CONT "$dpid" 2>/dev/null
      wait "$pid"; code=$?; allowed="0"
      [ "$(daemons_on "$state" | wc -l)" = 1 ] || fail "$kind" "$run" "daemons on the root: $(daemons_on "$state" | tr '\n' ' ')" ;;
    busy-start)
      "$root/bin/xbake" builders stop local >/dev/null 2>&1
      busy_pids=; for _ in 1 2 3 4; do sh -c 'while :; do :; done' & busy_pids="$busy_pids $!"; done
      "$root/bin/xbake" run --progress plain >"$log" 2>&1 & a=$!
      "$root/bin/xbake" run --progress plain >"$log.2" 2>&1; c2=$?
      wait "$a"; code=$?; allowed="0"
      kill $busy_pids 2>/dev/null; busy_pids=
      [ "$c2" = 0 ] || { fail "$kind" "$run" "the second run exited $c2"; sed 's/^/    /' "$log.2" | tail -5 >&2; }
      [ "$(daemons_on "$state" | wc -l)" = 1 ] || fail "$kind" "$run" "daemons on the root: $(daemons_on "$state" | tr '\n' ' ')" ;;
    tag-moved)
      "$work/soakreg" -addr $reg -arm
      "$root/bin/xbake" run --progress plain >"$log" 2>&1; code=$?; allowed="1"
      "$work/soakreg" -addr $reg -up
      if grep -q 'the next xbake run' "$log"; then
        "$work/soakreg" -push "$reg/soak/t10:1" >/dev/null
        unset R
        "$root/bin/xbake" run --progress plain >"$log.2" 2>&1
        grep -q "someone else has moved since.*soak/t10:1" "$log.2" ||
          { fail "$kind" "$run" "the recovery did not leave the tag someone else moved"; grep -i publish "$log.2" | head -3 | sed 's/^/    /' >&2; }
      else
        fail "$kind" "$run" "the publish was not cut off mid-tagging"; tail -5 "$log" | sed 's/^/    /' >&2
      fi ;;
  esac
  grep -q 'panic:' "$log" && fail "$kind" "$run" "panic"
  case " $allowed " in *" $code "*) ;; *) fail "$kind" "$run" "exit $code, allowed: $allowed"; tail -5 "$log" | sed 's/^/    /' >&2 ;; esac
  bad=$(whole) || fail "$kind" "$run" "a partial archive: $bad"
  unset R
  "$root/bin/xbake" run --progress quiet >"$log" 2>&1 || { fail "$kind" "$run" "the clean run after it failed"; tail -5 "$log" | sed 's/^/    /' >&2; }
  left=$(leftovers)
  [ -z "$left" ] || fail "$kind" "$run" "left behind: $(echo "$left" | head -3 | tr '\n' ';')"
  [ -n "$bystander" ] && check_bystanders "$kind" "$run"
  [ "$(daemons_on "$state" | wc -l)" -le 1 ] || fail "$kind" "$run" "several daemons on one root"
  rm -rf "$proj"/out/t*
  rm -f "$proj"/out/full/*
  [ $((run % 20)) = 0 ] && echo "soak: $run runs done" >&2
done

echo "soak: $n runs"
for k in "${!faults[@]}"; do printf '  %-14s %3d runs, %d problems\n' "$k" "${faults[$k]}" "${problems[$k]:-0}"; done
total=0; for k in "${!problems[@]}"; do total=$((total + problems[$k])); done
echo "soak: $total problems"
[ "$total" = 0 ]
