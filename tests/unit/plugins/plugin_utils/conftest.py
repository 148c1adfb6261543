# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the tests of the role's Python share: the test PKI as files, and the role's variables with its defaults."""

import os

import pytest

TOKEN = 'role-unit-token-0123456789abcdef'


def colons(hex_digest):
    return ':'.join(hex_digest[index : index + 2] for index in range(0, len(hex_digest), 2))


@pytest.fixture
def files(tmp_path, pki):
    """The test PKI as files, and a find_file that looks only in tmp_path (relative) or at the path (absolute)."""
    for name, pair in [('rsa', pki.rsa_leaf), ('ec', pki.ec_leaf), ('ca', pki.rsa_ca)] + sorted(pki.leaves.items()):
        (tmp_path / (name + '.crt')).write_text(pair.cert_pem)
        (tmp_path / (name + '.key')).write_text(pair.key_pem)

    def find_file(path):
        candidate = path if os.path.isabs(path) else str(tmp_path / path)
        return (candidate if os.path.isfile(candidate) else None), [str(tmp_path)]

    return find_file


def variables(**given):
    """The role's variables as the role passes them (unprefixed names here, for brevity), with its defaults."""
    values = {
        'state': 'present',
        'zone': 'example.com',
        'api_token': TOKEN,
        'tls_client_auth': 'enabled',
        'delete_released_certificates': True,
        'hostnames': [],
        'certificates': [],
    }
    values.update(given)
    return {'per_hostname_aop_' + name: value for name, value in values.items()}


def single(**given):
    values = {'certificate_file': 'rsa.crt', 'private_key_file': 'rsa.key', 'hostnames': ['app.example.com']}
    values.update(given)
    return variables(**values)
