# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""TLS done right: an endpoint whose certificate the system does not trust is refused by default with what to do,
and accepted with the CA bundle given in ca_path, or with validate_certs=false."""

import json
import subprocess
import sys

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
    info, _ca_file = https_emulator
    assert info['base_url'].startswith('https://127.0.0.1:')

    run = ansible(setting_play(info))

    assert run.rc != 0, run
    assert 'could not be verified: give the CA bundle that signed it in ca_path' in run.output, run
    assert 'after 6 attempt' not in run.output, 'a certificate refused once is refused again: no retries'


def test_the_ca_bundle_in_ca_path_is_trusted(https_emulator, ansible):
    info, ca_file = https_emulator

    run = ansible(setting_play(info, ca_path=str(ca_file)))

    assert run.rc == 0 and run.recap["localhost"]["changed"] == 1, run.output


def test_validate_certs_false_accepts_any_certificate(https_emulator, ansible):
    info, _ca_file = https_emulator

    run = ansible(setting_play(info, validate_certs=False))

    assert run.rc == 0 and run.recap["localhost"]["changed"] == 1, run.output
