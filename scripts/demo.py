# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The README's first command, after scripts/demo.sh made the environment and the collection copy: the role
aop.cloudflare.per_hostname_aop end to end against the local Cloudflare API emulator.

Starts the emulator on a free loopback port, makes a demo private CA and client certificate in build/demo-pki, runs
the collection's demo playbook twice (the second run must change nothing and send no write call), prints what the
zone holds, and stops the emulator whatever happens. Exits 1 when the second run changed or wrote anything.
"""

import collections
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The emulator as the release checks start it. pylint: disable-next=wrong-import-position,import-error  # the lint sessions see a copy
from scripts.nox_tasks import emulator  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
ZONE = 'example.com'
ACTIVATION_SECONDS = '3'
PKI_DIR = REPO_ROOT / 'build' / 'demo-pki'
RECAP = re.compile(r'^localhost\s*:.*changed=(\d+)', re.M)
STATES = {True: 'enabled', False: 'disabled', None: 'void'}


def control(info, method, path):
    """A call of the emulator's control API (no curl needed): its result."""
    request = urllib.request.Request(info['control_url'] + path, method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)['result']


def run_role(info, number):
    """One run of the demo playbook, its output shown as it goes; (changed, writes by verb, calls)."""
    print('\n==> Run %d of the role aop.cloudflare.per_hostname_aop (playbook aop.cloudflare.demo)' % number, flush=True)
    control(info, 'DELETE', '/requests')
    environment = dict(
        os.environ,
        CLOUDFLARE_BASE_URL=info['base_url'],
        CLOUDFLARE_API_TOKEN=info['api_token'],
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false',
        # The demo runs on the controller alone: no inventory is needed, so no warning about it.
        ANSIBLE_LOCALHOST_WARNING='false',
        ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
    )
    command = [str(Path(sys.executable).parent / 'ansible-playbook'), 'aop.cloudflare.demo', '-e', 'ansible_python_interpreter=' + sys.executable]
    command += ['-e', 'aop_demo_pki_dir=%s' % PKI_DIR]
    completed = subprocess.run(command, env=environment, stdout=subprocess.PIPE, text=True, check=False)
    print(completed.stdout, end='', flush=True)
    recap = RECAP.search(completed.stdout)
    if completed.returncode or not recap:
        sys.exit('FAILED: run %d of the demo playbook exited %d' % (number, completed.returncode))
    log = control(info, 'GET', '/requests')
    writes = collections.Counter(entry['method'] for entry in log if entry['method'] != 'GET')
    return int(recap.group(1)), writes, len(log)


def show_zone(info):
    """What the zone holds, read back from the emulator: certificates by fingerprint, the setting, the hostnames."""
    print('\n==> What is configured on zone %s (read back from the emulator)' % ZONE)
    zone = next(item for item in control(info, 'GET', '/state')['zones'] if item['name'] == ZONE)
    for certificate in zone['certificates']:
        der = x509.load_pem_x509_certificate(certificate['certificate'].encode()).public_bytes(Encoding.DER)
        print('certificate %s  status %s  expires %s' % (certificate['id'], certificate['status'], certificate['expires_on']))
        print('  issuer %s  serial %s' % (certificate['issuer'], certificate['serial_number']))
        print('  sha256 %s' % ':'.join('%02x' % byte for byte in hashlib.sha256(der).digest()))
    print('tls_client_auth: %s' % zone['settings']['tls_client_auth']['value'])
    for association in sorted(zone['associations'], key=lambda item: item['hostname']):
        state = STATES[association['enabled']]
        print('hostname %-18s %s  certificate %s  status %s' % (association['hostname'], state, association['cert_id'], association['status']))


def main():
    print('==> Making the demo private CA and client certificate in %s' % PKI_DIR, flush=True)
    subprocess.run([sys.executable, str(REPO_ROOT / 'scripts' / 'make_demo_pki.py'), str(PKI_DIR)], check=True)
    with tempfile.TemporaryDirectory() as workdir:
        print('==> Starting the Cloudflare API emulator (certificates take %s s to become active)' % ACTIVATION_SECONDS, flush=True)
        with emulator(Path(workdir), '--zone', ZONE, '--activation-seconds', ACTIVATION_SECONDS) as info:
            print('API %s' % info['base_url'])
            runs = [run_role(info, number) for number in (1, 2)]
            show_zone(info)
    for number, (changed, writes, calls) in enumerate(runs, 1):
        verbs = ''.join(' %s %d' % item for item in sorted(writes.items()))
        print('run %d: changed=%d, %d write call(s)%s of %d request(s)' % (number, changed, sum(writes.values()), verbs, calls))
    if runs[0][0] == 0 or runs[1][0] or sum(runs[1][1].values()):
        sys.exit('FAILED: the first run must change something, the second nothing and without any write call')
    print('\n==> Demo done: the second run changed nothing and sent no write call')


if __name__ == '__main__':
    main()
