# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The work of noxfile.py's custom sessions, run with the session's Python (its venv's tools are beside it).

    python scripts/nox_tasks.py integration COLLECTION_DIR [ansible-test args]
    python scripts/nox_tasks.py changelog COLLECTION_DIR CHECKOUT_CHANGELOG_RST
    python scripts/nox_tasks.py docs COLLECTION_DIR README
    python scripts/nox_tasks.py package CHECKOUT WORKDIR

Each prints what it checked and exits non-zero with FAILED lines when a check fails.
"""

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PYTHON_VERSION = '%d.%d' % sys.version_info[:2]
# Task names an EXAMPLES block may use besides module FQCNs.
TASK_KEYWORDS = frozenset(
    'name register when loop vars delegate_to run_once check_mode diff become tags no_log notify changed_when failed_when until retries delay '
    'environment module_defaults ignore_errors'.split()
)


class Failed(Exception):
    """A check failed; the message says what to fix."""


def run(*command, cwd=None, env=None, capture=False):
    """Run a tool of this venv (or git); raise Failed with its output when it fails."""
    tool = BIN / command[0]
    argv = [str(tool) if tool.exists() else command[0], *command[1:]]
    result = subprocess.run(argv, cwd=cwd, env={**os.environ, **(env or {})}, check=False, text=True, capture_output=capture)
    if result.returncode != 0:
        raise Failed('%s exited %d%s' % (' '.join(command[:3]), result.returncode, ('\n' + result.stdout + result.stderr) if capture else ''))
    if capture and result.stderr:
        # Only stdout is returned (callers parse it); a warning on stderr is still worth seeing.
        sys.stderr.write(result.stderr)
    return result.stdout


@contextlib.contextmanager
def emulator(workdir, *args):
    """The Cloudflare API emulator on a free loopback port; yields its first line (base_url, credentials, zones)."""
    log = (workdir / 'emulator.log').open('w', encoding='utf-8')
    with log, subprocess.Popen(
        [sys.executable, str(REPO_ROOT / 'tests' / 'emulator' / 'server.py'), '--port', '0', *args], stdout=subprocess.PIPE, stderr=log, text=True
    ) as process:
        assert process.stdout is not None  # stdout=PIPE
        try:
            line = process.stdout.readline()
            if not line:
                raise Failed('the emulator did not start: %s' % (workdir / 'emulator.log').read_text(encoding='utf-8'))
            yield json.loads(line)
        finally:
            process.terminate()
            process.wait(timeout=10)


def make_pki(directory, *clients):
    run('python', str(REPO_ROOT / 'scripts' / 'make_demo_pki.py'), str(directory), *(arg for client in clients for arg in ('--client', client)), capture=True)


def integration(args):
    """ansible-test integration in the collection copy, against one emulator with one zone per target."""
    collection = Path(args.collection).resolve()
    workdir = collection.parent.parent.parent.parent / 'integration'
    workdir.mkdir(exist_ok=True)
    make_pki(workdir / 'pki', 'client-a', 'client-b', 'client-c')
    # The variables of tests/integration/integration_config.yml.cloudflare-template; each target has its own zone.
    target_zones = {'hostname_client_cert': 'example.net', 'zone_tls_client_auth': 'example.org', 'hostname_aop': 'example.io', 'info_modules': 'example.info'}
    zones = ('example.com', *target_zones.values())
    with emulator(workdir, '--activation-seconds', '1', *(arg for zone in zones for arg in ('--zone', zone))) as info:
        config = {
            'cloudflare_base_url': info['base_url'],
            'cloudflare_api_token': info['api_token'],
            'cloudflare_api_key': info['api_key'],
            'cloudflare_api_email': info['api_email'],
            'cloudflare_zone': 'example.com',
            'cloudflare_target_zones': target_zones,
            'aop_test_pki_dir': str(workdir / 'pki'),
        }
        (collection / 'tests' / 'integration' / 'integration_config.yml').write_text(json.dumps(config, indent=2), encoding='utf-8')
        # ansible-test and the playbooks must find this venv's Python first, never a pyenv shim.
        env = {'PATH': '%s%s%s' % (BIN, os.pathsep, os.environ['PATH'])}
        # The targets are `unsupported` (they need an API with a zone they may change): the emulator is one.
        run('ansible-test', 'integration', '--python', PYTHON_VERSION, '--color', 'no', '--allow-unsupported', *args.ansible_test_args, cwd=collection, env=env)
    return 'ansible-test integration passed'


def names(collection, kind):
    if kind == 'module':
        return sorted(path.stem for path in (collection / 'plugins' / 'modules').glob('*.py') if path.stem != '__init__')
    roles = collection / 'roles'
    return sorted(path.name for path in roles.iterdir() if path.is_dir()) if roles.is_dir() else []


def changelog(args):
    """Fragments and changelog.yaml lint, CHANGELOG.rst as generated, and every module and role in a release (rehearsed
    when the galaxy.yml version is not released yet)."""
    collection = Path(args.collection)
    run('antsibull-changelog', 'lint', '-v', cwd=collection, capture=True)
    run('antsibull-changelog', 'lint-changelog-yaml', 'changelogs/changelog.yaml', cwd=collection, capture=True)
    run('antsibull-changelog', 'generate', cwd=collection, capture=True)
    if (collection / 'CHANGELOG.rst').read_text(encoding='utf-8') != Path(args.checkout_changelog).read_text(encoding='utf-8'):
        raise Failed('CHANGELOG.rst is out of date: run antsibull-changelog generate')
    version = str(yaml.safe_load((collection / 'galaxy.yml').read_text(encoding='utf-8'))['version'])
    changelog_yaml = collection / 'changelogs' / 'changelog.yaml'
    if version not in (yaml.safe_load(changelog_yaml.read_text(encoding='utf-8'))['releases'] or {}):
        run('antsibull-changelog', 'release', '--version', version, '--reload-plugins', cwd=collection, capture=True)
    releases = (yaml.safe_load(changelog_yaml.read_text(encoding='utf-8'))['releases'] or {}).values()
    known = {('module', item['name']) for release in releases for item in release.get('modules', [])}
    known |= {('role', item['name']) for release in releases for item in release.get('objects', {}).get('role', [])}
    wanted = {(kind, name) for kind in ('module', 'role') for name in names(collection, kind)}
    missing = sorted(wanted - known)
    if missing:
        raise Failed(
            '\n'.join(
                '%s %s is in no release of changelogs/changelog.yaml: give it version_added and run '
                '"antsibull-changelog release --version <version> --update-existing --reload-plugins"' % item
                for item in missing
            )
        )
    return 'changelog lint passed, CHANGELOG.rst up to date, release %s covers %d modules and roles' % (version, len(wanted))


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


def option_names(options):
    for name, spec in (options or {}).items():
        yield name
        yield from option_names(spec.get('suboptions') or spec.get('options'))


def module_doc_problems(fqcn, data, readme):
    problems = []
    if '`%s`' % fqcn not in readme:
        problems.append('%s: the README does not name it' % fqcn)
    doc = data['doc']
    attributes = doc.get('attributes') or {}
    for attribute in ('check_mode', 'diff_mode', 'idempotent'):
        if 'support' not in attributes.get(attribute, {}):
            problems.append('%s: attributes.%s.support is missing' % (fqcn, attribute))
    # Nested return keys repeat Cloudflare's field names, which C() rightly marks as API fields.
    options, values = set(option_names(doc.get('options'))), set(data.get('return') or {})
    everything = list(texts(doc)) + list(texts(data.get('return')))
    if not any(re.search(r'\bO\(', text) for text in everything):
        problems.append('%s: no O() reference to its options: use semantic markup' % fqcn)
    for text in everything:
        # Old markup for an option or return value: it should be O() or RV().
        for match in re.finditer(r'\b[CI]\(([a-z_][a-z0-9_.]*)(=[^)]*)?\)', text):
            name = match.group(1)
            if name in options:
                problems.append('%s: %s names an option: write O(%s)' % (fqcn, match.group(0), name))
            elif name in values:
                problems.append('%s: %s names a return value: write RV(%s)' % (fqcn, match.group(0), name))
        for match in re.finditer(r'\bM\(([^)]*)\)', text):
            if match.group(1).count('.') < 2:
                problems.append('%s: %s is not a FQCN' % (fqcn, match.group(0)))
    for task in re.findall(r'^  ([a-z_][a-z0-9_.]*):', data.get('examples') or '', re.M):
        if task not in TASK_KEYWORDS and task.count('.') < 2:
            problems.append('%s: EXAMPLES call %s by its short name: use its FQCN' % (fqcn, task))
    return problems


def role_doc_problems(fqcn, data, readme):
    entry = (data.get('entry_points') or {}).get('main')
    if not entry:
        return ['%s: meta/argument_specs.yml has no main entry point' % fqcn]
    problems = ['%s: the main entry point has no %s' % (fqcn, key) for key in ('short_description', 'options', 'version_added') if not entry.get(key)]
    problems.extend(
        '%s: the README does not describe its variable %s' % (fqcn, option) for option in entry.get('options') or {} if '`%s`' % option not in readme
    )
    return problems


def ansible_doc_json(collection, kind):
    """ansible-doc --json of every module or role of the collection (ANSIBLE_COLLECTIONS_PATH must find it), parsed
    from ansible-doc's stdout alone: its stderr may hold warnings (shown), never data."""
    fqcns = ['aop.cloudflare.' + name for name in names(collection, kind)]
    return json.loads(run('ansible-doc', '-t', kind, '--json', *fqcns, capture=True)) if fqcns else {}


