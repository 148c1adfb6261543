# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The secret check the module tests rely on must catch each kind of leak (else those tests could never fail)."""

import json

import pytest

from ansible_collections.aop.cloudflare.tests.unit.plugins.fake_cloudflare import API_TOKEN
from ansible_collections.aop.cloudflare.tests.unit.plugins.module_result import ModuleResult


def test_a_clean_result_passes(pki):
    ModuleResult(
        {'changed': True, 'msg': 'give the "-----BEGIN CERTIFICATE-----" block', 'invocation': {'module_args': {'certificate': pki.rsa_leaf.cert_pem}}}, 0
    ).assert_no_secret(pki.rsa_leaf.key_pem)


@pytest.mark.parametrize('leak', ['token', 'key line', 'certificate', 'masked'])
def test_each_leak_is_caught(pki, leak):
    value = {
        'token': 'Bearer ' + API_TOKEN,
        'key line': 'bad key near %s' % pki.rsa_leaf.key_pem.splitlines()[3],
        'certificate': pki.rsa_leaf.cert_pem,
        'masked': 'key ********',
    }[leak]
    result = ModuleResult(json.loads(json.dumps({'changed': False, 'msg': value})), 0)
    with pytest.raises(AssertionError):
        result.assert_no_secret(pki.rsa_leaf.key_pem)
