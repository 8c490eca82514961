#!/usr/bin/env bash
# Makes the pictures in docs/img from real runs, so that they show what
# xbake draws today (never edit them by hand):
#   report.png  the --report page of examples/report (a failure, a skip,
#               a cached target, two platforms, target: links)
#   report-20.png  the timeline of a 20-target generated monorepo
#   plan.png    plan --format html of the same monorepo
#   board.png   the board above the tty display, captured in tmux at
#               120x30 and drawn as the terminal showed it
#
#   bash docs/screenshots.sh        # after bash scripts/setup; needs chromium and tmux
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
[ -x bin/buildkitd ] && [ -s bin/busybox-amd64 ] || bash scripts/setup
for tool in chromium tmux; do
  command -v $tool >/dev/null || { echo "screenshots: needs $tool" >&2; exit 1; }
done
go build -o bin/xbake ./cmd/xbake
root=$PWD
out=$root/docs/img
work=$(mktemp -d /tmp/xshots.XXXX)
export XBAKE_STATE_DIR=$work/state XBAKE_BUILDKITD=$root/bin/buildkitd
cleanup() { (cd "$work" && "$root/bin/xbake" builders stop local >/dev/null 2>&1) || true; tmux kill-session -t xshots 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

shot() { # page.html out.png height
  chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$work/chrome" \
    --window-size=1300,"$3" --screenshot="$2" "file://$1" 2>/dev/null
}

# The example, with tools built once so that it is cached in the run shown.
cp -r examples/report "$work/report"
cp bin/busybox-amd64 bin/busybox-arm64 "$work/report/"
(cd "$work/report" && "$root/bin/xbake" run tools --progress quiet >/dev/null &&
  { "$root/bin/xbake" run --keep-going --progress quiet --report "$work/report.html" >/dev/null 2>&1 || true; })
shot "$work/report.html" "$out/report.png" 1500

# A 20-target monorepo: a base that a fifth use as their context, a
# seventh built for two platforms, steps that take a moment.
mono=$work/mono
mkdir -p "$mono/base"
printf 'FROM scratch\nARG TARGETARCH\nCOPY busybox-${TARGETARCH} /bin/busybox\nRUN ["/bin/busybox", "sleep", "1"]\n' > "$mono/base/Dockerfile"
cp bin/busybox-amd64 bin/busybox-arm64 "$mono/base/"
printf 'target "base" {\n  context = "base"\n}\n' > "$mono/xbuild.hcl"
for i in $(seq -w 1 20); do
  d=$mono/svc-$i
  mkdir -p "$d"
  cp bin/busybox-amd64 bin/busybox-arm64 "$d/"
  platforms='["linux/amd64"]'
  [ $((10#$i % 7)) -eq 0 ] && platforms='["linux/amd64", "linux/arm64"]'
  if [ $((10#$i % 5)) -eq 0 ]; then
    printf 'FROM base\nRUN ["/bin/busybox", "sleep", "%d"]\n' $((10#$i % 3 + 1)) > "$d/Dockerfile"
    printf 'target "svc-%s" {\n  context = "svc-%s"\n  contexts = { base = "target:base" }\n  platforms = %s\n  output = ["type=cacheonly"]\n}\n' "$i" "$i" "$platforms" >> "$mono/xbuild.hcl"
  else
    printf 'FROM scratch\nARG TARGETARCH\nCOPY busybox-${TARGETARCH} /bin/busybox\nRUN ["/bin/busybox", "sleep", "%d"]\n' $((10#$i % 3 + 1)) > "$d/Dockerfile"
    printf 'target "svc-%s" {\n  context = "svc-%s"\n  platforms = %s\n  output = ["type=cacheonly"]\n}\n' "$i" "$i" "$platforms" >> "$mono/xbuild.hcl"
  fi
done
(cd "$mono" && "$root/bin/xbake" plan --format html > "$work/plan.html" 2>/dev/null &&
  "$root/bin/xbake" run --jobs 8 --progress quiet --report "$work/report-20.html" >/dev/null)
shot "$work/report-20.html" "$out/report-20.png" 1400
shot "$work/plan.html" "$out/plan.png" 900

# The board: a cold run of the monorepo in tmux, captured while it builds.
"$root/bin/xbake" builders stop local >/dev/null 2>&1 || true
rm -rf "$XBAKE_STATE_DIR"
tmux new-session -d -s xshots -x 120 -y 30 "cd $mono && XBAKE_STATE_DIR=$XBAKE_STATE_DIR XBAKE_BUILDKITD=$XBAKE_BUILDKITD $root/bin/xbake run --jobs 8 --progress tty; sleep 60"
for _ in $(seq 1 300); do
  sleep 0.2
  tmux capture-pane -p -t xshots > "$work/board.txt"
  grep -q '^  building  svc-.* step [1-9]' "$work/board.txt" && break
done
sleep 1
tmux capture-pane -p -t xshots > "$work/board.txt"
{
  echo '<!doctype html><meta charset="utf-8"><body style="margin:0;background:#1d2330">'
  echo '<pre style="margin:0;padding:12px;color:#e8ebf1;font:13px/1.35 monospace">'
  sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' "$work/board.txt"
  echo '</pre>'
} > "$work/board.html"
shot "$work/board.html" "$out/board.png" 560
ls -l "$out"
