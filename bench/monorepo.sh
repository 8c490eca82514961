#!/usr/bin/env bash
# A generated monorepo of 1,000 targets in a git repository:
#   - `xbake plan --affected=main` after a one-file change (goal: < 1 s);
#   - a warm `xbake run --skip-unchanged` with nothing to do (goal: < 3 s),
#     after one full build recorded in a state file.
#
#   bash bench/monorepo.sh [N]      # after bash scripts/setup
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
n=${1:-1000}
[ -x bin/buildkitd ] && [ -s bin/busybox-amd64 ] || bash scripts/setup
go build -o bin/xbake ./cmd/xbake
root=$PWD
work=$(mktemp -d /tmp/xmono.XXXX)
export XBAKE_STATE_DIR=$work/state XBAKE_BUILDKITD=$root/bin/buildkitd
cleanup() { "$root/bin/xbake" builders stop local -f "$work/repo/xbuild.hcl" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

repo=$work/repo
mkdir -p "$repo/services"
{
  echo 'include = ["services/*/xbuild.hcl"]'
  echo 'target "base" {'
  echo '  context   = "base"'
  echo '  platforms = ["linux/amd64"]'
  echo '}'
} > "$repo/xbuild.hcl"
mkdir -p "$repo/base"
printf 'FROM scratch\nCOPY busybox /bin/busybox\n' > "$repo/base/Dockerfile"
cp bin/busybox-amd64 "$repo/base/busybox"
for i in $(seq -w 1 "$n"); do
  d=$repo/services/s$i
  mkdir -p "$d"
  if [ $((10#$i % 10)) -eq 0 ]; then
    printf 'FROM base\nCOPY app.txt /\n' > "$d/Dockerfile"
    printf 'target "s%s" {\n  context   = "."\n  contexts  = { base = "target:base" }\n  platforms = ["linux/amd64"]\n  output    = ["type=cacheonly"]\n}\n' "$i" > "$d/xbuild.hcl"
  else
    printf 'FROM scratch\nCOPY app.txt /\n' > "$d/Dockerfile"
    printf 'target "s%s" {\n  context   = "."\n  platforms = ["linux/amd64"]\n  output    = ["type=cacheonly"]\n}\n' "$i" > "$d/xbuild.hcl"
  fi
  echo "service $i" > "$d/app.txt"
  printf '*.md\n' > "$d/.dockerignore"
done
(cd "$repo" && git init -q -b main && git add -A && git -c user.name=b -c user.email=b@b commit -qm start && git checkout -q -b change)

time_it() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); awk -v a="$s" -v b="$e" 'BEGIN{printf "%.2f", b-a}'; }
xb() { (cd "$repo" && "$root/bin/xbake" "$@"); }

echo "one-file change in services/s0007:"
echo "changed" >> "$repo/services/s0007/app.txt" 2>/dev/null || echo "changed" >> "$repo/services/s$(printf '%0*d' ${#n} 7)/app.txt"
best=99
for _ in 1 2 3; do t=$(time_it xb plan --affected=main); best=$(awk -v a="$best" -v b="$t" 'BEGIN{print (b<a)?b:a}'); done
echo "  xbake plan --affected=main: ${best}s ($(xb plan --affected=main --format json | grep -c '"name"') targets planned)"

echo "full build of $n targets (recorded in a state file)..."
s=$(date +%s)
xb run --progress quiet --skip-unchanged --state-file "$work/state.json" >/dev/null || true
echo "  cold build: $(( $(date +%s) - s ))s"
best=99
for _ in 1 2 3; do t=$(time_it xb run --progress quiet --skip-unchanged --state-file "$work/state.json"); best=$(awk -v a="$best" -v b="$t" 'BEGIN{print (b<a)?b:a}'); done
echo "  warm xbake run --skip-unchanged, nothing to do: ${best}s"
