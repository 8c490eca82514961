#!/usr/bin/env bash
# The steps of the GitHub Action in action.yml: install xbake, then run it
# with the action's inputs, named as docker/bake-action names them. The
# runner passes each input as INPUT_<NAME> (set in action.yml); lists are
# separated by newlines or commas, as bake-action reads them.
#
# Outputs (to $GITHUB_OUTPUT): metadata, the --metadata-file document.
set -euo pipefail

# list splits a list input into one item per line: newlines and commas
# separate, blank items and surrounding spaces are dropped.
list() { tr ',' '\n' <<<"$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//' | grep -v '^$' || true; }
# lines splits on newlines only (--set values may hold commas).
lines() { sed 's/^[[:space:]]*//; s/[[:space:]]*$//' <<<"$1" | grep -v '^$' || true; }
bool() { case "${1,,}" in true | 1 | yes) return 0 ;; *) return 1 ;; esac; }

install_xbake() {
  local version=${INPUT_VERSION:-source} dir=${RUNNER_TEMP:-/tmp}/xbake-action
  mkdir -p "$dir"
  case "$version" in
  source) # the action's own checkout, at the ref the workflow names
    (cd "$GITHUB_ACTION_PATH" && go build -buildvcs=false -o "$dir/xbake" ./cmd/xbake) ;;
  *)
    GOBIN="$dir" go install "github.com/xbake/xbake/cmd/xbake@$version" ;;
  esac
  echo "$dir/xbake"
}

xbake=$(install_xbake)
"$xbake" version

args=()
case "${INPUT_CALL:-build}" in
build) args+=(run --progress plain) ;;
check) args+=(run --progress plain --check) ;;
outline | targets) args+=(run --progress plain --call "$INPUT_CALL") ;;
plan) args+=(plan) ;;
*) echo "::error::input call is \"$INPUT_CALL\"; it takes build, check, outline, targets or plan" >&2; exit 2 ;;
esac
while read -r f; do [ -n "$f" ] && args+=(-f "$f"); done < <(list "${INPUT_FILES:-}")
while read -r s; do [ -n "$s" ] && args+=(--set "$s"); done < <(lines "${INPUT_SET:-}")
while read -r a; do [ -n "$a" ] && args+=(--allow "$a"); done < <(list "${INPUT_ALLOW:-}")
[ -n "${INPUT_BUILDER:-}" ] && args+=(--builder "$INPUT_BUILDER")
bool "${INPUT_PUSH:-}" && args+=(--push)
bool "${INPUT_LOAD:-}" && args+=(--load)
bool "${INPUT_NO_CACHE:-}" && args+=(--no-cache)
bool "${INPUT_PULL:-}" && args+=(--pull)
[ -n "${INPUT_PROVENANCE:-}" ] && [ "${args[0]}" = run ] && args+=(--provenance "$INPUT_PROVENANCE")
[ -n "${INPUT_SBOM:-}" ] && [ "${args[0]}" = run ] && args+=(--sbom "$INPUT_SBOM")
metadata=${RUNNER_TEMP:-/tmp}/xbake-action/metadata.json
rm -f "$metadata"
[ "${args[0]}" = run ] && args+=(--metadata-file "$metadata")
while read -r t; do [ -n "$t" ] && args+=("$t"); done < <(list "${INPUT_TARGETS:-}")

cd "${INPUT_WORKDIR:-.}"
echo "xbake ${args[*]}"
status=0
"$xbake" "${args[@]}" || status=$?
if [ -s "$metadata" ] && [ -n "${GITHUB_OUTPUT:-}" ]; then
  delimiter="xbake_$RANDOM$RANDOM"
  { echo "metadata<<$delimiter"; cat "$metadata"; echo; echo "$delimiter"; } >>"$GITHUB_OUTPUT"
fi
exit "$status"