def docs(args):
    """What antsibull-docs does not enforce: our own rules for module and role docs (STYLE.md), from ansible-doc --json."""
    collection = Path(args.collection)
    modules, roles = ansible_doc_json(collection, 'module'), ansible_doc_json(collection, 'role')
    readme = Path(args.readme).read_text(encoding='utf-8')
    problems = [problem for fqcn, data in sorted(modules.items()) for problem in module_doc_problems(fqcn, data, readme)]
    problems += [problem for fqcn, data in sorted(roles.items()) for problem in role_doc_problems(fqcn, data, readme)]
    if problems:
        raise Failed('\n'.join(problems))
    return 'module and role docs: %d modules, %d roles checked' % (len(modules), len(roles))


ALLOWED_TOP = frozenset(
    {'MANIFEST.json', 'FILES.json', 'README.md', 'SECURITY.md', 'LICENSE', 'CHANGELOG.rst', 'bindep.txt', 'requirements.txt'}
    | {'changelogs', 'docs', 'meta', 'playbooks', 'plugins', 'roles', 'tests'}
)
FORBIDDEN_MEMBERS = [
    (r'(^|/)\.ansible(/|$)', 'ansible-lint cache'),
    (r'(^|/)\.venv|(^|/)\.nox(/|$)', 'virtual environment'),
    (r'(^|/)(bin/activate|pyvenv\.cfg)$', 'virtual environment'),
    (r'^build(/|$)', 'build output'),
    (r'^\.ci(/|$)', 'CI scripts'),
    (r'^\.git(/|$)', 'git data'),
    (r'^(noxfile\.py|antsibull-nox\.toml|pyproject\.toml)$', 'test tooling'),
    (r'^tests/output(/|$)', 'ansible-test output'),
    (r'^tests/integration/(inventory|integration_config\.yml)$', 'ansible-test output'),
    (r'(^|/)(__pycache__|\.pytest_cache|\.mypy_cache|\.ruff_cache|\.tox)(/|$)', 'cache'),
    (r'\.(pyc|retry|tar\.gz)$', 'artifact'),
    (r'\.(key|pem|p12|pfx|jks|crt|csr)$', 'key or certificate file'),
    (r'(^|/)id_(rsa|dsa|ecdsa|ed25519)', 'SSH key'),
    (r'(^|/)\.env$|(^|/)\.netrc$|vault[^/]*\.ya?ml$', 'secrets file'),
]
# A PEM private key with a body, in a file or escaped in JSON; an error message that names the header is fine.
KEY_BLOCK = re.compile(rb'-----BEGIN [A-Z ]*PRIVATE KEY-----(\\n|\r?\n)[A-Za-z0-9+/=]{40,}')
TOKEN_ASSIGNMENT = re.compile(rb'(CLOUDFLARE_API_(TOKEN|KEY)|api_(token|key))["\']?\s*[:=]\s*["\']?[A-Za-z0-9_-]{37,}')


