# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Docs that run: every YAML example, run as written against the emulator, twice: the first run leaves the zone as
the example declares (EXPECTED), the second changes nothing.

The examples: every ```yaml fence of README.md and roles/*/README.md, the EXAMPLES of every module
(plugins/modules/*.py) and of every filter (plugins/filter/*.yml). Each is written verbatim to a playbook (a task list
becomes the tasks of one play for localhost without facts; a play is used as it is) and run with only what the docs
name beside it:

* CLOUDFLARE_BASE_URL and CLOUDFLARE_API_TOKEN (README.md, "Using the modules"); an example that reads
  vault_cloudflare_api_token gets no CLOUDFLARE_API_TOKEN but vault.yml beside the playbook, encrypted with
  ansible-vault, and ANSIBLE_VAULT_PASSWORD_FILE (README.md, the module_defaults example);
* the files under pki/ that the example names, made by scripts/make_demo_pki.py (pki/ca.crt is its CA);
* for a play of `webservers`, an inventory (README.md and the role's README: "variables of your inventory"): two web
  servers with their public_hostname and nginx_tls_dir, stood in for by this machine (local connection, no become:
  there is no sudo here, and the test writes nothing outside its directory).

Two YAML examples are not playbooks, and are checked as what they are: the requirements.yml of "Install" goes to
`ansible-galaxy collection install --offline` (the collection under test is installed: its version must satisfy the
range, and nothing is installed twice); the inventory layout of README.md is compared, file by file, with
examples/inventory-of-zones/, which tests/e2e/test_role_in_real_playbooks.py runs as it is. Shell, nginx and Apache
fences are not YAML and are not run.
"""

import ast
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from cryptography import x509

from .conftest import MAKE_PKI, REPO_ROOT, collections_root

DOCS = [Path('README.md')] + sorted(path.relative_to(REPO_ROOT) for path in REPO_ROOT.glob('roles/*/README.md'))
FENCE = re.compile(r'^( *)```yaml\n(.*?)^\1```', re.S | re.M)
LAYOUT_FILE = re.compile(r'^# (\S+\.yml)$', re.M)
# Every module and role of the collection calls the API, except the planner (no API call by design).
API_MODULE = re.compile(r'aop\.cloudflare\.(?!per_hostname_aop_plan\b)[a-z_]+')
PKI_FILE = re.compile(r'pki/([A-Za-z0-9_-]+)\.(?:crt|key)\b')
# Each example directory, and the test that runs it as it is.
EXAMPLE_DIRECTORIES = {
    REPO_ROOT / 'examples' / 'inventory-of-zones': ('test_role_in_real_playbooks.py', "'examples' / 'inventory-of-zones'"),
    REPO_ROOT / 'examples' / 'webservers': ('test_webservers_example.py', "'examples' / 'webservers'"),
}
VAULT_PASSWORD = 'docs-example-vault-password'


def zone(certificates=(), hostnames=None, tls_client_auth='off'):
    """What an example leaves on example.com: its live certificates (by their name in pki/), {hostname: (certificate
    name, enabled)} and tls_client_auth."""
    return {'certificates': sorted(certificates), 'hostnames': hostnames or {}, 'tls_client_auth': tls_client_auth}


def enabled(certificate, *hostnames):
    return dict.fromkeys(hostnames, (certificate, True))


UNTOUCHED = zone()
APP_AND_API = zone(['app-client'], enabled('app-client', 'app.example.com', 'api.example.com'))
# Read from each example by hand: a test that only ran them would pass an example that quietly does nothing.
EXPECTED = {
    'README.md#2': zone(['app-client'], enabled('app-client', 'app.example.com'), 'on'),
    'README.md#3': APP_AND_API,
    'README.md#5': zone(['client'], enabled('client', 'app.example.com', 'api.example.com'), 'on'),
    'roles/per_hostname_aop/README.md#1': zone(['client'], enabled('client', 'app.example.com', 'api.example.com'), 'on'),
    'roles/per_hostname_aop/README.md#2': zone(
        ['api', 'shop'], {**enabled('shop', 'shop.example.com', 'checkout.example.com'), **enabled('api', 'api.example.com')}, 'on'
    ),
    'hostname_aop EXAMPLES': zone(
        ['app-client'],
        {**enabled('app-client', 'app.example.com', 'api.example.com', 'www.example.com', 'shop.example.com'), 'legacy.example.com': ('app-client', False)},
    ),
    'hostname_aop_info EXAMPLES': UNTOUCHED,
    'hostname_client_cert EXAMPLES': zone(
        ['api-client', 'app-client', 'shop-client'],
        {**enabled('app-client', 'app.example.com'), **enabled('shop-client', 'shop.example.com'), **enabled('api-client', 'api.example.com')},
    ),
    'hostname_client_cert_info EXAMPLES': UNTOUCHED,
    'per_hostname_aop_plan EXAMPLES': UNTOUCHED,
    'zone_tls_client_auth EXAMPLES': zone(tls_client_auth='on'),
    'per_hostname_aop_config EXAMPLES': APP_AND_API,
    'per_hostname_aop_cleanup EXAMPLES': APP_AND_API,
    'per_hostname_aop_summary EXAMPLES': APP_AND_API,
}


def doc_examples():
    """[(id, text)] of every YAML example, in the order of the docs."""
    examples = []
    for doc in DOCS:
        for number, match in enumerate(FENCE.finditer((REPO_ROOT / doc).read_text()), 1):
            indent = match.group(1)
            text = ''.join(line[len(indent) :] if line.startswith(indent) else line for line in match.group(2).splitlines(True))
            examples.append(('%s#%d' % (doc, number), text))
    for module in sorted((REPO_ROOT / 'plugins' / 'modules').glob('*.py')):
        for node in ast.parse(module.read_text()).body:
            if isinstance(node, ast.Assign) and [getattr(target, 'id', None) for target in node.targets] == ['EXAMPLES']:
                examples.append(('%s EXAMPLES' % module.stem, ast.literal_eval(node.value)))
    for docs in sorted((REPO_ROOT / 'plugins' / 'filter').glob('*.yml')):
        examples.append(('%s EXAMPLES' % docs.stem, yaml.safe_load(docs.read_text())['EXAMPLES']))
    return examples


def kind_of(text):
    """'layout' (several files, each under a "# name.yml" line), 'requirements', 'plays' or 'tasks'."""
    if LAYOUT_FILE.match(text.lstrip()):
        return 'layout'
    data = yaml.safe_load(text)
    if isinstance(data, dict) and set(data) <= {'collections', 'roles'}:
        return 'requirements'
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        plays = ['hosts' in item or 'import_playbook' in item for item in data]
        if all(plays):
            return 'plays'
        if not any(plays):
            return 'tasks'
    raise AssertionError('an example that is neither a playbook, a task list, a requirements file nor a file layout:\n' + text)


EXAMPLES = doc_examples()
BY_KIND = {kind: [(name, text) for name, text in EXAMPLES if kind_of(text) == kind] for kind in ('plays', 'tasks', 'requirements', 'layout')}


def ids(examples):
    return [name for name, _text in examples]


def test_every_yaml_example_is_run_or_checked():
    """Nothing is left out: every example is of a kind one of the tests below takes (kind_of fails on any other), and
    each one that runs says what it leaves on the zone."""
    assert sum(len(examples) for examples in BY_KIND.values()) == len(EXAMPLES)
    assert sorted(EXPECTED) == sorted(ids(BY_KIND['plays'] + BY_KIND['tasks'])), 'EXPECTED names what each example that runs leaves on the zone'
    assert len(BY_KIND['plays']) + len(BY_KIND['tasks']) >= 14, ids(EXAMPLES)
    assert [name for name, _text in EXAMPLES if 'cloudflare_api_token }}' in _text and 'vault_' not in _text] == []


@pytest.fixture(scope='session')
def docs_pki(tmp_path_factory):
    """Every pki/NAME.crt and pki/NAME.key the examples name, made by scripts/make_demo_pki.py (NAME ca is its CA)."""
    directory = tmp_path_factory.mktemp('docs-pki') / 'pki'
    names = sorted({name for _id, text in EXAMPLES for name in PKI_FILE.findall(text)} - {'ca'})
    subprocess.run([sys.executable, str(MAKE_PKI), str(directory)] + [arg for name in names for arg in ('--client', name)], check=True, capture_output=True)
    return directory


def zone_as_named(emulator, pki):
    """example.com as the emulator holds it, in the terms of zone(): certificates named by their file in pki/."""
    names = {str(x509.load_pem_x509_certificate(path.read_bytes()).serial_number): path.stem for path in pki.glob('*.crt')}
    state = emulator.zone('example.com')
    live = {cert['id']: names.get(cert['serial_number'], cert['id']) for cert in state['certificates'] if cert['status'] not in ('pending_deletion', 'deleted')}
    hostnames = {item['hostname']: (live.get(item['cert_id'], item['cert_id']), item['enabled']) for item in state['associations']}
    return zone(live.values(), hostnames, state['settings']['tls_client_auth']['value'])


def web_servers_inventory(directory):
    """The inventory the role's examples call "yours": two web servers, stood in for by this machine."""
    tls_dir = directory / 'nginx-tls'
    tls_dir.mkdir()
    return {
        'webservers': {
            'hosts': {'web1.example.com': {'public_hostname': 'app.example.com'}, 'web2.example.com': {'public_hostname': 'api.example.com'}},
            'vars': {
                'ansible_connection': 'local',
                'ansible_python_interpreter': sys.executable,
                # No sudo on this machine: the stand-ins take "become: true" as the user that runs the test.
                'ansible_become': False,
                'nginx_tls_dir': str(tls_dir),
            },
        }
    }


def write_vault(directory, token):
    """vault.yml as README.md says to make it (ansible-vault), and the password file ANSIBLE_VAULT_PASSWORD_FILE names."""
    password_file = directory.parent / 'vault-password'
    password_file.write_text(VAULT_PASSWORD + '\n')
    vault = directory / 'vault.yml'
    vault.write_text(yaml.safe_dump({'vault_cloudflare_api_token': token}))
    subprocess.run(
        [str(Path(sys.executable).parent / 'ansible-vault'), 'encrypt', str(vault), '--vault-password-file', str(password_file)],
        check=True,
        capture_output=True,
    )
    assert vault.read_text().startswith('$ANSIBLE_VAULT;')
    return password_file


@pytest.mark.parametrize('name, text', BY_KIND['plays'] + BY_KIND['tasks'], ids=ids(BY_KIND['plays'] + BY_KIND['tasks']))
def test_the_example_runs_as_written_and_a_second_run_changes_nothing(name, text, emulator, ansible, docs_pki, tmp_path, record_property):
    directory = tmp_path / 'example'
    directory.mkdir()
    if kind_of(text) == 'tasks':
        indented = ''.join(('    ' + line) if line.strip() else line for line in text.splitlines(True))
        text = '- name: %s\n  hosts: localhost\n  gather_facts: false\n  tasks:\n%s' % (name, indented)
    playbook = directory / 'playbook.yml'
    playbook.write_text(text)
    if PKI_FILE.search(text):
        shutil.copytree(str(docs_pki), str(directory / 'pki'))
    environment = {'CLOUDFLARE_BASE_URL': emulator.base_url}
    if 'vault_cloudflare_api_token' in text:
        environment['ANSIBLE_VAULT_PASSWORD_FILE'] = str(write_vault(directory, emulator.api_token))
    else:
        environment['CLOUDFLARE_API_TOKEN'] = emulator.api_token
    patterns = {play['hosts'] for play in yaml.safe_load(text)}
    assert patterns <= {'localhost', 'webservers'}, 'hosts this test has no inventory for: %s' % patterns
    inventory = web_servers_inventory(directory) if 'webservers' in patterns else None

    started = time.monotonic()
    first = ansible(str(playbook), inventory=inventory, env_extra=environment)
    calls = len(emulator.requests())
    after_first = zone_as_named(emulator, directory / 'pki')
    emulator.clear_requests()
    second = ansible(str(playbook), inventory=inventory, env_extra=environment)

    assert first.rc == 0, first
    assert first.recap and 'no hosts matched' not in first.output, first
    assert sum(counts['failed'] + counts['unreachable'] for counts in first.recap.values()) == 0, first
    if API_MODULE.search(text):
        assert calls > 0, 'the example never reached the emulator'
    changed = sum(counts['changed'] for counts in first.recap.values())
    assert after_first == EXPECTED[name], 'the zone after the first run is not what the example declares'
    assert (changed > 0) == (EXPECTED[name] != UNTOUCHED), 'the first run reported %d changes: %s' % (changed, first)
    assert second.rc == 0, second
    assert sum(counts['changed'] for counts in second.recap.values()) == 0, second
    assert emulator.writes() == [] and zone_as_named(emulator, directory / 'pki') == after_first, 'the second run wrote'
    record_property('summary', '%-40s changed %d, then 0; %3d API calls in the first run; %.1f s' % (name, changed, calls, time.monotonic() - started))


@pytest.mark.parametrize('name, text', BY_KIND['requirements'], ids=ids(BY_KIND['requirements']))
def test_the_requirements_file_accepts_this_version_and_installs_nothing_twice(name, text, tmp_path):
    """ansible-galaxy with the collection under test installed (and no Galaxy to reach): the range must take it."""
    (tmp_path / 'requirements.yml').write_text(text)
    environment = {
        'PATH': str(Path(sys.executable).parent),
        'HOME': str(tmp_path),
        'ANSIBLE_COLLECTIONS_PATH': str(collections_root()),
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
    }
    for _run in range(2):
        completed = subprocess.run(
            [str(Path(sys.executable).parent / 'ansible-galaxy'), 'collection', 'install', '-r', 'requirements.yml', '--offline'],
            cwd=str(tmp_path),
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert completed.returncode == 0, '%s: %s%s' % (name, completed.stdout, completed.stderr)
        assert 'Nothing to do. All requested collections are already installed' in completed.stdout, '%s: %s' % (name, completed.stdout)


@pytest.mark.parametrize('name, text', BY_KIND['layout'], ids=ids(BY_KIND['layout']))
def test_the_file_layout_is_the_example_directory_that_another_test_runs(name, text):
    """The layout is shown in part: each file it shows is that file of one example directory, which a test runs."""
    parts = LAYOUT_FILE.split(text)[1:]
    shown = dict(zip(parts[0::2], parts[1::2]))
    assert shown, '%s shows no file: %s' % (name, text)
    (directory,) = [
        directory for directory in EXAMPLE_DIRECTORIES if yaml.safe_load(shown['hosts.yml']) == yaml.safe_load((directory / 'hosts.yml').read_text())
    ]
    for path, content in shown.items():
        assert yaml.safe_load(content) == yaml.safe_load((directory / path).read_text()), path
    runner, marker = EXAMPLE_DIRECTORIES[directory]
    assert marker in (REPO_ROOT / 'tests' / 'e2e' / runner).read_text(), 'no test runs %s any more' % directory.name
