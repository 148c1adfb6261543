#!/usr/bin/env bash
# Every check of the collection, from a clean clone: installs nox and antsibull-nox in .venv/nox, then runs every
# session of noxfile.py (and antsibull-nox.toml) one after the other, with a summary of results and times.
#   bash scripts/test.sh                           every session
#   bash scripts/test.sh e2e ansible-test-units-2.19   only the named sessions (`.venv/nox/bin/nox --list` names them)
#   bash scripts/test.sh --latest [SESSION...]     the same with the newest releases instead of tests/constraints.txt,
#                                                  in fresh environments of their own (.venv/nox-latest, .nox/latest)
#   bash scripts/test.sh --refresh-pins            --latest over every session; when all pass, writes tests/constraints.txt
# Exits non-zero when any session fails. Needs Python 3.11, and 3.13 for the ansible-core 2.21 sessions (nox fails
# them when it is missing); installs nginx (the origin of tests/e2e/test_origin.py) when root with apt-get.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT" || exit 1

py311="$(find_python 3.11)" || { echo "Python 3.11 is required (ansible-core 2.19 sessions)" >&2; exit 1; }
py313="$(find_python 3.13)" || { echo "Python 3.13 is required (ansible-core 2.21 sessions)" >&2; [ "${CI:-}" = true ] && exit 1; }
# The real interpreters first (pyenv's shims for inactive versions do not resolve), 3.11 before 3.13 so that a
# plain python3 is 3.11.
PATH="$(dirname "$py311")${py313:+:$(dirname "$py313")}:$PATH"
export PATH

mode=pinned
case "${1:-}" in --latest|--refresh-pins) mode="${1#--}"; shift ;; esac
[ "$mode" = refresh-pins ] && [ $# -gt 0 ] && { echo "--refresh-pins takes no session names: it pins for all" >&2; exit 2; }
if [ "$mode" = pinned ]; then
  # Everything pip installs, here and in every session, at the versions of tests/constraints.txt (noxfile.py sets
  # PIP_CONSTRAINT for the sessions too, so that a plain `nox -e SESSION` is pinned as well).
  export PIP_CONSTRAINT="$PINS"
  NOX_VENV="$VENV_ROOT/nox" NOX_ENVDIR="$REPO_ROOT/.nox"
else
  # The newest releases, in environments made afresh and apart from the pinned ones (noxfile.py reads AOP_LATEST:
  # no constraints, envdir .nox/latest).
  unset PIP_CONSTRAINT
  export AOP_LATEST=1
  NOX_VENV="$VENV_ROOT/nox-latest" NOX_ENVDIR="$REPO_ROOT/.nox/latest"
  rm -rf "$NOX_VENV" "$NOX_ENVDIR"
fi
NOX_REQUIREMENTS="nox>=2026.8 antsibull-nox>=1.10,<2"
stamp="$NOX_REQUIREMENTS $(sha256sum < "$PINS" | cut -c1-16)"
if [ "$(cat "$NOX_VENV/.stamp" 2>/dev/null)" != "$stamp" ]; then
  log "Creating $NOX_VENV ($NOX_REQUIREMENTS)"
  ensure_venv_support "$py311" 3.11 || exit 1
  rm -rf "$NOX_VENV" && "$py311" -m venv "$NOX_VENV" >&2 || exit 1
  # shellcheck disable=SC2086 # word splitting is the point: one argument per requirement
  "$NOX_VENV/bin/python" -m pip install --quiet --disable-pip-version-check $NOX_REQUIREMENTS >&2 || exit 1
  echo "$stamp" > "$NOX_VENV/.stamp"
fi
ensure_nginx || exit 1

nox_run() { "$NOX_VENV/bin/nox" --error-on-missing-interpreters --reuse-venv=yes "$@"; }
if [ $# -gt 0 ]; then
  sessions=("$@")
else
  # Every default session, leaves only: `lint` is a meta session over formatters, codeqa, yamllint, typing and
  # antsibull-nox-config, which run on their own here.
  mapfile -t sessions < <(nox_run --list --json | "$NOX_VENV/bin/python" -c '
import json, sys
for session in json.load(sys.stdin):
    if session.get("default", True) and session["session"] != "lint":
        print(session["session"])')
  [ "${#sessions[@]}" -gt 0 ] || { echo "nox lists no sessions" >&2; exit 1; }
fi

# Two lanes, to keep the wall time near one lane's: the emulator sessions (integration, e2e: mostly waiting on
# ansible-playbook and the emulator) beside all the others. Each session's output goes to .nox/logs/SESSION.log,
# shown in full when the session fails; one lane's sessions run one after the other.
LOG_DIR="$NOX_ENVDIR/logs"
rm -rf "$LOG_DIR" && mkdir -p "$LOG_DIR"
run_lane() {
  local session start rc
  for session in "$@"; do
    log "nox session $session (started)"
    start=$SECONDS
    nox_run -e "$session" > "$LOG_DIR/$session.log" 2>&1
    rc=$?
    echo "$rc $((SECONDS - start)) $session" >> "$LOG_DIR/results"
    if [ "$rc" -eq 0 ]; then log "nox session $session passed ($((SECONDS - start))s)"
    else log "nox session $session FAILED ($((SECONDS - start))s, exit $rc): its output follows"; cat "$LOG_DIR/$session.log" >&2; fi
  done
}
slow=() others=()
for session in "${sessions[@]}"; do
  case "$session" in integration|e2e) slow+=("$session") ;; *) others+=("$session") ;; esac
done
started=$SECONDS
[ "${#slow[@]}" -gt 0 ] && { run_lane "${slow[@]}" & }
[ "${#others[@]}" -gt 0 ] && run_lane "${others[@]}"
wait

passed=0 failed=0 summary=()
for session in "${sessions[@]}"; do
  read -r rc took _ < <(grep " $session\$" "$LOG_DIR/results" || echo "- - $session")
  if [ "$rc" = 0 ]; then
    passed=$((passed + 1)); summary+=("PASS  $session (${took}s)")
  else
    failed=$((failed + 1)); summary+=("FAIL  $session (${took}s, exit $rc, log ${LOG_DIR#"$REPO_ROOT/"}/$session.log)")
  fi
done

printf '\n==> Summary (%ss wall time)\n' "$((SECONDS - started))"
printf '%s\n' "${summary[@]}"
if [ "$mode" = refresh-pins ]; then
  if [ "$failed" -eq 0 ]; then "$NOX_VENV/bin/python" scripts/pins.py "$NOX_VENV" "$NOX_ENVDIR" || failed=$((failed + 1))
  else echo "tests/constraints.txt is unchanged: some session fails with the newest releases" >&2; fi
fi
# The last line alone says what ran: CI reads it.
echo "sessions: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
