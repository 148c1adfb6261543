#!/usr/bin/env bash
# Speed figures (seconds, API calls, writes, 429s, budget share) of the per_hostname_aop role against the emulator; see benchmark.py.
#   bash scripts/benchmark.sh [--only a,b,c,d] [--hostnames 100] [--latency-ms 50] [--rate-limit 300] [--rate-window 30]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
venv="$(make_venv main "$(find_main_python)" "$REPO_ROOT/requirements-dev.txt")"
build_collection_tree
ANSIBLE_COLLECTIONS_PATH="$COLLECTION_ROOT" exec "$venv/bin/python" "$REPO_ROOT/scripts/benchmark.py" "$@"
