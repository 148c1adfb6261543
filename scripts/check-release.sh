#!/usr/bin/env bash
# Release checks of the collection: what Galaxy and a platform team look at before they adopt a version.
#   bash scripts/check-release.sh            every check
#   bash scripts/check-release.sh docs lint  only the named checks (see CHECKS below)
# Works from any directory, offline (PyPI aside). Tools live in .venv/tools (requirements-release.txt); everything it
# writes lives under ${AOP_BUILD_DIR:-build/collections}-release, never in the checkout. Exits non-zero when any check
# fails; each check's output is kept in logs/ there and shown when it fails.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHECKS=(sanity-ignores changelog docs lint build importer install execution-environment)
[ $# -gt 0 ] && CHECKS=("$@")

# A tree of our own, beside the one scripts/test.sh uses: ansible-lint leaves .ansible/ in it, and a release
# rehearsal rewrites its changelog.
RELEASE_ROOT="${AOP_BUILD_DIR:-$REPO_ROOT/build/collections}-release"
COLLECTION_ROOT="$RELEASE_ROOT/tree"
COLLECTION_DIR="$COLLECTION_ROOT/ansible_collections/aop/cloudflare"
DIST_DIR="$RELEASE_ROOT/dist"
INSTALL_ROOT="$RELEASE_ROOT/installed"
INSTALLED_DIR="$INSTALL_ROOT/ansible_collections/aop/cloudflare"
LOG_DIR="$RELEASE_ROOT/logs"

main_python="$(find_main_python)" || exit 1
TOOLS_VENV="$(make_venv tools "$main_python" "$REPO_ROOT/requirements-release.txt")" || exit 1
PY="$TOOLS_VENV/bin/python"
# antsibull-docs and galaxy-importer call ansible-doc and ansible-lint by name.
export PATH="$TOOLS_VENV/bin:$PATH"
# Only the copy a check names may be seen: never one in ~/.ansible or in site-packages.
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false ANSIBLE_NOCOLOR=1 ANSIBLE_LOCAL_TEMP="$RELEASE_ROOT/tmp"
export ANSIBLE_COLLECTIONS_PATH="$COLLECTION_ROOT"

mkdir -p "$RELEASE_ROOT"
rm -rf "$LOG_DIR" "$RELEASE_ROOT/tmp" && mkdir -p "$LOG_DIR" "$RELEASE_ROOT/tmp"
build_collection_tree 2>/dev/null
VERSION="$("$PY" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["version"])' "$REPO_ROOT/galaxy.yml")"
TARBALL="$DIST_DIR/aop-cloudflare-$VERSION.tar.gz"

in_tree() { (cd "$COLLECTION_DIR" && "$@"); }
fail() { echo "FAILED: $*"; return 1; }
# Names of the collection's modules and roles, one a line (from the copy, so in-progress files count).
module_names() { local f; for f in "$COLLECTION_DIR"/plugins/modules/*.py; do f="${f##*/}"; [ "$f" = __init__.py ] || echo "${f%.py}"; done; }
role_names() { local d; for d in "$COLLECTION_DIR"/roles/*/; do [ -d "$d" ] && basename "$d"; done; return 0; }

# ansible-test sanity must pass on its own: an ignore entry hides a failure instead of fixing it.
check_sanity-ignores() {
  local f bad=0
  for f in "$REPO_ROOT"/tests/sanity/ignore-*.txt; do
    [ -e "$f" ] || continue
    if grep -qv '^[[:space:]]*\(#.*\)\?$' "$f"; then echo "$f has entries:"; grep -v '^[[:space:]]*\(#.*\)\?$' "$f"; bad=1; fi
  done
  [ "$bad" -eq 0 ] && echo "no tests/sanity/ignore-*.txt entries"
}

check_changelog() {
  [ -f "$COLLECTION_DIR/changelogs/config.yaml" ] || fail "changelogs/config.yaml is missing (it also turns on the changelog sanity test)" || return
  in_tree antsibull-changelog lint -v || fail "a changelog fragment is malformed" || return
  in_tree antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml || fail "changelogs/changelog.yaml is malformed" || return
  # CHANGELOG.rst is generated: it must be what changelog.yaml gives.
  in_tree antsibull-changelog generate || fail "antsibull-changelog generate failed" || return
  diff -u "$REPO_ROOT/CHANGELOG.rst" "$COLLECTION_DIR/CHANGELOG.rst" || \
    fail "CHANGELOG.rst is out of date: run antsibull-changelog generate" || return
  # Every module and role must be in the changelog the tarball ships. When the galaxy.yml version is not released
  # yet, rehearse its release: pending fragments, modules and roles must fold in.
  if ! "$PY" -c 'import sys, yaml; sys.exit(sys.argv[2] not in (yaml.safe_load(open(sys.argv[1]))["releases"] or {}))' \
       "$COLLECTION_DIR/changelogs/changelog.yaml" "$VERSION"; then
    in_tree antsibull-changelog release --version "$VERSION" --reload-plugins || \
      fail "antsibull-changelog release $VERSION would fail" || return
  fi
  "$PY" - "$COLLECTION_DIR/changelogs/changelog.yaml" <<'PY' "$(module_names)" "$(role_names)" || return
import sys, yaml
releases = yaml.safe_load(open(sys.argv[1]))['releases'] or {}
known = {('module', m['name']) for r in releases.values() for m in r.get('modules', [])}
known |= {('role', o['name']) for r in releases.values() for o in r.get('objects', {}).get('role', [])}
wanted = {('module', n) for n in sys.argv[2].split()} | {('role', n) for n in sys.argv[3].split()}
missing = sorted(wanted - known)
for kind, name in missing:
    print('FAILED: %s %s is in no release of changelogs/changelog.yaml: give it version_added and run '
          '"antsibull-changelog release --version <version> --update-existing --reload-plugins"' % (kind, name))
print('changelog covers %d modules and roles' % len(wanted & known))
sys.exit(1 if missing else 0)
PY
}

check_docs() {
  in_tree antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs all \
    --disallow-unknown-collection-refs --check-extra-docs-refs . || fail "antsibull-docs found documentation errors" || return
  local modules roles
  read -ra modules <<<"$(module_names | sed 's/^/aop.cloudflare./' | tr '\n' ' ')"
  read -ra roles <<<"$(role_names | sed 's/^/aop.cloudflare./' | tr '\n' ' ')"
  ansible-doc -t module --json "${modules[@]}" > "$RELEASE_ROOT/tmp/modules.json" || fail "ansible-doc failed on a module" || return
  echo '{}' > "$RELEASE_ROOT/tmp/roles.json"
  if [ "${#roles[@]}" -gt 0 ]; then
    ansible-doc -t role --json "${roles[@]}" > "$RELEASE_ROOT/tmp/roles.json" || fail "ansible-doc -t role failed" || return
  fi
  # What antsibull-docs does not enforce: our own rules for module and role docs (STYLE.md).
  "$PY" - "$RELEASE_ROOT/tmp/modules.json" "$RELEASE_ROOT/tmp/roles.json" "$COLLECTION_DIR/README.md" <<'PY'
import json, re, sys
problems = []
modules = json.load(open(sys.argv[1]))
roles = json.load(open(sys.argv[2]))
readme = open(sys.argv[3]).read()

def texts(node):
    """Every string in a documentation tree."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from texts(value)

def names(options):
    for name, spec in (options or {}).items():
        yield name
        yield from names(spec.get('suboptions') or spec.get('options'))


for fqcn, data in sorted(modules.items()):
    if '`%s`' % fqcn not in readme:
        problems.append('%s: the README does not name it' % fqcn)
    doc = data['doc']
    attributes = doc.get('attributes') or {}
    for attribute in ('check_mode', 'diff_mode', 'idempotent'):
        if 'support' not in attributes.get(attribute, {}):
            problems.append('%s: attributes.%s.support is missing' % (fqcn, attribute))
    # Nested return keys repeat Cloudflare's field names, which C() rightly marks as API fields.
    options, values = set(names(doc.get('options'))), set(data.get('return') or {})
    everything = list(texts(doc)) + list(texts(data.get('return')))
    if not any(re.search(r'\bO\(', t) for t in everything):
        problems.append('%s: no O() reference to its options: use semantic markup' % fqcn)
    for text in everything:
        # Old markup for an option or return value: it should be O() or RV().
        for match in re.finditer(r'\b[CI]\(([a-z_][a-z0-9_.]*)(=[^)]*)?\)', text):
            name = match.group(1)
            if name in options:
                problems.append('%s: %s names an option: write O(%s)' % (fqcn, match.group(0), name))
            elif name in values and name not in options:
                problems.append('%s: %s names a return value: write RV(%s)' % (fqcn, match.group(0), name))
        for match in re.finditer(r'\bM\(([^)]*)\)', text):
            if match.group(1).count('.') < 2:
                problems.append('%s: %s is not a FQCN' % (fqcn, match.group(0)))
    for task in re.findall(r'^  ([a-z_][a-z0-9_.]*):', data.get('examples') or '', re.M):
        if task not in ('name', 'register', 'when', 'loop', 'vars', 'delegate_to', 'run_once', 'check_mode',
                        'diff', 'become', 'tags', 'no_log', 'notify', 'changed_when', 'failed_when', 'until',
                        'retries', 'delay', 'environment', 'module_defaults', 'ignore_errors') and task.count('.') < 2:
            problems.append('%s: EXAMPLES call %s by its short name: use its FQCN' % (fqcn, task))
for fqcn, data in sorted(roles.items()):
    main = (data.get('entry_points') or {}).get('main')
    if not main:
        problems.append('%s: meta/argument_specs.yml has no main entry point' % fqcn)
        continue
    for key in ('short_description', 'options', 'version_added'):
        if not main.get(key):
            problems.append('%s: the main entry point has no %s' % (fqcn, key))
    for option in main.get('options') or {}:
        if '`%s`' % option not in readme:
            problems.append('%s: the README does not describe its variable %s' % (fqcn, option))
print('\n'.join(problems) or 'module and role docs: %d modules, %d roles checked' % (len(modules), len(roles)))
sys.exit(1 if problems else 0)
PY
}

# ansible-lint on the copy, whose ansible_collections/ parent is on the collections path: offline, ansible-lint does
# not install the project as a collection by itself, and its syntax check needs our FQCNs resolved. It leaves its
# .ansible/ in the copy, not in the checkout where ansible-test sanity would trip over it.
check_lint() {
  in_tree env ANSIBLE_COLLECTIONS_PATH="$COLLECTION_ROOT" ansible-lint --nocolor --offline || \
    fail "ansible-lint (profile production, .ansible-lint) found problems"
}

# The tarball is built from the checkout as a maintainer would, so build_ignore must keep out everything a working
# tree gathers (venvs, build/, test output, .ansible/).
check_build() {
  rm -rf "$DIST_DIR" && mkdir -p "$DIST_DIR"
  ansible-galaxy collection build "$REPO_ROOT" --output-path "$DIST_DIR" || fail "ansible-galaxy collection build failed" || return
  [ -f "$TARBALL" ] || fail "$TARBALL was not built" || return
  "$PY" - "$TARBALL" <<'PY'
import re, sys, tarfile
allowed_top = {'MANIFEST.json', 'FILES.json', 'README.md', 'LICENSE', 'CHANGELOG.rst', 'bindep.txt',
               'requirements.txt', 'changelogs', 'docs', 'meta', 'playbooks', 'plugins', 'roles', 'tests'}
forbidden = [
    (r'(^|/)\.ansible(/|$)', 'ansible-lint cache'), (r'(^|/)\.venv', 'virtual environment'),
    (r'(^|/)(bin/activate|pyvenv\.cfg)$', 'virtual environment'), (r'^build(/|$)', 'build output'),
    (r'^\.ci(/|$)', 'CI scripts'), (r'^\.git(/|$)', 'git data'), (r'^tests/output(/|$)', 'ansible-test output'),
    (r'^tests/integration/(inventory|integration_config\.yml)$', 'ansible-test output'),
    (r'(^|/)(__pycache__|\.pytest_cache|\.mypy_cache|\.tox)(/|$)', 'cache'), (r'\.(pyc|retry|tar\.gz)$', 'artifact'),
    (r'\.(key|pem|p12|pfx|jks|crt|csr)$', 'key or certificate file'), (r'(^|/)id_(rsa|dsa|ecdsa|ed25519)', 'SSH key'),
    (r'(^|/)\.env$|(^|/)\.netrc$|vault[^/]*\.ya?ml$', 'secrets file'),
]
# A PEM private key with a body, in a file or escaped in JSON; an error message that names the header is fine.
key_block = re.compile(rb'-----BEGIN [A-Z ]*PRIVATE KEY-----(\\n|\r?\n)[A-Za-z0-9+/=]{40,}')
token_assignment = re.compile(rb'(CLOUDFLARE_API_(TOKEN|KEY)|api_(token|key))["\']?\s*[:=]\s*["\']?[A-Za-z0-9_-]{37,}')
problems = []
with tarfile.open(sys.argv[1]) as tar:
    members = tar.getmembers()
    for member in members:
        name = member.name
        if name.split('/')[0] not in allowed_top:
            problems.append('%s: not part of the collection (add it to build_ignore, or to this list)' % name)
        for pattern, what in forbidden:
            if re.search(pattern, name):
                problems.append('%s: %s' % (name, what))
        if member.isfile():
            content = tar.extractfile(member).read()
            if key_block.search(content):
                problems.append('%s: holds a private key' % name)
            if token_assignment.search(content):
                problems.append('%s: holds what looks like a Cloudflare credential' % name)
for line in problems:
    print('FAILED: ' + line)
print('%s: %d members, %d problems' % (sys.argv[1].rsplit('/', 1)[-1], len(members), len(problems)))
sys.exit(1 if problems else 0)
PY
}

# galaxy-importer without containers: ansible-test (which needs one) off, everything else (ansible-doc, ansible-lint,
# README, changelog and metadata checks) on. Any ERROR fails the check.
check_importer() {
  [ -f "$TARBALL" ] || fail "no tarball: run the build check first" || return
  local dir="$RELEASE_ROOT/importer"
  rm -rf "$dir" && mkdir -p "$dir/tmp"
  cat > "$dir/galaxy-importer.cfg" <<EOF
[galaxy-importer]
RUN_ANSIBLE_TEST = False
ANSIBLE_TEST_LOCAL_IMAGE = False
LOCAL_IMAGE_DOCKER = False
RUN_ANSIBLE_DOC = True
RUN_ANSIBLE_LINT = True
OFFLINE_ANSIBLE_LINT = True
CHECK_CHANGELOG = True
ANSIBLE_LOCAL_TMP = $dir/tmp
TMP_ROOT_DIR = $dir/tmp
EOF
  (cd "$dir" && GALAXY_IMPORTER_CONFIG="$dir/galaxy-importer.cfg" "$PY" -m galaxy_importer.main "$TARBALL") \
    > "$dir/output.txt" 2>&1
  local rc=$?
  cat "$dir/output.txt"
  [ "$rc" -eq 0 ] || fail "galaxy-importer exited $rc (an import Galaxy would refuse: fix what its ERROR line names)" || return
  [ -s "$dir/importer_result.json" ] || fail "galaxy-importer wrote no importer_result.json" || return
  if grep -q '^ERROR' "$dir/output.txt"; then fail "galaxy-importer reported errors"; return; fi
  echo "galaxy-importer: no errors, $(grep -c '^WARNING' "$dir/output.txt") warnings"
}

# What a user gets: the tarball installed into an empty collections path, used by FQCN.
check_install() (
  [ -f "$TARBALL" ] || fail "no tarball: run the build check first" || return
  rm -rf "$INSTALL_ROOT" && mkdir -p "$INSTALL_ROOT"
  # The installed copy is the only one Ansible sees here (the function runs in a subshell).
  export ANSIBLE_COLLECTIONS_PATH="$INSTALL_ROOT"
  ansible-galaxy collection install --offline -p "$INSTALL_ROOT" "$TARBALL" || fail "installing the tarball failed" || return
  local name out playbook
  for name in $(module_names); do
    out="$(ansible-doc -t module "aop.cloudflare.$name")" || fail "ansible-doc aop.cloudflare.$name failed" || return
    grep -q '^OPTIONS' <<<"$out" && grep -q '^RETURN VALUES' <<<"$out" || \
      fail "ansible-doc aop.cloudflare.$name shows no options or return values" || return
    echo "ansible-doc aop.cloudflare.$name: $(wc -l <<<"$out") lines"
  done
  for name in $(role_names); do
    out="$(ansible-doc -t role "aop.cloudflare.$name")" || fail "ansible-doc -t role aop.cloudflare.$name failed" || return
    grep -q 'ENTRY POINT:.*main' <<<"$out" && grep -q "^[-= ]*${name}_" <<<"$out" || \
      fail "ansible-doc -t role aop.cloudflare.$name shows no argument specs" || return
    echo "ansible-doc -t role aop.cloudflare.$name: $(wc -l <<<"$out") lines"
  done
  for playbook in "$INSTALLED_DIR"/playbooks/*.yml; do
    [ -f "$playbook" ] || continue
    name="$(basename "$playbook" .yml)"
    ansible-playbook -i localhost, --syntax-check "aop.cloudflare.$name" || \
      fail "ansible-playbook --syntax-check aop.cloudflare.$name failed" || return
  done
  if [ ! -f "$INSTALLED_DIR/playbooks/demo.yml" ]; then
    echo "NOTE: no playbooks/demo.yml yet: its syntax check and run wait for it"; return 0
  fi
  run_installed_demo
)

# The installed demo playbook, by FQCN, against the emulator (from the checkout: the tarball does not need its
# starter scripts): twice, and the second run must change nothing.
run_installed_demo() {
  local work="$RELEASE_ROOT/demo" run changed
  rm -rf "$work" && mkdir -p "$work"
  "$PY" "$REPO_ROOT/scripts/make_demo_pki.py" "$work/pki" > /dev/null || fail "scripts/make_demo_pki.py failed" || return
  # The trap fires when check_install's subshell ends.
  trap stop_emulator EXIT
  start_emulator "$PY" "$work/emulator.json" --zone example.com --activation-seconds 0 || fail "the emulator did not start" || return
  CLOUDFLARE_BASE_URL="$(emulator_field "$work/emulator.json" base_url)"
  CLOUDFLARE_API_TOKEN="$(emulator_field "$work/emulator.json" api_token)"
  export CLOUDFLARE_BASE_URL CLOUDFLARE_API_TOKEN ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
  for run in 1 2; do
    ansible-playbook aop.cloudflare.demo -e "ansible_python_interpreter=$PY" -e "aop_demo_pki_dir=$work/pki" \
      > "$work/run$run.log" 2>&1 || { cat "$work/run$run.log"; fail "ansible-playbook aop.cloudflare.demo failed (run $run)"; return; }
    changed="$(sed -n 's/^localhost *:.* changed=\([0-9]*\).*/\1/p' "$work/run$run.log")"
    echo "ansible-playbook aop.cloudflare.demo from the installed tarball, run $run: changed=$changed"
  done
  [ "$changed" = 0 ] || { cat "$work/run2.log"; fail "the second run of aop.cloudflare.demo changed something"; }
}

# The collection's own EE metadata, read from the installed copy (so the files are surely in the tarball), and the
# example EE definition for users' images. Building an image needs a container engine, which is not here.
check_execution-environment() {
  [ -d "$INSTALLED_DIR" ] || fail "no installed copy: run the install check first" || return
  ansible-builder introspect --sanitize "$INSTALL_ROOT" > "$RELEASE_ROOT/tmp/introspect.yml" || \
    fail "ansible-builder introspect failed" || return
  cat "$RELEASE_ROOT/tmp/introspect.yml"
  "$PY" - "$RELEASE_ROOT/tmp/introspect.yml" "$INSTALLED_DIR" <<'PY' || return
import re, sys, yaml
found = yaml.safe_load(open(sys.argv[1]).read().split('\n', 1)[1])
def entries(path):
    lines = (line.split('#', 1)[0].strip() for line in open(path))
    return {re.split(r'[\s<>=!~\[;]', line, 1)[0].lower() for line in lines if line and not line.startswith('-')}
problems = []
for kind, path in (('python', 'requirements.txt'), ('system', 'bindep.txt')):
    got = {re.split(r'[\s<>=!~\[;]', item, 1)[0].lower() for item in found.get(kind) or []
           if item.endswith('# from collection aop.cloudflare')}
    wanted = entries('%s/%s' % (sys.argv[2], path))
    if got != wanted:
        problems.append('%s: introspect gives %s, %s lists %s' % (kind, sorted(got), path, sorted(wanted)))
print('\n'.join('FAILED: ' + p for p in problems) or 'introspect: python and system requirements match')
sys.exit(1 if problems else 0)
PY
  local context="$RELEASE_ROOT/ee-context"
  rm -rf "$context"
  ansible-builder create -f "$REPO_ROOT/examples/execution-environment.yml" -c "$context" \
    --output-filename Containerfile || fail "ansible-builder create failed on examples/execution-environment.yml" || return
  grep -q 'ansible-galaxy collection install' "$context/Containerfile" && \
    grep -q 'aop.cloudflare' "$context/_build/requirements.yml" || \
    fail "the build context does not install aop.cloudflare" || return
  echo "ansible-builder create: $context/Containerfile"
}

passed=0 failed=0 summary=()
for check in "${CHECKS[@]}"; do
  if ! declare -F "check_$check" >/dev/null; then echo "Unknown check: $check (known: ${CHECKS[*]})" >&2; exit 2; fi
  log "Release check $check"
  start=$SECONDS
  "check_$check" > "$LOG_DIR/$check.log" 2>&1
  rc=$?
  took=$((SECONDS - start))
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1)); summary+=("PASS  $check (${took}s)")
    grep -E '^(FAILED|NOTE|galaxy-importer:|changelog covers|module and role docs|introspect:|aop-cloudflare|ansible-doc|ansible-playbook|playbook:|Passed:)' \
      "$LOG_DIR/$check.log" >&2
  else
    failed=$((failed + 1)); summary+=("FAIL  $check (${took}s, exit $rc)")
    tail -n 80 "$LOG_DIR/$check.log" >&2
  fi
done

printf '\n==> Release checks (logs in %s)\n' "$LOG_DIR"
printf '%s\n' "${summary[@]}"
echo "release checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
