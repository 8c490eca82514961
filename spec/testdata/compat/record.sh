#!/usr/bin/env bash
# Records what `docker buildx bake --print` prints for each compatibility
# case, as golden data for cmd/xbake's TestBakeCompat.
#
#   BUILDX=/path/to/buildx bash spec/testdata/compat/record.sh [CASE_DIR...]
#
# A case is a directory under a category: its bake files, an optional
# `args` file (the arguments after `bake --print`, one per line) and an
# optional `env` file (NAME=VALUE lines). The script writes
# `expected.json` when bake succeeds, `expected.err` when it fails. It
# does not install buildx: point BUILDX at one you built yourself
# (see DESIGN.md).
set -euo pipefail
: "${BUILDX:?set BUILDX to a docker buildx binary (v0.38.2)}"
here=$(cd "$(dirname "$0")" && pwd)
cfg=$(mktemp -d)
trap 'rm -rf "$cfg"' EXIT
mkdir -p "$cfg/docker" "$cfg/buildx"
cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
  mapfile -t cases < <(find "$here" -mindepth 2 -maxdepth 2 -type d | sort)
fi
for c in "${cases[@]}"; do
  args=()
  [ -f "$c/args" ] && mapfile -t args < "$c/args"
  envs=()
  [ -f "$c/env" ] && mapfile -t envs < "$c/env"
  rm -f "$c/expected.json" "$c/expected.err"
  if (cd "$c" && env -i PATH="$PATH" HOME="$cfg" DOCKER_CONFIG="$cfg/docker" BUILDX_CONFIG="$cfg/buildx" \
      ${envs[@]+"${envs[@]}"} "$BUILDX" bake --print ${args[@]+"${args[@]}"} >"$cfg/out" 2>"$cfg/err"); then
    cp "$cfg/out" "$c/expected.json"
  else
    grep -v '^#' "$cfg/err" > "$c/expected.err" || true
  fi
  echo "${c#"$here"/}: $( [ -f "$c/expected.json" ] && echo ok || echo "error: $(head -c 200 "$c/expected.err")")"
done
