# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""No secret anywhere a user or a CI log could see it: every module and the role at -vvvv, with --diff, and the log
file Ansible writes with ANSIBLE_LOG_PATH, on success and on failure."""

import pytest

KEY_LINE_LENGTH = 40


def secrets(pki, emulator):
    """The token, the global key, and the start of every line of every private key of the test PKI."""
    found = [emulator.api_token, emulator.info['api_key']]
    for key in sorted(pki.glob('*.key')):
        # A block's short last line occurs by chance in any base64 text (the certificates echoed at -vvvv): skip it.
        found += [line[:KEY_LINE_LENGTH] for line in key.read_text().splitlines()[1:-1] if len(line) >= KEY_LINE_LENGTH]
    return found


def assert_no_secret(pki, emulator, *texts):
    for text in texts:
        assert 'PRIVATE KEY' not in text
        leaked = [secret[:12] + '...' for secret in secrets(pki, emulator) if secret in text]
        assert not leaked, 'secrets in the output: %s' % leaked


def modules_play(emulator, pki):
    """Every module, with keys and credentials given as text (the hardest case), through a rotation and a removal."""
    cert, key = (pki / 'a.crt').read_text(), (pki / 'a.key').read_text()
    cert_b, key_b = (pki / 'b.crt').read_text(), (pki / 'b.key').read_text()
    hostnames = ['app.example.com', 'api.example.com']
    return [
        {
            'name': 'Every module',
            'hosts': 'localhost',
            'gather_facts': False,
            'module_defaults': {'group/aop.cloudflare.all': {'base_url': emulator.base_url, 'api_token': emulator.api_token, 'zone': 'example.com'}},
            'tasks': [
                {'name': 'Upload', 'register': 'a', 'aop.cloudflare.hostname_client_cert': {'certificate': cert, 'private_key': key}},
                {
                    'name': 'Upload as a list',
                    'register': 'listed',
                    'aop.cloudflare.hostname_client_cert': {
                        'certificates': [{'certificate': cert, 'private_key': key}, {'certificate': cert_b, 'private_key': key_b}]
                    },
                },
                {'name': 'Setting', 'aop.cloudflare.zone_tls_client_auth': {'enabled': True}},
                {'name': 'Associate', 'aop.cloudflare.hostname_aop': {'hostnames': hostnames, 'cert_id': '{{ a.certificate.id }}'}},
                {'name': 'Certificates', 'aop.cloudflare.hostname_client_cert_info': {'hostnames': hostnames}},
                {'name': 'Hostnames', 'aop.cloudflare.hostname_aop_info': {'hostnames': hostnames}},
                {'name': 'Rotate', 'register': 'moved', 'aop.cloudflare.hostname_aop': {'hostnames': hostnames, 'cert_id': '{{ listed.certificates[1].id }}'}},
                {'name': 'Void', 'aop.cloudflare.hostname_aop': {'hostnames': hostnames, 'state': 'absent'}},
                {
                    'name': 'Delete',
                    'aop.cloudflare.hostname_client_cert': {'certificates': [{'certificate': cert}, {'certificate': cert_b}], 'state': 'absent'},
                },
                {
                    'name': 'A key that is not the certificate\'s',
                    'ignore_errors': True,
                    'aop.cloudflare.hostname_client_cert': {'certificate': cert, 'private_key': key_b},
                },
                {
                    'name': 'Refused credentials',
                    'ignore_errors': True,
                    'aop.cloudflare.zone_tls_client_auth': {'enabled': True, 'api_token': emulator.api_token + '-wrong'},
                },
                {
                    'name': 'Global key',
                    'aop.cloudflare.zone_tls_client_auth': {
                        'enabled': True,
                        'api_token': '',
                        'api_key': emulator.info['api_key'],
                        'api_email': emulator.info['api_email'],
                    },
                },
            ],
        }
    ]


@pytest.mark.parametrize('verbosity', ['-v', '-vvvv'])
def test_every_module_at_any_verbosity_with_diff_and_a_log_file(emulator, pki, ansible, tmp_path, verbosity):
    log_file = tmp_path / 'ansible.log'

    run = ansible(modules_play(emulator, pki), verbosity, '--diff', env_extra={'ANSIBLE_LOG_PATH': str(log_file)})

    assert run.rc == 0, run
    assert run.output.count('...ignoring') == 2, 'both failures happened, and were shown'
    assert 'does not belong to' in run.output and 'credentials were refused' in run.output
    assert_no_secret(pki, emulator, run.output, log_file.read_text())


def test_the_role_at_vvvv_with_diff_and_a_log_file(emulator, pki, ansible, tmp_path):
    log_file = tmp_path / 'ansible.log'
    variables = {
        'per_hostname_aop_zone': 'example.com',
        'per_hostname_aop_base_url': emulator.base_url,
        'per_hostname_aop_api_token': emulator.api_token,
        'per_hostname_aop_hostnames': ['app.example.com'],
        'per_hostname_aop_certificate': (pki / 'a.crt').read_text(),
        'per_hostname_aop_private_key': (pki / 'a.key').read_text(),
    }
    play = [{'name': 'Role', 'hosts': 'localhost', 'gather_facts': False, 'roles': [{'role': 'aop.cloudflare.per_hostname_aop', 'vars': variables}]}]
    environment = {'ANSIBLE_LOG_PATH': str(log_file)}

    runs = [
        ansible(play, '-vvvv', '--diff', env_extra=environment),
        ansible(play, '-vvvv', '--diff', '--check', env_extra=environment),
        ansible(
            [dict(play[0], roles=[{'role': 'aop.cloudflare.per_hostname_aop', 'vars': dict(variables, per_hostname_aop_state='absent')}])],
            '-vvvv',
            '--diff',
            env_extra=environment,
        ),
    ]

    assert [run.rc for run in runs] == [0, 0, 0], runs
    assert_no_secret(pki, emulator, log_file.read_text(), *[run.output for run in runs])
