#!/usr/bin/env bash
# The steps of the GitHub Action in action.yml: install xbake, then run it
# with the action's inputs, named as docker/bake-action names them. The
# runner passes each input as INPUT_<NAME> (set in action.yml); lists are
# separated by newlines or commas, as bake-action reads them.
#
# Outputs (to $GITHUB_OUTPUT): metadata, the --metadata-file document;
# report, the report's path; diff, the plan --diff Markdown.
#
# `action.sh cache-key` is the action's first step: it names the
# directory and cache key of the xbake binary for INPUT_VERSION, so that
# actions/cache restores it and a job with a cached version compiles
# nothing.
set -euo pipefail

# list splits a list input into one item per line: newlines and commas
# separate, blank items and surrounding spaces are dropped.
list() { tr ',' '\n' <<<"$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//' | grep -v '^$' || true; }
# lines splits on newlines only (--set values may hold commas).
lines() { sed 's/^[[:space:]]*//; s/[[:space:]]*$//' <<<"$1" | grep -v '^$' || true; }
bool() { case "${1,,}" in true | 1 | yes) return 0 ;; *) return 1 ;; esac; }

# escape makes text safe as a workflow command's message.
escape() { local s=${1//%/%25}; s=${s//$'\r'/%0D}; printf '%s' "${s//$'\n'/%0A}"; }
# output NAME FILE appends a multi-line step output, with a delimiter the
# content does not hold.
output() {
  [ -n "${GITHUB_OUTPUT:-}" ] || return 0
  local delimiter
  while :; do
    delimiter="xbake_${RANDOM}${RANDOM}${RANDOM}"
    grep -qF "$delimiter" "$2" || break
  done
  { echo "$1<<$delimiter"; cat "$2"; echo; echo "$delimiter"; } >>"$GITHUB_OUTPUT"
}

# cache_key prints the cache key of INPUT_VERSION's binary ("" for a
# version that moves: latest, a branch).
cache_key() {
  case "${INPUT_VERSION:-source}" in
  source) # the content of the action's Go sources: any change rebuilds
    echo "source-$(cd "$GITHUB_ACTION_PATH" && find . \( -name '*.go' -o -name go.mod -o -name go.sum \) -not -path './bin/*' -print0 |
      LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-20)" ;;
  latest | main | master) echo "" ;;
  *) echo "$INPUT_VERSION" ;;
  esac
}

bin_dir() {
  local key=$1
  if [ -n "$key" ]; then
    echo "${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/xbake/$key"
  else
    echo "${RUNNER_TEMP:-/tmp}/xbake-action/bin"
  fi
}

if [ "${1:-}" = cache-key ]; then
  key=$(cache_key)
  cacheable=true
  [ -n "$key" ] || cacheable=false
  { echo "key=$key"; echo "dir=$(bin_dir "$key")"; echo "cacheable=$cacheable"; } >>"${GITHUB_OUTPUT:-/dev/null}"
  exit 0
fi