def tarball_problems(tarball):
    """Members a release must not ship: anything outside the collection's layout, tooling, caches, keys, credentials."""
    problems = []
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            name = member.name
            if name.split('/')[0] not in ALLOWED_TOP:
                problems.append('%s: not part of the collection (add it to build_ignore, or to ALLOWED_TOP)' % name)
            problems.extend('%s: %s' % (name, what) for pattern, what in FORBIDDEN_MEMBERS if re.search(pattern, name))
            if member.isfile():
                extracted = tar.extractfile(member)
                content = extracted.read() if extracted else b''
                if KEY_BLOCK.search(content):
                    problems.append('%s: holds a private key' % name)
                if TOKEN_ASSIGNMENT.search(content):
                    problems.append('%s: holds what looks like a Cloudflare credential' % name)
        return problems, len(tar.getmembers())


def installed_demo(workdir, installed_root):
    """The installed demo playbook, by FQCN, against the emulator, twice: the second run must change nothing."""
    make_pki(workdir / 'pki')
    with emulator(workdir, '--zone', 'example.com', '--activation-seconds', '0') as info:
        env = {
            'ANSIBLE_COLLECTIONS_PATH': str(installed_root),
            'CLOUDFLARE_BASE_URL': info['base_url'],
            'CLOUDFLARE_API_TOKEN': info['api_token'],
            'ANSIBLE_LOCALHOST_WARNING': 'false',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
        }
        extra_vars = ['-e', 'ansible_python_interpreter=%s' % sys.executable, '-e', 'aop_demo_pki_dir=%s' % (workdir / 'pki')]
        changed = []
        for attempt in ('first', 'second'):
            output = run('ansible-playbook', 'aop.cloudflare.demo', *extra_vars, env=env, capture=True)
            recap = re.search(r'^localhost\s*:.*changed=(\d+)', output, re.M)
            if not recap:
                raise Failed('the %s run of aop.cloudflare.demo printed no recap:\n%s' % (attempt, output))
            changed.append(recap.group(1))
    if changed[1] != '0':
        raise Failed('the second run of aop.cloudflare.demo changed something (changed=%s)' % changed[1])
    return 'ansible-playbook aop.cloudflare.demo from the installed tarball: changed=%s, then changed=%s' % tuple(changed)


