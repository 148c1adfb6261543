#!/usr/bin/env bash
# Command 1 of the README: the whole per-hostname AOP procedure against the local Cloudflare API emulator.
#   bash scripts/demo.sh
# Creates (or reuses) .venv/main, copies the collection to build/collections, starts the emulator on a free port,
# makes a demo private CA and client certificate in build/demo-pki, runs the role twice through the collection's
# demo playbook (the second run must change nothing and send no write call), prints what was configured, and stops
# the emulator on every exit path. Needs only Python 3.11+.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ZONE=example.com
ACTIVATION_SECONDS=3
PKI_DIR="$REPO_ROOT/build/demo-pki"

main_python="$(find_main_python)"
VENV="$(make_venv main "$main_python" "$REPO_ROOT/requirements-dev.txt")"
PY="$VENV/bin/python"
build_collection_tree

make_workdir

log "Starting the Cloudflare API emulator (certificates take ${ACTIVATION_SECONDS}s to become active)"
start_emulator "$PY" "$WORK/emulator.json" --zone "$ZONE" --activation-seconds "$ACTIVATION_SECONDS" || exit 1
BASE_URL="$(emulator_field "$WORK/emulator.json" base_url)"
CONTROL_URL="$(emulator_field "$WORK/emulator.json" control_url)"
echo "API $BASE_URL"

# The emulator's control API, without curl (a fresh machine may lack it): control METHOD PATH -> JSON result on stdout.
control() {
  "$PY" - "$CONTROL_URL" "$1" "$2" <<'PY'
import json, sys, urllib.request
url, method, path = sys.argv[1:]
with urllib.request.urlopen(urllib.request.Request(url + path, method=method)) as response:
    print(json.dumps(json.load(response)['result']))
PY
}

log "Making the demo private CA and client certificate in $PKI_DIR"
"$PY" "$REPO_ROOT/scripts/make_demo_pki.py" "$PKI_DIR"

export ANSIBLE_COLLECTIONS_PATH="$COLLECTION_ROOT" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
# The demo runs on the controller alone: no inventory is needed, so no warning about it.
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
CLOUDFLARE_API_TOKEN="$(emulator_field "$WORK/emulator.json" api_token)"
export CLOUDFLARE_BASE_URL="$BASE_URL" CLOUDFLARE_API_TOKEN
declare -A changed writes
summaries=()
for run in 1 2; do
  log "Run $run of the role aop.cloudflare.per_hostname_aop (playbook aop.cloudflare.demo)"
  control DELETE /requests > /dev/null
  "$VENV/bin/ansible-playbook" aop.cloudflare.demo \
    -e "ansible_python_interpreter=$PY" -e "aop_demo_pki_dir=$PKI_DIR" | tee "$WORK/run$run.log"
  changed[$run]="$(sed 's/\x1b\[[0-9;]*m//g' "$WORK/run$run.log" | sed -n 's/^localhost *:.* changed=\([0-9]*\).*/\1/p')"
  report="$(control GET /requests | "$PY" -c '
import collections, json, sys
log = json.load(sys.stdin)
writes = collections.Counter(entry["method"] for entry in log if entry["method"] != "GET")
print("%d write call(s)%s of %d request(s)" % (sum(writes.values()),
      "".join(" %s %d" % item for item in sorted(writes.items())), len(log)))')"
  writes[$run]="${report%% *}"
  summaries+=("run $run: changed=${changed[$run]}, $report")
done

log "What is configured on zone $ZONE (read back from the emulator)"
control GET /state | "$PY" -c '
import hashlib, json, sys
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
zone = [z for z in json.load(sys.stdin)["zones"] if z["name"] == sys.argv[1]][0]
for cert in zone["certificates"]:
    der = x509.load_pem_x509_certificate(cert["certificate"].encode()).public_bytes(Encoding.DER)
    fingerprint = ":".join("%02x" % byte for byte in hashlib.sha256(der).digest())
    print("certificate %s  status %s  expires %s" % (cert["id"], cert["status"], cert["expires_on"]))
    print("  issuer %s  serial %s" % (cert["issuer"], cert["serial_number"]))
    print("  sha256 %s" % fingerprint)
print("tls_client_auth: %s" % zone["settings"]["tls_client_auth"]["value"])
for assoc in sorted(zone["associations"], key=lambda a: a["hostname"]):
    state = {True: "enabled", False: "disabled", None: "void"}[assoc["enabled"]]
    print("hostname %-18s %s  certificate %s  status %s" % (assoc["hostname"], state, assoc["cert_id"], assoc["status"]))
' "$ZONE"
printf '%s\n' "${summaries[@]}"

if [ "${changed[1]}" = 0 ] || [ "${changed[2]}" != 0 ] || [ "${writes[2]}" != 0 ]; then
  echo "FAILED: the first run must change something, the second nothing and without any write call" >&2
  exit 1
fi
log "Demo done: the second run changed nothing and sent no write call"