# install_xbake builds xbake into its directory unless a binary of this
# version is there already (restored by actions/cache, or left by an
# earlier job on a self-hosted runner).
install_xbake() {
  local version=${INPUT_VERSION:-source} dir=${XBAKE_ACTION_BIN:-}
  [ -n "$dir" ] || dir=$(bin_dir "$(cache_key)")
  if [ -x "$dir/xbake" ] && "$dir/xbake" version >/dev/null 2>&1; then
    echo "xbake $version: cached in $dir" >&2
    echo "$dir/xbake"
    return
  fi
  mkdir -p "$dir"
  case "$version" in
  source) # the action's own checkout, at the ref the workflow names
    (cd "$GITHUB_ACTION_PATH" && go build -buildvcs=false -o "$dir/xbake.new" ./cmd/xbake) ;;
  *)
    GOBIN="$dir/gobin" go install "github.com/xbake/xbake/cmd/xbake@$version" && mv "$dir/gobin/xbake" "$dir/xbake.new" ;;
  esac
  mv -f "$dir/xbake.new" "$dir/xbake" # a complete binary or none
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
*) echo "::error::$(escape "input call is \"$INPUT_CALL\"; it takes build, check, outline, targets or plan")" >&2; exit 2 ;;
esac
# spec_args are the arguments that say which spec and targets: plan --diff
# reads the same.
spec_args=()
while read -r f; do [ -n "$f" ] && spec_args+=(-f "$f"); done < <(list "${INPUT_FILES:-}")
while read -r s; do [ -n "$s" ] && spec_args+=(--set "$s"); done < <(lines "${INPUT_SET:-}")
args+=("${spec_args[@]}")
while read -r a; do [ -n "$a" ] && args+=(--allow "$a"); done < <(list "${INPUT_ALLOW:-}")
[ -n "${INPUT_BUILDER:-}" ] && args+=(--builder "$INPUT_BUILDER")
bool "${INPUT_PUSH:-}" && args+=(--push)
bool "${INPUT_LOAD:-}" && args+=(--load)
bool "${INPUT_NO_CACHE:-}" && args+=(--no-cache)
bool "${INPUT_PULL:-}" && args+=(--pull)
[ -n "${INPUT_PROVENANCE:-}" ] && [ "${args[0]}" = run ] && args+=(--provenance "$INPUT_PROVENANCE")
[ -n "${INPUT_SBOM:-}" ] && [ "${args[0]}" = run ] && args+=(--sbom "$INPUT_SBOM")
case "${INPUT_AFFECTED:-}" in
"" | false) ;;
true) args+=(--affected) ;;
*) args+=("--affected=$INPUT_AFFECTED") ;;
esac
if [ "${args[0]}" = run ]; then
  bool "${INPUT_SKIP_UNCHANGED:-}" && args+=(--skip-unchanged)
  bool "${INPUT_KEEP_GOING:-}" && args+=(--keep-going)
  [ -n "${INPUT_REPORT:-}" ] && args+=(--report "$INPUT_REPORT")
fi
work=${RUNNER_TEMP:-/tmp}/xbake-action
mkdir -p "$work"
metadata=$work/metadata.json
rm -f "$metadata"
[ "${args[0]}" = run ] && args+=(--metadata-file "$metadata")
targets=()
while read -r t; do [ -n "$t" ] && targets+=("$t"); done < <(list "${INPUT_TARGETS:-}")
args+=("${targets[@]}")

cd "${INPUT_WORKDIR:-.}"

# The diff first: what this change rebuilds and publishes, and why.
case "${INPUT_DIFF:-}" in
"" | false) ;;
*)
  diff=(plan --diff --format markdown)
  [ "$INPUT_DIFF" = true ] || diff=(plan "--diff=$INPUT_DIFF" --format markdown)
  diff+=("${spec_args[@]}" "${targets[@]}")
  printf 'xbake'; printf ' %q' "${diff[@]}"; echo
  if "$xbake" "${diff[@]}" >"$work/diff.md"; then
    output diff "$work/diff.md"
    [ -z "${GITHUB_STEP_SUMMARY:-}" ] || cat "$work/diff.md" >>"$GITHUB_STEP_SUMMARY"
  else
    echo "::warning::$(escape "xbake plan --diff failed; building without the diff")"
  fi
  ;;
esac

# The command line, quoted: an input never starts a line of the log.
printf 'xbake'; printf ' %q' "${args[@]}"; echo
status=0
"$xbake" "${args[@]}" || status=$?
[ -s "$metadata" ] && output metadata "$metadata"
if [ -n "${INPUT_REPORT:-}" ] && [ "${args[0]}" = run ] && [ -n "${GITHUB_OUTPUT:-}" ]; then
  report=$INPUT_REPORT
  [[ $report = /* ]] || report=$PWD/$report
  echo "report=$report" >>"$GITHUB_OUTPUT"
fi
exit "$status"
