#!/usr/bin/env bash
# The cost of `xbake run --report` on a generated monorepo of N targets
# (1,000 by default; a tenth use a shared base through target:), and what
# the page costs a browser:
#   - the run's wall time with and without --report (HTML and JSON), warm,
#     alternating, median of 3 each (goal: under 2% more);
#   - the size of the page and of the JSON (goal: page under 5 MB);
#   - headless Chromium rendering the page to a PNG, against a blank page
#     (goal: under 2 s).
#
#   bash bench/report.sh [N]        # after bash scripts/setup
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
n=${1:-1000}
[ -x bin/buildkitd ] && [ -s bin/busybox-amd64 ] || bash scripts/setup
command -v chromium >/dev/null || { echo "report.sh: needs chromium (apt-get install chromium)" >&2; exit 1; }
go build -o bin/xbake ./cmd/xbake
root=$PWD
work=$(mktemp -d /tmp/xreport.XXXX)
export XBAKE_STATE_DIR=$work/state XBAKE_BUILDKITD=$root/bin/buildkitd
cleanup() { (cd "$work/repo" && "$root/bin/xbake" builders stop local >/dev/null 2>&1) || true; rm -rf "$work"; }
trap cleanup EXIT

repo=$work/repo
mkdir -p "$repo/base"
printf 'FROM scratch\nCOPY busybox /bin/busybox\n' > "$repo/base/Dockerfile"
cp bin/busybox-amd64 "$repo/base/busybox"
{
  echo 'target "base" {'
  echo '  context = "base"'
  echo '  platforms = ["linux/amd64"]'
  echo '}'
  for i in $(seq -w 1 "$n"); do
    mkdir -p "$repo/s$i"
    echo "$i" > "$repo/s$i/app.txt"
    if [ $((10#$i % 10)) -eq 0 ]; then
      printf 'FROM base\nCOPY app.txt /\n' > "$repo/s$i/Dockerfile"
      printf 'target "s%s" {\n  context = "s%s"\n  contexts = { base = "target:base" }\n  platforms = ["linux/amd64"]\n  output = ["type=cacheonly"]\n}\n' "$i" "$i"
    else
      printf 'FROM scratch\nCOPY app.txt /\n' > "$repo/s$i/Dockerfile"
      printf 'target "s%s" {\n  context = "s%s"\n  platforms = ["linux/amd64"]\n  output = ["type=cacheonly"]\n}\n' "$i" "$i"
    fi
  done
} > "$repo/xbuild.hcl"
cd "$repo"

wall() { # command... -> seconds of wall time
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
median() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }

"$root/bin/xbake" run --progress quiet >/dev/null # cold: build everything once
plain=() reported=()
for _ in 1 2 3; do
  plain+=("$(wall "$root/bin/xbake" run --progress quiet)")
  reported+=("$(wall "$root/bin/xbake" run --progress quiet --report "$work/r.html" --report "$work/r.json")")
done
p=$(median "${plain[@]}") r=$(median "${reported[@]}")
printf '%d targets, warm run: %.2f s without --report, %.2f s with (%+.1f%%)\n' "$n" "$p" "$r" "$(echo "($r / $p - 1) * 100" | bc -l)"
printf 'page %.2f MB, JSON %.2f MB\n' "$(echo "$(stat -c %s "$work/r.html") / 1048576" | bc -l)" "$(echo "$(stat -c %s "$work/r.json") / 1048576" | bc -l)"

echo '<!doctype html><title>blank</title>' > "$work/blank.html"
shot() { chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --user-data-dir="$work/chrome" --window-size=1300,1400 --screenshot="$work/shot.png" "file://$1"; }
blank=() page=()
for _ in 1 2 3; do
  blank+=("$(wall shot "$work/blank.html")")
  page+=("$(wall shot "$work/r.html")")
done
b=$(median "${blank[@]}") g=$(median "${page[@]}")
printf 'chromium renders the page in %.2f s (a blank page: %.2f s; the page itself: %.2f s)\n' "$g" "$b" "$(echo "$g - $b" | bc -l)"
