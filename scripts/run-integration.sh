#!/usr/bin/env bash
# The "integration" stage of scripts/test.sh: end-to-end tests against the Cloudflare API emulator.
#   bash scripts/run-integration.sh VENV
# 1. ansible-test integration targets (tests/integration/targets: one per module, one for the role) in the
#    collection tree built by scripts/lib.sh, against one emulator started here; integration_config.yml tells the
#    targets where it is and where the test PKI lives.
# 2. the pytest suite tests/e2e, which starts a fresh emulator per test and runs real ansible-playbook; its origin
#    tests run a private nginx (installed here from Debian's packages when missing and we are root).
# Exits non-zero when either fails; the emulator is stopped on every exit path.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VENV="$(cd "${1:?usage: run-integration.sh VENV}" && pwd)"
PY="$VENV/bin/python"
PY_VERSION="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
# ansible-test and the playbooks must find this venv's Python first, never a pyenv shim.
export PATH="$VENV/bin:$PATH"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false ANSIBLE_NOCOLOR=1
[ -d "$COLLECTION_DIR/.git" ] || build_collection_tree

make_workdir

log "Starting the Cloudflare API emulator for the integration targets"
# One zone per target, so that targets never see each other's certificates.
start_emulator "$PY" "$WORK/emulator.json" --activation-seconds 1 \
  --zone example.com --zone example.net --zone example.org --zone example.io --zone example.info || exit 1

"$PY" "$REPO_ROOT/scripts/make_demo_pki.py" "$WORK/pki" --client client-a --client client-b --client client-c > /dev/null

# The targets' variables (git-ignored; ansible-test passes them to every target).
"$PY" - "$WORK/emulator.json" "$WORK/pki" > "$COLLECTION_DIR/tests/integration/integration_config.yml" <<'PY'
import json, sys
emulator = json.loads(open(sys.argv[1]).readline())
print(json.dumps({
    'cloudflare_base_url': emulator['base_url'],
    'cloudflare_api_token': emulator['api_token'],
    'cloudflare_api_key': emulator['api_key'],
    'cloudflare_api_email': emulator['api_email'],
    'cloudflare_zone_ids': emulator['zones'],
    'emulator_control_url': emulator['control_url'],
    'aop_test_pki_dir': sys.argv[2],
}, indent=2))
PY

failed=0
log "ansible-test integration (Python $PY_VERSION)"
start=$SECONDS
(cd "$COLLECTION_DIR" && "$VENV/bin/ansible-test" integration --python "$PY_VERSION" --color no) || failed=1
echo "ansible-test integration took $((SECONDS - start))s"

ensure_nginx || echo "nginx could not be installed: tests/e2e/test_origin.py will skip (and fail when CI=true)" >&2

log "End-to-end tests of the role (tests/e2e)"
start=$SECONDS
AOP_COLLECTIONS_ROOT="$COLLECTION_ROOT" "$PY" -m pytest -q -p no:cacheprovider -n 2 "$REPO_ROOT/tests/e2e" || failed=1
echo "tests/e2e took $((SECONDS - start))s"

exit "$failed"
