# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures of the end-to-end tests: a fresh emulator per test, a test PKI, and real ansible-playbook runs."""

import itertools
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
# The certificate generator is imported as tests.pki.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
EMULATOR = REPO_ROOT / 'tests' / 'emulator' / 'server.py'
MAKE_PKI = REPO_ROOT / 'scripts' / 'make_demo_pki.py'
ZONES = ('example.com', 'example.net')
ACTIVATION_SECONDS = 1
PLAYBOOK_TIMEOUT = 180
RECAP_LINE = re.compile(r'^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)', re.M)


def collections_root():
    """The collection tree scripts/lib.sh builds (AOP_COLLECTIONS_ROOT, else build/collections)."""
    root = Path(os.environ.get('AOP_COLLECTIONS_ROOT') or REPO_ROOT / 'build' / 'collections')
    if not (root / 'ansible_collections' / 'aop' / 'cloudflare' / 'galaxy.yml').is_file():
        pytest.exit(
            'no collection tree at %s: run the e2e nox session (bash scripts/test.sh e2e), or build_collection_tree from scripts/lib.sh' % root, returncode=2
        )
    return root


class Emulator:
    """One emulator process, with its control API."""

    def __init__(self, tmp_path, zones=ZONES, state_file=None):
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, str(EMULATOR), '--port', '0', '--activation-seconds', str(ACTIVATION_SECONDS)]
            + [arg for zone in zones for arg in ('--zone', zone)]
            + (['--state', str(state_file)] if state_file else []),
            stdout=subprocess.PIPE,
            stderr=(tmp_path / 'emulator.log').open('w'),
            text=True,
        )
        assert self.process.stdout  # PIPE
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError('the emulator did not start: %s' % (tmp_path / 'emulator.log').read_text())
        self.info = json.loads(line)
        self.base_url = self.info['base_url']
        self.control_url = self.info['control_url']
        self.api_token = self.info['api_token']
        self.zone_ids = self.info['zones']

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        assert self.process.stdout  # PIPE
        self.process.stdout.close()

    def _call(self, url, method='GET', body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}, **{'Content-Type': 'application/json'}))
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            return json.load(exc)

    def control(self, path, method='GET'):
        return self._call(self.control_url + path, method)['result']

    def api(self, method, path, body=None):
        """A call to the emulated Cloudflare API with the valid token (the whole envelope)."""
        return self._call(self.base_url + path, method, body, {'Authorization': 'Bearer ' + self.api_token})

    def requests(self):
        return self.control('/requests')

    def held_answered(self, count, timeout=15):
        """The log's entries of requests a slow fault held, once count of them were answered (each is logged then)."""
        deadline = time.monotonic() + timeout
        while True:
            held = [entry for entry in self.requests() if entry['fault'] == 'slow']
            if len(held) >= count or time.monotonic() > deadline:
                return held
            time.sleep(0.2)

    def fault(self, **spec):
        """Queue a fault: method, path (regex), kind (429, 502, 503, drop_after_commit, ...), count, retry_after."""
        return self._call(self.control_url + '/faults', 'POST', spec)['result']

    def configure(self, **knobs):
        """Change knobs at run time (latency_ms, rate_limit, rate_window, ...)."""
        return self._call(self.control_url + '/config', 'PATCH', knobs)['result']

    def clear_requests(self):
        self.control('/requests', 'DELETE')

    def writes(self):
        """(method, path) of every non-GET API call in the request log."""
        return [(entry['method'], entry['path']) for entry in self.requests() if entry['method'] != 'GET']

    def zone(self, name='example.com'):
        return [zone for zone in self.control('/state')['zones'] if zone['name'] == name][0]


class Run:
    """A finished ansible-playbook run."""

    def __init__(self, completed):
        self.rc = completed.returncode
        self.output = completed.stdout + completed.stderr
        self.recap = {
            match[0]: dict(zip(('ok', 'changed', 'unreachable', 'failed', 'skipped'), map(int, match[1:]))) for match in RECAP_LINE.findall(completed.stdout)
        }

    def __repr__(self):
        return 'rc=%s\n%s' % (self.rc, self.output[-6000:])


@pytest.fixture(scope='session')
def pki(tmp_path_factory):
    """A demo CA with client certificates a, b and c, made by scripts/make_demo_pki.py."""
    directory = tmp_path_factory.mktemp('pki')
    subprocess.run([sys.executable, str(MAKE_PKI), str(directory), '--client', 'a', '--client', 'b', '--client', 'c'], check=True, capture_output=True)
    return directory


@pytest.fixture
def emulator(tmp_path):
    running = Emulator(tmp_path)
    yield running
    running.stop()


@pytest.fixture
def emulator_with_zones(tmp_path):
    """emulator_with_zones(names) -> an emulator serving those zones, stopped after the test."""
    started = []

    def start(zones, state_file=None):
        started.append(Emulator(tmp_path, zones, state_file))
        return started[-1]

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def ansible(tmp_path):
    """ansible(plays, *args, inventory=None) -> Run: writes the playbook (a list of plays) and runs it."""
    root = collections_root()
    env = {key: value for key, value in os.environ.items() if not key.startswith(('CLOUDFLARE_', 'ANSIBLE_'))}
    env.update(
        {
            'ANSIBLE_COLLECTIONS_PATH': str(root),
            'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_LOCALHOST_WARNING': 'false',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
            'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-tmp'),
            'ANSIBLE_HOST_KEY_CHECKING': 'false',
            'ANSIBLE_RETRY_FILES_ENABLED': 'false',
            # The shared rate budget of each test's emulator stays with the test.
            'AOP_CLOUDFLARE_RATELIMIT_DIR': str(tmp_path / 'ratelimit'),
        }
    )
    playbook_bin = str(Path(sys.executable).parent / 'ansible-playbook')
    counter = itertools.count(1)

    def run(plays, *args, inventory=None, env_extra=None):
        """plays: a list of plays to write to a playbook, or the name of a playbook to run as it is (e.g. an FQCN)."""
        number = next(counter)  # atomic: tests may run playbooks from several threads at once
        if isinstance(plays, str):
            playbook = plays
        else:
            playbook = tmp_path / ('playbook%d.yml' % number)
            playbook.write_text(yaml.safe_dump(plays, sort_keys=False))
        command = [playbook_bin, str(playbook)] + list(args)
        if inventory is not None:
            if isinstance(inventory, dict):
                inventory_file = tmp_path / ('inventory%d.yml' % number)
                inventory_file.write_text(yaml.safe_dump(inventory, sort_keys=False))
                inventory = inventory_file
            command += ['-i', str(inventory)]
        completed = subprocess.run(
            command, env=dict(env, **(env_extra or {})), cwd=str(tmp_path), capture_output=True, text=True, timeout=PLAYBOOK_TIMEOUT, check=False
        )
        return Run(completed)

    return run


# Figures a test reports with record_property('summary', ...), printed at the end of the run (from xdist workers too).
SUMMARIES: list[str] = []


def pytest_runtest_logreport(report):
    if report.when == 'call':
        SUMMARIES.extend(value for name, value in report.user_properties if name == 'summary')


def pytest_terminal_summary(terminalreporter):
    for line in SUMMARIES:
        terminalreporter.write_line(line)
