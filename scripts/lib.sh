# shellcheck shell=bash
# Shared by scripts/demo.sh, scripts/benchmark.sh and scripts/test.sh: find Python, build the virtual environments and
# the collection tree, install nginx.
# Sourced, not run. Everything it makes lives under .venv/ and build/ in the repository (both git-ignored).

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV_ROOT="$REPO_ROOT/.venv"
COLLECTION_ROOT="${AOP_BUILD_DIR:-$REPO_ROOT/build/collections}"  # AOP_BUILD_DIR: a copy of its own for a parallel run
COLLECTION_DIR="$COLLECTION_ROOT/ansible_collections/aop/cloudflare"
# The exact versions the checks and the demo install (pip reads it as PIP_CONSTRAINT); see scripts/pins.py.
PINS="$REPO_ROOT/tests/constraints.txt"

log() { printf '\n==> %s\n' "$*" >&2; }

# find_python 3.11 -> path of an interpreter of exactly that version, or nothing.
find_python() {
  local want="$1" candidate
  for candidate in "python$want" python3; do
    if command -v "$candidate" >/dev/null 2>&1 && \
       "$candidate" -c "import sys; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '$want' else 1)" 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  # pyenv keeps inactive versions out of PATH; look where it installs them.
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/"$want".*/bin/python"$want"; do
      [ -x "$candidate" ] && { echo "$candidate"; return 0; }
    done
  fi
  return 1
}

# The oldest Python from 3.11 on this machine (ansible-core 2.19's), for the main environment.
find_main_python() {
  local version
  for version in 3.11 3.12 3.13 3.14; do find_python "$version" && return 0; done
  echo "No Python 3.11 or newer found: install python3 (3.11+) first." >&2
  return 1
}

# ansible-core line that supports a given Python as controller.
ansible_core_for() {
  case "$1" in
    3.11) echo 'ansible-core>=2.19,<2.20' ;;
    *) echo 'ansible-core>=2.21,<2.22' ;;
  esac
}

# requirement_files FILE... -> the files and, recursively, those they include with "-r" (relative to each file).
requirement_files() {
  local file included
  for file in "$@"; do
    echo "$file"
    while read -r included; do
      requirement_files "$(dirname "$file")/$included"
    done < <(sed -n 's/^-r[[:space:]]*//p' "$file")
  done
}

# Debian's own python3 creates virtual environments only with its pythonX.Y-venv package (ensurepip lives there).
ensure_venv_support() {
  local python="$1" version="$2"
  "$python" -c 'import ensurepip, venv' 2>/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "Installing python$version-venv from Debian's packages (venv needs it)"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python$version-venv" >&2 && return 0
  fi
  echo "Python $version cannot create virtual environments here: run 'sudo apt-get install python$version-venv', then again." >&2
  return 1
}

# A real TLS origin for tests/e2e/test_origin.py: Debian's nginx, installed when missing and we may (root with apt-get).
# The package does not start a service here, and the tests only ever run their own nginx; never start or stop the
# system one. Without nginx those tests skip (and fail when CI=true).
ensure_nginx() {
  command -v nginx >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "Installing nginx from Debian's packages (the origin of tests/e2e/test_origin.py)"
    local start=$SECONDS
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null
    local rc=$?
    echo "nginx install took $((SECONDS - start))s" >&2
    return "$rc"
  fi
  echo "nginx is not installed and cannot be installed here (needs root and apt-get): the origin tests will skip" >&2
  return 0
}

# make_venv NAME PYTHON REQUIREMENTS... -> $VENV_ROOT/NAME with ansible-core and the requirements at the versions of
# $PINS; reuses it when the inputs did not change (a stamp holds their checksum).
make_venv() {
  local name="$1" python="$2"; shift 2
  local venv="$VENV_ROOT/$name" version core stamp
  version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  core="$(ansible_core_for "$version")"
  stamp="$( (requirement_files "$@"; echo "$PINS") | xargs cat | sha256sum | cut -c1-16)-$version-$core"
  if [ -f "$venv/.stamp" ] && [ "$(cat "$venv/.stamp")" = "$stamp" ]; then
    echo "$venv"; return 0
  fi
  log "Creating $venv (Python $version, $core)"
  ensure_venv_support "$python" "$version" || return 1
  rm -rf "$venv"
  "$python" -m venv "$venv" >&2
  local args=() req
  for req in "$@"; do args+=(-r "$req"); done
  # The venv's own pip (from the Python's ensurepip), not the newest: the result should not depend on the day.
  PIP_CONSTRAINT="$PINS" "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$core" "${args[@]}" >&2
  echo "$stamp" > "$venv/.stamp"
  echo "$venv"
}

# A fresh copy of the tracked (and not ignored) files at the path ansible-test needs; it refuses symlinks.
build_collection_tree() {
  log "Copying the collection to $COLLECTION_DIR"
  rm -rf "$COLLECTION_ROOT"
  mkdir -p "$COLLECTION_DIR"
  (cd "$REPO_ROOT" && git ls-files -z --cached --others --exclude-standard | \
    tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$COLLECTION_DIR"
  # ansible-test lists a collection's files with git when it sits in a work tree; its own repo keeps it from seeing
  # the (ignored) copy through the checkout's.
  (cd "$COLLECTION_DIR" && git init -q && git add -A && \
    git -c user.name=build -c user.email=build@localhost commit -qm copy --no-gpg-sign)
}