def requirement_names(lines):
    return {re.split(r'[\s<>=!~\[;]', line, maxsplit=1)[0].lower() for line in lines if line and not line.startswith('-')}


def execution_environment(workdir, installed_root, installed):
    """ansible-builder introspect on the installed copy gives our requirements.txt and bindep.txt; create on the example."""
    found = yaml.safe_load(run('ansible-builder', 'introspect', '--sanitize', str(installed_root), capture=True).split('\n', 1)[1])
    for kind, path in (('python', 'requirements.txt'), ('system', 'bindep.txt')):
        got = requirement_names([item for item in found.get(kind) or [] if item.endswith('# from collection aop.cloudflare')])
        wanted = requirement_names([line.split('#', 1)[0].strip() for line in (installed / path).read_text(encoding='utf-8').splitlines()])
        if got != wanted:
            raise Failed('%s: introspect gives %s, %s lists %s' % (kind, sorted(got), path, sorted(wanted)))
    context = workdir / 'ee-context'
    run(
        'ansible-builder',
        'create',
        '-f',
        str(REPO_ROOT / 'examples' / 'execution-environment.yml'),
        '-c',
        str(context),
        '--output-filename',
        'Containerfile',
        capture=True,
    )
    if 'ansible-galaxy collection install' not in (context / 'Containerfile').read_text(encoding='utf-8') or 'aop.cloudflare' not in (
        context / '_build' / 'requirements.yml'
    ).read_text(encoding='utf-8'):
        raise Failed('the build context of examples/execution-environment.yml does not install aop.cloudflare')
    return 'ansible-builder introspect: python and system requirements match; create: %s' % (context / 'Containerfile')


