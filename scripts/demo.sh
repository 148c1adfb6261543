#!/usr/bin/env bash
# Command 1 of the README: the whole per-hostname AOP procedure against the local Cloudflare API emulator.
#   bash scripts/demo.sh
# Creates (or reuses) .venv/main and copies the collection to build/collections, then scripts/demo.py runs the role
# twice against the emulator (the second run must change nothing and send no write call). Needs only Python 3.11+.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
venv="$(make_venv main "$(find_main_python)" "$REPO_ROOT/requirements-dev.txt")"
build_collection_tree
ANSIBLE_COLLECTIONS_PATH="$COLLECTION_ROOT" exec "$venv/bin/python" "$REPO_ROOT/scripts/demo.py" "$@"
