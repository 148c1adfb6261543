# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Bad input through ansible-playbook, as a user meets it: a message that names the field and the fix, and the
emulator's request log showing that nothing was written (and, for what can be checked locally, nothing was sent)."""

import pytest

CERT_ID = '2458ce5a-0c35-4c7f-82c7-8e9487d3ff60'
NO_CALL, NO_WRITE = 'no call', 'no write'


def pem(pki, name):
    return (pki / name).read_text()


# (id, module, options (callables take the pki directory), expected text, what the emulator may have seen)
CASES = [
    (
        'certificate-not-pem',
        'hostname_client_cert',
        {'certificate': 'not a certificate', 'private_key': 'a.key'},
        'certificate is not a PEM certificate',
        NO_CALL,
    ),
    ('certificate-and-key-swapped', 'hostname_client_cert', {'certificate': 'a.key', 'private_key': 'a.crt'}, 'certificate is not a PEM certificate', NO_CALL),
    ('key-of-another-certificate', 'hostname_client_cert', {'certificate': 'a.crt', 'private_key': 'b.key'}, 'does not belong to', NO_CALL),
    ('ca-as-client-certificate', 'hostname_client_cert', {'certificate': 'ca.crt', 'private_key': 'ca.key'}, 'is a CA certificate', NO_CALL),
    ('id-with-a-path', 'hostname_aop', {'hostnames': ['app.example.com'], 'cert_id': CERT_ID + '/../..'}, 'is not a certificate id', NO_CALL),
    ('hostname-with-a-query', 'hostname_aop', {'hostnames': ['app.example.com?x=1'], 'cert_id': CERT_ID}, 'is not a valid hostname', NO_CALL),
    ('hostname-with-a-fragment', 'hostname_aop', {'hostnames': ['app.example.com#x'], 'cert_id': CERT_ID}, 'is not a valid hostname', NO_CALL),
    ('hostname-with-a-slash', 'hostname_aop', {'hostnames': ['app.example.com/x'], 'cert_id': CERT_ID}, 'is not a valid hostname', NO_CALL),
    ('hostname-with-a-space', 'hostname_aop', {'hostnames': ['app example.com'], 'cert_id': CERT_ID}, 'is not a valid hostname', NO_CALL),
    ('hostname-outside-the-zone', 'hostname_aop', {'hostnames': ['app.example.net'], 'cert_id': CERT_ID}, 'is not in the zone example.com', NO_CALL),
    (
        '101-hostnames-on-one-certificate',
        'hostname_aop',
        {'hostnames': ['h%03d.example.com' % number for number in range(101)], 'cert_id': CERT_ID},
        'Cloudflare allows 100 per certificate',
        NO_CALL,
    ),
    ('cert-id-the-zone-does-not-hold', 'hostname_aop', {'hostnames': ['app.example.com'], 'cert_id': 'f' * 32}, 'is not a certificate of this zone', NO_WRITE),
    (
        'state-not-a-choice',
        'hostname_aop',
        {'hostnames': ['app.example.com'], 'cert_id': CERT_ID, 'state': 'present'},
        'value of state must be one of: enabled, disabled, absent',
        NO_CALL,
    ),
    (
        'zone-id-with-a-path',
        'zone_tls_client_auth',
        {'enabled': True, 'zone': None, 'zone_id': '../../accounts'},
        "zone_id: '../../accounts' is not a zone id",
        NO_CALL,
    ),
    ('zone-and-zone-id', 'zone_tls_client_auth', {'enabled': True, 'zone_id': 'a' * 32}, 'parameters are mutually exclusive: zone_id|zone', NO_CALL),
    ('no-zone', 'zone_tls_client_auth', {'enabled': True, 'zone': None}, 'one of the following is required: zone_id, zone', NO_CALL),
    ('wrong-type', 'zone_tls_client_auth', {'enabled': 'maybe'}, "argument 'enabled' is of type", NO_CALL),
    (
        'base-url-without-scheme',
        'zone_tls_client_auth',
        {'enabled': True, 'base_url': 'api.cloudflare.com/client/v4'},
        "base_url: 'api.cloudflare.com/client/v4' is not an http(s) URL",
        NO_CALL,
    ),
    (
        'plain-http-to-another-machine',
        'zone_tls_client_auth',
        {'enabled': True, 'base_url': 'http://192.0.2.1/client/v4'},
        'would send the API credentials unencrypted',
        NO_CALL,
    ),
    (
        'zero-timeout',
        'zone_tls_client_auth',
        {'enabled': True, 'timeout': 0},
        'timeout must be a whole number, 1 or more (seconds to wait for each answer); it is 0',
        NO_CALL,
    ),
    (
        'no-credentials',
        'zone_tls_client_auth',
        {'enabled': True, 'api_token': None},
        'no Cloudflare credentials: set api_token (keep it in Ansible Vault), or api_key with api_email, or CLOUDFLARE_API_TOKEN',
        NO_CALL,
    ),
    ('refused-credentials', 'zone_tls_client_auth', {'enabled': True, 'api_token': 'not-the-token'}, 'credentials were refused', NO_WRITE),
]


def options_for(pki, options):
    """File names of the test PKI stand for their PEM text; None drops a default."""
    return {name: pem(pki, value) if isinstance(value, str) and value.endswith(('.crt', '.key')) else value for name, value in options.items()}


@pytest.mark.parametrize('module, options, expected, seen', [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_module_input_is_refused_naming_the_field_before_any_write(emulator, pki, ansible, module, options, expected, seen):
    arguments = {'base_url': emulator.base_url, 'api_token': emulator.api_token, 'zone': 'example.com'}
    arguments.update(options_for(pki, options))
    arguments = {name: value for name, value in arguments.items() if value is not None}
    play = [{'name': 'Bad input', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [{'name': 'One module', 'aop.cloudflare.' + module: arguments}]}]

    run = ansible(play)

    assert run.rc != 0, run
    assert expected in run.output, run
    assert emulator.writes() == []
    if seen == NO_CALL:
        assert emulator.requests() == [], 'refused before any call'
