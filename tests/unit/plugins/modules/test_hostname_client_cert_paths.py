# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hostname_client_cert on the paths an attacker or a careless user takes, and Cloudflare's codes as users report them."""

import pytest

from ansible_collections.aop.cloudflare.plugins.modules import hostname_client_cert
from ansible_collections.aop.cloudflare.tests.unit.plugins.fake_cloudflare import (
    API_TOKEN,
    CERT_ID,
    CERTIFICATES,
    ZONE_ID,
    certificate_object,
    fail,
    ok,
)

CERTIFICATE = '%s/%s' % (CERTIFICATES, CERT_ID)


@pytest.fixture
def present(pki):
    """Arguments to upload (or adopt) the RSA leaf."""
    return {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'certificate': pki.rsa_leaf.cert_pem, 'private_key': pki.rsa_leaf.key_pem}


# --- secrets on every path --------------------------------------------------------------------------------------


def test_a_bundle_given_as_the_certificate_uploads_only_the_certificate(cloudflare, run_module, pki, present):
    """A HAProxy-style file that also holds the key, given as the certificate: only certificate blocks travel."""
    cloudflare.route('GET', CERTIFICATES, ok([]))
    cloudflare.route('POST', CERTIFICATES, ok(certificate_object(pki.rsa_leaf)))

    result = run_module(hostname_client_cert, dict(present, certificate=pki.rsa_leaf.cert_pem + pki.rsa_leaf.key_pem))

    assert not result.failed, result
    ((_call, body),) = cloudflare.writes
    assert body['certificate'] == pki.rsa_leaf.cert_pem and 'PRIVATE KEY' not in body['certificate']
    result.assert_no_secret(pki.rsa_leaf.key_pem)


def test_a_bundle_given_as_the_certificate_to_delete_never_shows_its_key_not_even_in_the_invocation(cloudflare, run_module, pki):
    """state=absent takes no private_key to mask: the key block inside the certificate option is masked all the same."""
    cloudflare.route('GET', CERTIFICATES, ok([]))
    bundle = pki.rsa_leaf.cert_pem + pki.rsa_leaf.key_pem

    result = run_module(hostname_client_cert, {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'certificate': bundle, 'state': 'absent'})

    assert not result.failed and result['changed'] is False
    assert 'PRIVATE KEY' not in result.printed
    # ansible-core 2.19 echoes the options back (2.21 no longer does): there, the key block is masked.
    if 'invocation' in result:
        assert result['invocation']['module_args']['certificate'] == pki.rsa_leaf.cert_pem + '********\n'
    result.assert_no_secret(pki.rsa_leaf.key_pem)


def test_a_token_with_a_final_newline_works_and_is_never_printed(cloudflare, run_module, present):
    cloudflare.route('GET', CERTIFICATES, fail(403, (10000, 'Authentication error')))

    result = run_module(hostname_client_cert, dict(present, api_token=API_TOKEN + '\n'))

    assert result.failed and 'HTTP 403' in result['msg']
    assert cloudflare.calls[0].headers['Authorization'] == 'Bearer ' + API_TOKEN
    result.assert_no_secret()


# --- Cloudflare's codes, as users of the live API report them ------------------------------------------------------

STILL_DEPLOYING = fail(400, (1434, 'The certificate is still being deployed'))


def test_a_delete_refused_while_the_certificate_deploys_is_sent_again_within_wait_timeout(cloudflare, run_module, sleeps, pki):
    cloudflare.route('GET', CERTIFICATE, ok(certificate_object(pki.rsa_leaf, status='pending_deployment')), fail(404, (1551, 'Certificate not found')))
    cloudflare.route('DELETE', CERTIFICATE, STILL_DEPLOYING, STILL_DEPLOYING, ok(certificate_object(pki.rsa_leaf, status='pending_deletion')))

    result = run_module(hostname_client_cert, {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'id': CERT_ID, 'state': 'absent'})

    assert cloudflare.sent == ['GET ' + CERTIFICATE, 'DELETE ' + CERTIFICATE, 'DELETE ' + CERTIFICATE, 'DELETE ' + CERTIFICATE, 'GET ' + CERTIFICATE]
    assert sleeps == [1.0, 2.0], 'paced as waiting for a status is'
    assert result['changed'] is True and result['certificate']['status'] == 'deleted'


def test_a_certificate_that_deploys_longer_than_wait_timeout_fails_saying_so(cloudflare, run_module, sleeps, pki):
    cloudflare.route('GET', CERTIFICATE, ok(certificate_object(pki.rsa_leaf, status='initializing')))
    cloudflare.route('DELETE', CERTIFICATE, STILL_DEPLOYING)

    result = run_module(hostname_client_cert, {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'id': CERT_ID, 'state': 'absent', 'wait_timeout': 5})

    assert [call for call in cloudflare.sent if call.startswith('DELETE')] == ['DELETE ' + CERTIFICATE] * 3
    assert sleeps == [1.0, 2.0]
    assert result.failed and 'Cloudflare error 1434' in result['msg']
    assert 'certificate %s was still deploying after 3 seconds: raise wait_timeout, or run again later' % CERT_ID in result['msg']