def package(args):
    """What a user gets: the tarball (built from the checkout, so build_ignore counts), installed into an empty
    collections path and used by FQCN."""
    workdir = Path(args.workdir)
    dist, installed_root = workdir / 'dist', workdir / 'installed'
    version = yaml.safe_load((Path(args.checkout) / 'galaxy.yml').read_text(encoding='utf-8'))['version']
    tarball = dist / ('aop-cloudflare-%s.tar.gz' % version)
    run('ansible-galaxy', 'collection', 'build', str(args.checkout), '--output-path', str(dist), '--force', capture=True)
    problems, members = tarball_problems(tarball)
    if problems:
        raise Failed('\n'.join(problems))
    report = ['%s: %d members, none unexpected' % (tarball.name, members)]
    env = {'ANSIBLE_COLLECTIONS_PATH': str(installed_root)}
    run('ansible-galaxy', 'collection', 'install', '--offline', '--force', '-p', str(installed_root), str(tarball), env=env, capture=True)
    installed = installed_root / 'ansible_collections' / 'aop' / 'cloudflare'
    for kind in ('module', 'role'):
        for name in names(installed, kind):
            text = run('ansible-doc', '-t', kind, 'aop.cloudflare.' + name, env=env, capture=True)
            shown = ('OPTIONS' in text and 'RETURN VALUES' in text) if kind == 'module' else ('ENTRY POINT' in text and name + '_' in text)
            if not shown:
                raise Failed('ansible-doc -t %s aop.cloudflare.%s shows no options or return values' % (kind, name))
            report.append('ansible-doc -t %s aop.cloudflare.%s: %d lines' % (kind, name, len(text.splitlines())))
    for playbook in sorted((installed / 'playbooks').glob('*.yml')):
        run('ansible-playbook', '-i', 'localhost,', '--syntax-check', 'aop.cloudflare.' + playbook.stem, env=env, capture=True)
        report.append('ansible-playbook --syntax-check aop.cloudflare.%s' % playbook.stem)
    report.append(installed_demo(workdir, installed_root))
    report.append(execution_environment(workdir, installed_root, installed))
    return '\n'.join(report)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest='command', required=True)
    command = commands.add_parser('integration')
    command.add_argument('collection')
    command.add_argument('ansible_test_args', nargs=argparse.REMAINDER)
    command = commands.add_parser('changelog')
    command.add_argument('collection')
    command.add_argument('checkout_changelog')
    command = commands.add_parser('docs')
    command.add_argument('collection')
    command.add_argument('readme')
    command = commands.add_parser('package')
    command.add_argument('checkout')
    command.add_argument('workdir')
    args = parser.parse_args()
    try:
        print(globals()[args.command](args))
    except Failed as error:
        print('FAILED: ' + str(error).replace('\n', '\nFAILED: '))
        sys.exit(1)


if __name__ == '__main__':
    main()
