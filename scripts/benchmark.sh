#!/usr/bin/env bash
# Speed figures (API calls, writes, seconds, ratios) of hostname_aop against one-hostname-per-call; see benchmark.py.
#   bash scripts/benchmark.sh [--hostnames 100] [--latency-ms 50]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
venv="$(make_venv main "$(find_main_python)" "$REPO_ROOT/requirements-dev.txt")"
build_collection_tree
ANSIBLE_COLLECTIONS_PATH="$COLLECTION_ROOT" exec "$venv/bin/python" "$REPO_ROOT/scripts/benchmark.py" "$@"
