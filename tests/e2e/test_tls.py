# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""TLS done right: an endpoint whose certificate the system does not trust is refused by default with what to do,
and accepted with the CA bundle given in ca_path, or with validate_certs=false."""

import json
import ssl
import subprocess
import sys
import urllib.request

import pytest

from tests.pki import SERVER_AUTH, CertificateAuthority  # pylint: disable=import-error  # conftest puts the repository on sys.path

from .conftest import EMULATOR


def write_throwaway_tls(directory):
    """A CA and a server certificate for 127.0.0.1 signed by it: (ca file, certificate file, key file)."""
    ca = CertificateAuthority.create('aop.cloudflare throwaway TLS CA', 'ec', days=2)
    ca.pair.write(directory, 'ca')
    ca.issue('127.0.0.1', extensions=[SERVER_AUTH], sans=['127.0.0.1'], days=2).write(directory, 'server')
    return directory / 'ca.crt', directory / 'server.crt', directory / 'server.key'


@pytest.fixture
def https_emulator(tmp_path):
    """An emulator serving HTTPS with a certificate of a throwaway CA: (its first line, the CA file)."""
    ca_file, cert_file, key_file = write_throwaway_tls(tmp_path)
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, str(EMULATOR), '--port', '0', '--zone', 'example.com', '--tls-cert', str(cert_file), '--tls-key', str(key_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout  # PIPE
    try:
        yield json.loads(process.stdout.readline()), ca_file
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def seen_by(info, ca_file):
    """What the HTTPS emulator holds and was asked (its control API, trusting the throwaway CA): (tls_client_auth,
    [(method, path) of every API call])."""
    context = ssl.create_default_context(cafile=str(ca_file))

    def result(path):
        with urllib.request.urlopen(info['control_url'] + path, context=context, timeout=10) as response:
            return json.load(response)['result']

    [zone] = result('/state')['zones']
    return zone['settings']['tls_client_auth']['value'], [(entry['method'], entry['path']) for entry in result('/requests')]


def calls_of_one_setting_change(info):
    """The API calls that turn tls_client_auth on by zone name: look the zone up, read the setting, change it."""
    setting = '/client/v4/zones/%s/settings/tls_client_auth' % info['zones']['example.com']
    return [('GET', '/client/v4/zones'), ('GET', setting), ('PATCH', setting)]


def setting_play(info, **options):
    arguments = dict({'base_url': info['base_url'], 'api_token': info['api_token'], 'zone': 'example.com', 'enabled': True}, **options)
    return [
        {
            'name': 'TLS',
            'hosts': 'localhost',
            'gather_facts': False,
            'tasks': [{'name': 'Setting over HTTPS', 'aop.cloudflare.zone_tls_client_auth': arguments}],
        }
    ]


def test_an_endpoint_the_system_does_not_trust_is_refused_by_default_and_says_what_to_do(https_emulator, ansible):
    info, ca_file = https_emulator
    assert info['base_url'].startswith('https://127.0.0.1:')

    run = ansible(setting_play(info))

    assert run.rc != 0, run
    assert 'could not be verified: give the CA bundle that signed it in ca_path' in run.output, run
    assert 'after 6 attempt' not in run.output, 'a certificate refused once is refused again: no retries'
    assert seen_by(info, ca_file) == ('off', []), 'refused in the handshake: no request reached the API'


def test_the_ca_bundle_in_ca_path_is_trusted(https_emulator, ansible):
    info, ca_file = https_emulator

    run = ansible(setting_play(info, ca_path=str(ca_file)))

    assert run.rc == 0 and run.recap["localhost"]["changed"] == 1, run.output
    assert seen_by(info, ca_file) == ('on', calls_of_one_setting_change(info))


def test_validate_certs_false_accepts_any_certificate(https_emulator, ansible):
    info, ca_file = https_emulator

    run = ansible(setting_play(info, validate_certs=False))

    assert run.rc == 0 and run.recap["localhost"]["changed"] == 1, run.output
    assert seen_by(info, ca_file) == ('on', calls_of_one_setting_change(info))
