# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hostname_client_cert: the exact API calls for upload, adoption, removal, check and diff mode, and every refusal."""

import datetime
import json

import pytest
import requests
from cryptography.hazmat.primitives import serialization

from ansible_collections.aop.cloudflare.plugins.module_utils._rules import UNKNOWN_CERT_ID
from ansible_collections.aop.cloudflare.plugins.modules import hostname_client_cert
from ansible_collections.aop.cloudflare.tests.pki import key_fragments, rewrapped
from ansible_collections.aop.cloudflare.tests.unit.plugins.fake_cloudflare import (
    API_TOKEN,
    CERT_ID,
    CERTIFICATES,
    CF_RAY,
    OTHER_CERT_ID,
    ZONE_ID,
    ZONE_NAME,
    certificate_object,
    fail,
    fixture,
    ok,
    page,
    text,
)

CERTIFICATE = '%s/%s' % (CERTIFICATES, CERT_ID)
ASSOCIATION_SHAPED_LIST = 'list_per_hostname_authenticated_origin_pulls_certificate.response.json'
# What this module returns of a certificate: never its PEM.
RETURNED_KEYS = {'id', 'status', 'issuer', 'serial_number', 'signature', 'expires_on', 'uploaded_on', 'fingerprint_sha256'}


@pytest.fixture
def present(pki):
    """Arguments to upload (or adopt) the RSA leaf."""
    return {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'certificate': pki.rsa_leaf.cert_pem, 'private_key': pki.rsa_leaf.key_pem}


def returned(pair, cert_id=CERT_ID, status='active', uploaded_on='2026-11-27T08:00:00.123456Z'):
    """The certificate the module should return for pair, worked out here from the test PKI."""
    return {
        'id': cert_id,
        'status': status,
        'issuer': pair.issuer,
        'serial_number': pair.serial_number,
        'signature': pair.signature,
        'expires_on': pair.expires_on,
        'uploaded_on': uploaded_on,
        'fingerprint_sha256': colons(pair.fingerprint_sha256),
    }


def colons(hex_digest):
    return ':'.join(hex_digest[index : index + 2] for index in range(0, len(hex_digest), 2))


# --- upload ----------------------------------------------------------------------------------------------------


def test_upload_then_wait_until_active(cloudflare, run_module, sleeps, pki, present):
    cloudflare.route('GET', CERTIFICATES, ok([]))
    cloudflare.route('POST', CERTIFICATES, ok(certificate_object(pki.rsa_leaf, status='initializing')))
    cloudflare.route(
        'GET',
        CERTIFICATE,
        ok(certificate_object(pki.rsa_leaf, status='initializing')),
        ok(certificate_object(pki.rsa_leaf, status='pending_deployment')),
        ok(certificate_object(pki.rsa_leaf, status='active')),
    )

    result = run_module(hostname_client_cert, present)

    assert cloudflare.sent == ['GET ' + CERTIFICATES, 'POST ' + CERTIFICATES] + ['GET ' + CERTIFICATE] * 3
    assert cloudflare.writes == [('POST ' + CERTIFICATES, {'certificate': pki.rsa_leaf.cert_pem, 'private_key': pki.rsa_leaf.key_pem})]
    assert sleeps == [1.0, 2.0]
    assert result.exit_code == 0 and result['changed'] is True
    assert result['certificate'] == returned(pki.rsa_leaf)
    assert result['zone_id'] == ZONE_ID
    result.assert_no_secret(pki.rsa_leaf.key_pem)


def test_upload_without_waiting_returns_what_cloudflare_answered(cloudflare, run_module, pki, present):
    cloudflare.route('GET', CERTIFICATES, ok([]))
    cloudflare.route('POST', CERTIFICATES, ok(certificate_object(pki.ec_leaf, status='initializing')))

    result = run_module(hostname_client_cert, dict(present, certificate=pki.ec_leaf.cert_pem, private_key=pki.ec_leaf.key_pem, wait=False))

    assert cloudflare.sent == ['GET ' + CERTIFICATES, 'POST ' + CERTIFICATES]
    assert result['changed'] is True
    assert result['certificate'] == returned(pki.ec_leaf, status='initializing')


def test_deployment_timed_out_is_a_failure(cloudflare, run_module, pki, present):
    cloudflare.route('GET', CERTIFICATES, ok([]))
    cloudflare.route('POST', CERTIFICATES, ok(certificate_object(pki.rsa_leaf, status='initializing')))
    cloudflare.route('GET', CERTIFICATE, ok(certificate_object(pki.rsa_leaf, status='deployment_timed_out')))

    result = run_module(hostname_client_cert, present)

    assert result.failed and result.exit_code == 1
    assert result['msg'] == ('Cloudflare reports deployment_timed_out for certificate %s: delete it (state=absent) and upload it again' % CERT_ID)
    assert cloudflare.sent == ['GET ' + CERTIFICATES, 'POST ' + CERTIFICATES, 'GET ' + CERTIFICATE]


def test_waiting_gives_up_after_wait_timeout(cloudflare, run_module, sleeps, pki, present):
    cloudflare.route('GET', CERTIFICATES, ok([]))
    cloudflare.route('POST', CERTIFICATES, ok(certificate_object(pki.rsa_leaf, status='initializing')))
    cloudflare.route('GET', CERTIFICATE, ok(certificate_object(pki.rsa_leaf, status='pending_deployment')))

    result = run_module(hostname_client_cert, dict(present, wait_timeout=5))

    assert sleeps == [1.0, 2.0]
    assert result.failed
    assert result['msg'].startswith('certificate %s is still pending_deployment after 3 seconds: raise wait_timeout' % CERT_ID)


def test_a_second_run_changes_nothing(cloudflare, run_module, pki, present):
    cloudflare.route('GET', CERTIFICATES, ok([]), ok([certificate_object(pki.rsa_leaf)]))
    cloudflare.route('POST', CERTIFICATES, ok(certificate_object(pki.rsa_leaf)))

    first = run_module(hostname_client_cert, present)
    second = run_module(hostname_client_cert, present)

    assert cloudflare.sent == ['GET ' + CERTIFICATES, 'POST ' + CERTIFICATES, 'GET ' + CERTIFICATES]
    assert (first['changed'], second['changed']) == (True, False)
    assert second['certificate'] == first['certificate']


# --- adoption --------------------------------------------------------------------------------------------------


def test_a_certificate_already_on_the_zone_is_adopted_without_the_key(cloudflare, run_module, pki, present):
    # Cloudflare may send the PEM back with other line breaks: it is the same certificate.
    others = [certificate_object(pki.ec_leaf, cert_id=OTHER_CERT_ID)]
    cloudflare.route('GET', CERTIFICATES, ok(others + [certificate_object(pki.rsa_leaf, pem=rewrapped(pki.rsa_leaf.cert_pem))]))

    result = run_module(hostname_client_cert, dict(present, private_key=None))

    assert cloudflare.sent == ['GET ' + CERTIFICATES]
    assert result['changed'] is False
    assert result['certificate'] == returned(pki.rsa_leaf)
    assert 'warnings' not in result


def test_adoption_from_the_association_shaped_list(cloudflare, run_module, pki, present):
    # The 2023-24 list shape: one item per hostname, the certificate under cert_id/cert_status/cert_uploaded_on.
    items = fixture(ASSOCIATION_SHAPED_LIST)['result']
    items[0].update(certificate=pki.second_leaf.cert_pem)
    items[1].update(
        certificate=pki.rsa_leaf.cert_pem,
        cert_status='pending_deployment',
        status='pending_deployment',
        serial_number=pki.rsa_leaf.serial_number,
        issuer=pki.rsa_leaf.issuer,
        expires_on=pki.rsa_leaf.expires_on,
    )
    cloudflare.route('GET', CERTIFICATES, ok(items))
    cloudflare.route('GET', '%s/%s' % (CERTIFICATES, items[1]['cert_id']), ok(certificate_object(pki.rsa_leaf, cert_id=items[1]['cert_id'], status='active')))

    result = run_module(hostname_client_cert, present)

    assert cloudflare.sent == ['GET ' + CERTIFICATES, 'GET %s/%s' % (CERTIFICATES, items[1]['cert_id'])]
    assert result['changed'] is False
    assert result['certificate'] == returned(pki.rsa_leaf, cert_id='2458ce5a-0c35-4c7f-82c7-8e9487d3ff61')


def test_adopting_an_expired_certificate_warns(cloudflare, run_module, pki):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.expired_leaf)]))

    result = run_module(hostname_client_cert, {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'certificate': pki.expired_leaf.cert_pem})

    assert result['changed'] is False and not result.failed
    # The shape of a warning differs between ansible-core versions; its text does not.
    assert 'expired on %s: issue a new one' % pki.expired_leaf.expires_on in json.dumps(result['warnings'])


def test_a_certificate_pending_deletion_cannot_be_adopted_or_uploaded(cloudflare, run_module, pki, present):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.rsa_leaf, status='pending_deletion')]))

    result = run_module(hostname_client_cert, present)

    assert cloudflare.sent == ['GET ' + CERTIFICATES]
    assert result.failed and 'is being deleted from the zone (pending_deletion)' in result['msg']


def test_pagination_of_zone_lookup_and_certificate_list(cloudflare, run_module, pki, present):
    zones = '/zones?name=%s' % ZONE_NAME
    cloudflare.route('GET', zones, page([{'id': 'a' * 32, 'name': 'www.' + ZONE_NAME}], 1, 3))
    cloudflare.route('GET', zones + '&page=2', page([{'id': 'b' * 32, 'name': ZONE_NAME + '.au'}], 2, 3))
    cloudflare.route('GET', zones + '&page=3', page([{'id': ZONE_ID, 'name': ZONE_NAME}], 3, 3))
    cloudflare.route('GET', CERTIFICATES, page([certificate_object(pki.ec_leaf, cert_id='1' * 32)], 1, 3))
    cloudflare.route('GET', CERTIFICATES + '?page=2', page([certificate_object(pki.second_leaf, cert_id='2' * 32)], 2, 3))
    cloudflare.route('GET', CERTIFICATES + '?page=3', page([certificate_object(pki.rsa_leaf)], 3, 3))

    del present['zone_id']
    result = run_module(hostname_client_cert, dict(present, zone=ZONE_NAME))

    assert cloudflare.sent == [
        'GET ' + zones,
        'GET %s&page=2' % zones,
        'GET %s&page=3' % zones,
        'GET ' + CERTIFICATES,
        'GET %s?page=2' % CERTIFICATES,
        'GET %s?page=3' % CERTIFICATES,
    ]
    assert result['changed'] is False and result['certificate']['id'] == CERT_ID
    assert result['zone_id'] == ZONE_ID


def test_a_zone_that_does_not_exist(cloudflare, run_module, present):
    cloudflare.route('GET', '/zones', ok([]))

    del present['zone_id']
    result = run_module(hostname_client_cert, dict(present, zone='missing.example'))

    assert cloudflare.sent == ['GET /zones?name=missing.example']
    assert result.failed
    assert result['msg'].startswith("zone 'missing.example' was not found")
    assert result['api_error']['path'] == '/zones'


# --- an upload converges under faults, never leaving two copies -------------------------------------------------


def test_an_upload_refused_by_the_rate_limit_is_sent_again_by_the_client(cloudflare, run_module, sleeps, pki, present):
    # A 429 is refused before processing: the client may repeat even a POST, after Retry-After.
    cloudflare.route('GET', CERTIFICATES, ok([]))
    cloudflare.route(
        'POST',
        CERTIFICATES,
        fail(429, (971, 'Please wait and consider throttling your request speed'), headers={'Retry-After': '7'}),
        ok(certificate_object(pki.rsa_leaf, status='initializing')),
    )

    result = run_module(hostname_client_cert, dict(present, wait=False))

    assert cloudflare.sent == ['GET ' + CERTIFICATES, 'POST ' + CERTIFICATES, 'POST ' + CERTIFICATES]
    assert sleeps == [7.0]
    assert result['changed'] is True
    assert result['certificate'] == returned(pki.rsa_leaf, status='initializing')


@pytest.mark.parametrize(
    'answer',
    [
        text(502, '<html>502 Bad Gateway</html>'),
        requests.exceptions.ReadTimeout('read timed out'),
        fail(400, (1406, 'This certificate already exists for this zone.')),
    ],
    ids=['502-but-stored', 'timeout-but-stored', '1406-from-a-parallel-run'],
)
def test_an_ambiguous_upload_is_looked_up_and_adopted(cloudflare, run_module, sleeps, pki, present, answer):
    cloudflare.route('GET', CERTIFICATES, ok([]), ok([certificate_object(pki.rsa_leaf)]))
    cloudflare.route('POST', CERTIFICATES, answer, ok(certificate_object(pki.rsa_leaf)))

    result = run_module(hostname_client_cert, present)

    assert cloudflare.sent == ['GET ' + CERTIFICATES, 'POST ' + CERTIFICATES, 'GET ' + CERTIFICATES]
    assert sleeps == []
    assert result['changed'] is True
    assert result['certificate'] == returned(pki.rsa_leaf)


def test_an_upload_refused_because_the_old_copy_is_being_deleted_says_so(cloudflare, run_module, pki, present):
    pending = dict(certificate_object(pki.rsa_leaf), status='pending_deletion')
    cloudflare.route('GET', CERTIFICATES, ok([]), ok([pending]))
    cloudflare.route('POST', CERTIFICATES, fail(400, (1406, 'This certificate already exists for this zone.')))

    result = run_module(hostname_client_cert, present)

    assert cloudflare.sent == ['GET ' + CERTIFICATES, 'POST ' + CERTIFICATES, 'GET ' + CERTIFICATES]
    assert result.failed
    assert 'is being deleted from the zone (pending_deletion)' in result['msg']
    assert 'run again in a few minutes' in result['msg']


def test_an_upload_lost_before_it_was_stored_is_sent_again(cloudflare, run_module, sleeps, pki, present):
    cloudflare.route('GET', CERTIFICATES, ok([]))
    cloudflare.route('POST', CERTIFICATES, text(502, '<html>502 Bad Gateway</html>'), ok(certificate_object(pki.rsa_leaf, status='initializing')))

    result = run_module(hostname_client_cert, dict(present, wait=False))

    assert cloudflare.sent == ['GET ' + CERTIFICATES, 'POST ' + CERTIFICATES, 'GET ' + CERTIFICATES, 'POST ' + CERTIFICATES]
    body = {'certificate': pki.rsa_leaf.cert_pem, 'private_key': pki.rsa_leaf.key_pem}
    assert cloudflare.writes == [('POST ' + CERTIFICATES, body)] * 2
    assert sleeps == [1.0]
    assert result['changed'] is True
    assert result['certificate'] == returned(pki.rsa_leaf, status='initializing')


def test_an_upload_that_keeps_failing_is_sent_three_times_then_fails(cloudflare, run_module, sleeps, pki, present):
    cloudflare.route('GET', CERTIFICATES, ok([]))
    cloudflare.route('POST', CERTIFICATES, text(502, '<html>502 Bad Gateway</html>'))

    result = run_module(hostname_client_cert, present)

    assert cloudflare.sent == ['GET ' + CERTIFICATES] + ['POST ' + CERTIFICATES, 'GET ' + CERTIFICATES] * 3
    assert sleeps == [1.0, 2.0]
    assert result.failed
    assert result['msg'] == (
        'POST %s: HTTP 502 with a body that is not a Cloudflare API response — sent 3 times, and '
        'the zone does not hold the certificate: run again later; cf-ray %s' % (CERTIFICATES, CF_RAY)
    )
    assert result['api_error']['status'] == 502
    result.assert_no_secret(pki.rsa_leaf.key_pem)


def test_an_upload_refused_as_a_duplicate_that_the_zone_does_not_list_fails(cloudflare, run_module, present):
    cloudflare.route('GET', CERTIFICATES, ok([]))
    cloudflare.route('POST', CERTIFICATES, fail(400, (1406, 'This certificate already exists for this zone.')))

    result = run_module(hostname_client_cert, present)

    assert cloudflare.sent == ['GET ' + CERTIFICATES, 'POST ' + CERTIFICATES, 'GET ' + CERTIFICATES]
    assert result.failed
    assert 'Cloudflare says the zone holds this certificate, yet does not list it: run again in a few minutes' in result['msg']
    assert 'Cloudflare error 1406' in result['msg'] and result['msg'].endswith('cf-ray ' + CF_RAY)


def test_a_refused_upload_is_not_looked_up_again(cloudflare, run_module, pki, present):
    cloudflare.route('GET', CERTIFICATES, ok([]))
    cloudflare.route('POST', CERTIFICATES, fail(400, (1400, 'missing leaf certificate')))

    result = run_module(hostname_client_cert, present)

    assert cloudflare.sent == ['GET ' + CERTIFICATES, 'POST ' + CERTIFICATES]
    assert result.failed and 'Cloudflare error 1400: missing leaf certificate' in result['msg']
    result.assert_no_secret(pki.rsa_leaf.key_pem)


# --- refusals before any write ---------------------------------------------------------------------------------


def bad_inputs(pki):
    return {
        'bad-pem': ({'certificate': 'not a pem'}, 'certificate is not a PEM certificate'),
        'bad-key': ({'private_key': 'not a key'}, 'private_key is not an unencrypted PEM private key'),
        'mismatched-key': ({'private_key': pki.ec_leaf.key_pem}, 'private_key does not belong to certificate'),
        'ca-certificate': ({'certificate': pki.rsa_ca.cert_pem, 'private_key': None}, 'certificate is a CA certificate'),
    }


@pytest.mark.parametrize('case', ['bad-pem', 'bad-key', 'mismatched-key', 'ca-certificate'])
def test_bad_input_is_refused_before_any_call(cloudflare, run_module, pki, present, case):
    change, message = bad_inputs(pki)[case]

    result = run_module(hostname_client_cert, dict(present, **change))

    assert cloudflare.calls == []
    assert result.failed and result['msg'].startswith(message)
    result.assert_no_secret(pki.rsa_leaf.key_pem, pki.ec_leaf.key_pem)


def test_an_expired_certificate_is_not_uploaded(cloudflare, run_module, pki):
    cloudflare.route('GET', CERTIFICATES, ok([]))

    result = run_module(
        hostname_client_cert, {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'certificate': pki.expired_leaf.cert_pem, 'private_key': pki.expired_leaf.key_pem}
    )

    assert cloudflare.sent == ['GET ' + CERTIFICATES]
    assert result.failed and result['msg'].startswith('certificate expired on %s' % pki.expired_leaf.expires_on)


def test_an_upload_needs_the_private_key(cloudflare, run_module, present):
    cloudflare.route('GET', CERTIFICATES, ok([]))

    result = run_module(hostname_client_cert, dict(present, private_key=None))

    assert cloudflare.sent == ['GET ' + CERTIFICATES]
    assert result.failed and result['msg'].startswith('private_key is required')


@pytest.mark.parametrize(
    'leaf, message',
    [
        ('server_auth_only', 'certificate has an extendedKeyUsage without clientAuth (serverAuth): origins refuse it'),
        ('any_usage_only', 'certificate has an extendedKeyUsage without clientAuth (anyExtendedKeyUsage)'),
        ('encipherment_key_usage', 'certificate has a keyUsage without digitalSignature (keyEncipherment)'),
        ('not_yet_valid', 'certificate is not valid before '),
        ('rsa_1024', 'certificate has a 1024-bit RSA key'),
        ('secp224r1', 'certificate has an EC key on secp224r1'),
        ('sha1_signed', 'certificate is signed with SHA-1 (SHA1WithRSA)'),
    ],
)
def test_what_an_origin_refuses_is_refused_before_any_call(cloudflare, run_module, pki, leaf, message):
    pair = pki.leaves[leaf]

    result = run_module(hostname_client_cert, {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'certificate': pair.cert_pem, 'private_key': pair.key_pem})

    assert cloudflare.calls == []
    assert result.failed and result['msg'].startswith(message)
    result.assert_no_secret(pair.key_pem)


def test_a_certificate_an_origin_refuses_is_not_adopted_either(cloudflare, run_module, pki):
    # It would fail every pull all the same; the check needs no call, so the zone is not even read.
    pair = pki.leaves['server_auth_only']
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pair)]))

    result = run_module(hostname_client_cert, {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'certificate': pair.cert_pem})

    assert cloudflare.calls == []
    assert result.failed and result['msg'].startswith('certificate has an extendedKeyUsage without clientAuth (serverAuth)')


@pytest.mark.parametrize('key_format', ['PKCS8', 'TraditionalOpenSSL'])
def test_an_encrypted_private_key_is_refused_with_the_fix_and_never_shown(cloudflare, run_module, pki, present, key_format):
    encrypted = pki.rsa_leaf.key.private_bytes(
        serialization.Encoding.PEM, getattr(serialization.PrivateFormat, key_format), serialization.BestAvailableEncryption(b'passphrase')
    ).decode('ascii')

    result = run_module(hostname_client_cert, dict(present, private_key=encrypted))

    assert cloudflare.calls == []
    assert result['msg'].startswith(
        'private_key is encrypted (it needs a passphrase), and Cloudflare needs the key itself: '
        'decrypt it once with "openssl pkey -in key.pem -out key-plain.pem"'
    )
    result.assert_no_secret(encrypted, pki.rsa_leaf.key_pem)


# --- min_days_valid: before any write, for an upload and an adoption alike -----------------------------------------


def too_soon(pair, minimum, option='certificate', days_name='min_days_valid'):
    """The start of the refusal of pair under min_days_valid=minimum, with the whole days it has left now."""
    left = (pair.cert.not_valid_after_utc - datetime.datetime.now(datetime.UTC)).days
    return '%s expires on %s, %d whole day(s) from now, fewer than %s (%d): issue a new client certificate' % (
        option,
        pair.expires_on,
        left,
        days_name,
        minimum,
    )


def test_min_days_valid_refuses_an_upload_before_any_call(cloudflare, run_module, pki, present):
    cloudflare.route('GET', CERTIFICATES, ok([]))

    result = run_module(hostname_client_cert, dict(present, min_days_valid=400))

    assert cloudflare.calls == []
    assert result.failed and result['msg'].startswith(too_soon(pki.rsa_leaf, 400))


def test_min_days_valid_refuses_an_adoption_before_any_call(cloudflare, run_module, pki, present):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.rsa_leaf)]))

    result = run_module(hostname_client_cert, dict(present, private_key=None, min_days_valid=365))

    assert cloudflare.calls == []
    assert result.failed and result['msg'].startswith(too_soon(pki.rsa_leaf, 365))


def test_min_days_valid_refuses_adopting_an_expired_certificate(cloudflare, run_module, pki):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.expired_leaf)]))

    result = run_module(hostname_client_cert, {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'certificate': pki.expired_leaf.cert_pem, 'min_days_valid': 1})

    assert cloudflare.calls == []
    assert result['msg'] == ('certificate expired on %s: issue a new client certificate and give it instead' % pki.expired_leaf.expires_on)


def test_min_days_valid_lets_a_certificate_with_enough_days_through(cloudflare, run_module, pki, present):
    cloudflare.route('GET', CERTIFICATES, ok([]), ok([certificate_object(pki.rsa_leaf)]))
    cloudflare.route('POST', CERTIFICATES, ok(certificate_object(pki.rsa_leaf)))

    uploaded = run_module(hostname_client_cert, dict(present, min_days_valid=300))
    adopted = run_module(hostname_client_cert, dict(present, min_days_valid=300))

    assert cloudflare.sent == ['GET ' + CERTIFICATES, 'POST ' + CERTIFICATES, 'GET ' + CERTIFICATES]
    assert (uploaded['changed'], adopted['changed']) == (True, False)


def test_min_days_valid_below_zero_is_refused(cloudflare, run_module, present):
    result = run_module(hostname_client_cert, dict(present, min_days_valid=-1))

    assert cloudflare.calls == []
    assert result['msg'] == 'min_days_valid must be a whole number, 0 or more (days; 0 turns the check off); it is -1'


def test_the_zone_limit_of_ten_certificates(cloudflare, run_module, pki, present):
    full = [certificate_object(pki.ec_leaf, cert_id='%032x' % number, pem=pki.second_leaf.cert_pem) for number in range(10)]
    cloudflare.route('GET', CERTIFICATES, ok(full))

    result = run_module(hostname_client_cert, present)

    assert cloudflare.sent == ['GET ' + CERTIFICATES]
    assert result.failed and result['msg'].startswith('the zone already holds 10 hostname client certificates')


@pytest.mark.parametrize(
    'status, code, message, hint',
    [
        (401, 10000, 'Authentication error', 'the credentials were refused'),
        (403, 10000, 'Authentication error', 'needs "SSL and Certificates: Edit"'),
        (
            404,
            7003,
            'Could not route to /zones/x, perhaps your object identifier is invalid?',
            'check base_url, which for Cloudflare is https://api.cloudflare.com/client/v4',
        ),
    ],
)
def test_api_errors_are_reported_with_codes_hint_and_cf_ray(cloudflare, run_module, pki, present, status, code, message, hint):
    cloudflare.route('GET', CERTIFICATES, fail(status, (code, message)))

    result = run_module(hostname_client_cert, present)

    assert result.failed and result.exit_code == 1
    assert result['msg'].startswith('GET %s failed: HTTP %d (' % (CERTIFICATES, status))
    assert hint in result['msg']
    assert 'Cloudflare error %d: %s' % (code, message) in result['msg']
    assert result['msg'].endswith('cf-ray ' + CF_RAY)
    assert result['api_error'] == {'method': 'GET', 'path': CERTIFICATES, 'status': status, 'errors': [{'code': code, 'message': message}], 'cf_ray': CF_RAY}
    result.assert_no_secret(pki.rsa_leaf.key_pem)


def test_missing_credentials(cloudflare, run_module, present):
    result = run_module(hostname_client_cert, dict(present, api_token=None))

    assert cloudflare.calls == []
    assert result.failed and result['msg'].startswith(
        'no Cloudflare credentials: set api_token (keep it in Ansible Vault), or api_key with api_email, or CLOUDFLARE_API_TOKEN'
    )


# --- check mode and diff ---------------------------------------------------------------------------------------


def test_check_mode_predicts_the_upload_without_writing(cloudflare, run_module, pki, present):
    cloudflare.route('GET', CERTIFICATES, ok([]))
    cloudflare.route('POST', CERTIFICATES, ok(certificate_object(pki.rsa_leaf, status='initializing')))
    cloudflare.route('GET', CERTIFICATE, ok(certificate_object(pki.rsa_leaf)))

    predicted = run_module(hostname_client_cert, present, check_mode=True, diff=True)
    assert cloudflare.sent == ['GET ' + CERTIFICATES]
    real = run_module(hostname_client_cert, present, diff=True)

    assert predicted['changed'] is real['changed'] is True
    # Only Cloudflare can know the id, status, upload time and how it spells the certificate's details; the id's
    # placeholder lets hostname_aop predict in turn. The fingerprint and expiry come from the PEM.
    unknown = {'id': UNKNOWN_CERT_ID, 'status': UNKNOWN_CERT_ID, 'issuer': UNKNOWN_CERT_ID, 'serial_number': UNKNOWN_CERT_ID, 'signature': UNKNOWN_CERT_ID}
    assert predicted['certificate'] == dict(real['certificate'], uploaded_on=None, **unknown)
    assert predicted['diff'] == {
        'before': {'state': 'absent'},
        'after': dict(real['diff']['after'], id=UNKNOWN_CERT_ID, issuer=UNKNOWN_CERT_ID, serial_number=UNKNOWN_CERT_ID),
    }
    predicted.assert_no_secret(pki.rsa_leaf.key_pem)


def test_diff_shows_the_certificate_by_identity_never_pem(cloudflare, run_module, pki, present):
    cloudflare.route('GET', CERTIFICATES, ok([]))
    cloudflare.route('POST', CERTIFICATES, ok(certificate_object(pki.rsa_leaf)))

    result = run_module(hostname_client_cert, present, diff=True)

    assert result['diff'] == {
        'before': {'state': 'absent'},
        'after': {
            'state': 'present',
            'id': CERT_ID,
            'fingerprint_sha256': returned(pki.rsa_leaf)['fingerprint_sha256'],
            'serial_number': pki.rsa_leaf.serial_number,
            'issuer': pki.rsa_leaf.issuer,
            'expires_on': pki.rsa_leaf.expires_on,
        },
    }
    assert set(result['certificate']) == RETURNED_KEYS
    result.assert_no_secret(pki.rsa_leaf.key_pem)
    assert not [line for line in key_fragments(pki.rsa_leaf.cert_pem) if line in result.without_invocation]


def test_check_mode_of_an_adoption_predicts_active(cloudflare, run_module, pki, present):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.rsa_leaf, status='pending_deployment')]))

    result = run_module(hostname_client_cert, present, check_mode=True)

    assert cloudflare.sent == ['GET ' + CERTIFICATES]
    assert result['changed'] is False
    assert result['certificate'] == returned(pki.rsa_leaf)


# --- removal ---------------------------------------------------------------------------------------------------


def test_remove_by_certificate_deletes_and_waits_until_gone(cloudflare, run_module, pki):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.ec_leaf, cert_id=OTHER_CERT_ID), certificate_object(pki.rsa_leaf)]))
    cloudflare.route('DELETE', CERTIFICATE, ok(certificate_object(pki.rsa_leaf, status='pending_deletion')))
    cloudflare.route('GET', CERTIFICATE, ok(certificate_object(pki.rsa_leaf, status='pending_deletion')), fail(404, (1551, 'Certificate not found')))

    result = run_module(hostname_client_cert, {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'certificate': pki.rsa_leaf.cert_pem, 'state': 'absent'}, diff=True)

    assert cloudflare.sent == ['GET ' + CERTIFICATES, 'DELETE ' + CERTIFICATE, 'GET ' + CERTIFICATE, 'GET ' + CERTIFICATE]
    assert cloudflare.writes == [('DELETE ' + CERTIFICATE, None)]
    assert result['changed'] is True and result['kept'] == []
    assert result['certificate'] == returned(pki.rsa_leaf, status='deleted')
    assert result['diff']['before']['state'] == 'present' and result['diff']['after'] == {'state': 'absent'}


def test_remove_by_id(cloudflare, run_module, pki):
    cloudflare.route('GET', CERTIFICATE, ok(certificate_object(pki.rsa_leaf)), fail(404, (1551, 'Certificate not found')))
    cloudflare.route('DELETE', CERTIFICATE, ok(certificate_object(pki.rsa_leaf, status='pending_deletion')))

    result = run_module(hostname_client_cert, {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'id': CERT_ID, 'state': 'absent'})

    assert cloudflare.sent == ['GET ' + CERTIFICATE, 'DELETE ' + CERTIFICATE, 'GET ' + CERTIFICATE]
    assert result['changed'] is True and result['certificate']['status'] == 'deleted'


def test_remove_from_the_association_shaped_list(cloudflare, run_module):
    # The cloudflare-go fixture as it is: both hostnames carry the same PEM; the first certificate id is deleted.
    listed = fixture(ASSOCIATION_SHAPED_LIST)['result']
    deleted = '%s/%s' % (CERTIFICATES, listed[0]['cert_id'])
    cloudflare.route('GET', CERTIFICATES, ok(listed))
    cloudflare.route('DELETE', deleted, ok(None))

    result = run_module(
        hostname_client_cert, {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'certificate': listed[0]['certificate'], 'state': 'absent', 'wait': False}
    )

    assert cloudflare.sent == ['GET ' + CERTIFICATES, 'DELETE ' + deleted]
    assert result['changed'] is True
    assert result['certificate']['id'] == listed[0]['cert_id']
    assert result['certificate']['uploaded_on'] == listed[0]['cert_uploaded_on']


def test_remove_when_already_gone_changes_nothing(cloudflare, run_module, pki):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.ec_leaf, cert_id=OTHER_CERT_ID)]))

    result = run_module(hostname_client_cert, {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'certificate': pki.rsa_leaf.cert_pem, 'state': 'absent'}, diff=True)

    assert cloudflare.sent == ['GET ' + CERTIFICATES]
    assert result['changed'] is False and result['certificate'] is None and result['kept'] == []
    assert result['diff'] == {'before': {'state': 'absent'}, 'after': {'state': 'absent'}}


def test_remove_by_unknown_id_changes_nothing(cloudflare, run_module):
    cloudflare.route('GET', CERTIFICATE, fail(404, (1551, 'Certificate not found')))

    result = run_module(hostname_client_cert, {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'id': CERT_ID, 'state': 'absent'})

    assert cloudflare.sent == ['GET ' + CERTIFICATE]
    assert result['changed'] is False and not result.failed


def test_check_mode_removal_predicts_the_real_result(cloudflare, run_module, pki):
    args = {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'certificate': pki.rsa_leaf.cert_pem, 'state': 'absent'}
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.rsa_leaf)]))
    cloudflare.route('DELETE', CERTIFICATE, ok(None))
    cloudflare.route('GET', CERTIFICATE, fail(404, (1551, 'Certificate not found')))

    predicted = run_module(hostname_client_cert, args, check_mode=True, diff=True)
    assert cloudflare.sent == ['GET ' + CERTIFICATES]
    real = run_module(hostname_client_cert, args, diff=True)

    assert cloudflare.writes == [('DELETE ' + CERTIFICATE, None)]
    assert predicted['changed'] is real['changed'] is True
    assert predicted['certificate'] == real['certificate']
    assert predicted['diff'] == real['diff']


def test_a_certificate_still_in_use_is_not_deleted_and_the_fix_is_named(cloudflare, run_module, pki):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.rsa_leaf)]))
    cloudflare.route('DELETE', CERTIFICATE, fail(400, (1433, 'Certificate is in use by one or more hostnames')))

    result = run_module(hostname_client_cert, {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'certificate': pki.rsa_leaf.cert_pem, 'state': 'absent'})

    assert cloudflare.sent == ['GET ' + CERTIFICATES, 'DELETE ' + CERTIFICATE]
    assert result.failed
    assert 'void them first with aop.cloudflare.hostname_aop (state=absent)' in result['msg']
    assert 'Cloudflare error 1433' in result['msg'] and result['api_error']['errors'][0]['code'] == 1433


def test_a_certificate_still_in_use_is_kept_when_asked(cloudflare, run_module, pki):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.rsa_leaf)]))
    cloudflare.route('DELETE', CERTIFICATE, fail(400, (1433, 'Certificate is in use by one or more hostnames')))

    result = run_module(
        hostname_client_cert,
        {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'certificate': pki.rsa_leaf.cert_pem, 'state': 'absent', 'when_in_use': 'keep'},
        diff=True,
    )

    assert cloudflare.sent == ['GET ' + CERTIFICATES, 'DELETE ' + CERTIFICATE]
    assert not result.failed and result['changed'] is False
    assert result['kept'] == [CERT_ID]
    assert result['certificate'] == returned(pki.rsa_leaf)
    assert result['diff']['before'] == result['diff']['after'] and result['diff']['after']['state'] == 'present'
    warnings = json.dumps(result['warnings'])
    assert 'kept certificate %s: hostnames still use it (Cloudflare error 1433)' % CERT_ID in warnings
    assert 'with aop.cloudflare.hostname_aop, then delete it' in warnings


# --- many certificates in one run ------------------------------------------------------------------------------

FIRST_ID, SECOND_ID = '1' * 32, '2' * 32


def many(*pairs, **options):
    """Arguments for the list form: each pair with its key."""
    items = [{'certificate': pair.cert_pem, 'private_key': pair.key_pem} for pair in pairs]
    return dict({'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'certificates': items}, **options)


def test_many_read_the_zone_once_upload_the_missing_then_wait_for_all(cloudflare, run_module, sleeps, pki):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.rsa_leaf)]))
    cloudflare.route(
        'POST',
        CERTIFICATES,
        ok(certificate_object(pki.ec_leaf, cert_id=FIRST_ID, status='initializing')),
        ok(certificate_object(pki.second_leaf, cert_id=SECOND_ID, status='initializing')),
    )
    cloudflare.route(
        'GET',
        '%s/%s' % (CERTIFICATES, FIRST_ID),
        ok(certificate_object(pki.ec_leaf, cert_id=FIRST_ID, status='pending_deployment')),
        ok(certificate_object(pki.ec_leaf, cert_id=FIRST_ID)),
    )
    cloudflare.route('GET', '%s/%s' % (CERTIFICATES, SECOND_ID), ok(certificate_object(pki.second_leaf, cert_id=SECOND_ID)))

    result = run_module(hostname_client_cert, many(pki.ec_leaf, pki.rsa_leaf, pki.second_leaf), diff=True)

    # Both uploads are sent before the first wait, so that Cloudflare deploys them side by side.
    assert cloudflare.sent == [
        'GET ' + CERTIFICATES,
        'POST ' + CERTIFICATES,
        'POST ' + CERTIFICATES,
        'GET %s/%s' % (CERTIFICATES, FIRST_ID),
        'GET %s/%s' % (CERTIFICATES, FIRST_ID),
        'GET %s/%s' % (CERTIFICATES, SECOND_ID),
    ]
    assert [body['certificate'] for _call, body in cloudflare.writes] == [pki.ec_leaf.cert_pem, pki.second_leaf.cert_pem]
    assert sleeps == [1.0]
    assert result['changed'] is True and 'certificate' not in result
    assert result['certificates'] == [returned(pki.ec_leaf, cert_id=FIRST_ID), returned(pki.rsa_leaf), returned(pki.second_leaf, cert_id=SECOND_ID)]
    before, after = result['diff']['before']['certificates'], result['diff']['after']['certificates']
    assert [view['state'] for view in before] == ['absent', 'present', 'absent']
    assert [view['fingerprint_sha256'] for view in after] == [view['fingerprint_sha256'] for view in result['certificates']]
    result.assert_no_secret(pki.ec_leaf.key_pem, pki.rsa_leaf.key_pem, pki.second_leaf.key_pem)


def test_many_in_check_mode_predict_ids_to_come(cloudflare, run_module, pki):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.rsa_leaf)]))

    result = run_module(hostname_client_cert, many(pki.rsa_leaf, pki.ec_leaf), check_mode=True, diff=True)

    assert cloudflare.sent == ['GET ' + CERTIFICATES]
    assert result['changed'] is True
    unknown = {'id': UNKNOWN_CERT_ID, 'status': UNKNOWN_CERT_ID, 'issuer': UNKNOWN_CERT_ID, 'serial_number': UNKNOWN_CERT_ID, 'signature': UNKNOWN_CERT_ID}
    assert result['certificates'] == [returned(pki.rsa_leaf), dict(returned(pki.ec_leaf), uploaded_on=None, **unknown)]
    assert result['diff']['after']['certificates'][1]['id'] == UNKNOWN_CERT_ID
    result.assert_no_secret(pki.rsa_leaf.key_pem, pki.ec_leaf.key_pem)


def test_many_report_every_problem_before_any_call(cloudflare, run_module, pki):
    args = many(pki.rsa_leaf, pki.ec_leaf, pki.second_leaf, pki.rsa_ca)
    args['certificates'][0]['certificate'] = 'not a pem'
    args['certificates'][2]['private_key'] = pki.rsa_leaf.key_pem

    result = run_module(hostname_client_cert, args)

    assert cloudflare.calls == []
    assert result.failed
    problems = result['msg'].split(' | ')
    assert [problem.split(' ')[0] for problem in problems] == ['certificates[0].certificate', 'certificates[2].private_key', 'certificates[3].certificate']
    assert problems[0].startswith('certificates[0].certificate is not a PEM certificate')
    assert problems[1].startswith('certificates[2].private_key does not belong to certificate')
    assert problems[2].startswith('certificates[3].certificate is a CA certificate')
    result.assert_no_secret(pki.rsa_leaf.key_pem, pki.ec_leaf.key_pem, pki.second_leaf.key_pem)


def test_many_report_what_only_the_zone_list_reveals_before_any_write(cloudflare, run_module, pki):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.rsa_leaf, status='pending_deletion')]))
    args = many(pki.expired_leaf, pki.ec_leaf, pki.rsa_leaf)
    args['certificates'][1]['private_key'] = None

    result = run_module(hostname_client_cert, args)

    assert cloudflare.sent == ['GET ' + CERTIFICATES]
    problems = result['msg'].split(' | ')
    assert problems[0] == ('certificates[0].certificate expired on %s: issue a new client certificate and give it instead' % pki.expired_leaf.expires_on)
    assert problems[1].startswith('certificates[1].private_key is required to upload')
    assert problems[2].startswith('certificates[2].certificate %s is being deleted from the zone' % CERT_ID)


def test_many_name_both_places_of_a_duplicate(cloudflare, run_module, pki):
    args = many(pki.rsa_leaf, pki.ec_leaf, pki.rsa_leaf)
    args['certificates'][2]['certificate'] = rewrapped(pki.rsa_leaf.cert_pem)

    result = run_module(hostname_client_cert, args)

    assert cloudflare.calls == []
    assert result['msg'] == (
        'certificates[0] and certificates[2] name the same certificate (%s): list each certificate once' % colons(pki.rsa_leaf.fingerprint_sha256)
    )


def test_many_refuse_uploads_beyond_the_zone_limit_before_any_write(cloudflare, run_module, pki):
    nine = [certificate_object(pki.rsa_leaf, cert_id='%032x' % number, pem=pki.second_leaf.cert_pem) for number in range(9)]
    cloudflare.route('GET', CERTIFICATES, ok(nine))

    result = run_module(hostname_client_cert, many(pki.rsa_leaf, pki.ec_leaf))

    assert cloudflare.sent == ['GET ' + CERTIFICATES]
    assert result['msg'].startswith("the zone already holds 9 hostname client certificates and 2 more would exceed Cloudflare's limit of 10")


def test_many_say_which_upload_failed(cloudflare, run_module, pki):
    cloudflare.route('GET', CERTIFICATES, ok([]))
    cloudflare.route('POST', CERTIFICATES, ok(certificate_object(pki.rsa_leaf, status='initializing')), fail(400, (1400, 'missing leaf certificate')))

    result = run_module(hostname_client_cert, many(pki.rsa_leaf, pki.ec_leaf))

    assert cloudflare.sent == ['GET ' + CERTIFICATES, 'POST ' + CERTIFICATES, 'POST ' + CERTIFICATES]
    assert result['msg'].startswith('certificates[1]: POST %s failed: HTTP 400' % CERTIFICATES)
    assert 'Cloudflare error 1400: missing leaf certificate' in result['msg']


@pytest.mark.parametrize(
    'options, message',
    [
        ({'certificates': [{'id': CERT_ID}]}, 'certificates[0].id is only for state=absent'),
        ({'certificates': [{'certificate': 'x', 'id': CERT_ID}], 'state': 'absent'}, 'parameters are mutually exclusive: certificate|id'),
        ({'certificates': [], 'certificate': 'x'}, 'parameters are mutually exclusive: certificates|certificate'),
    ],
)
def test_many_options_that_exclude_each_other(cloudflare, run_module, options, message):
    result = run_module(hostname_client_cert, dict({'api_token': API_TOKEN, 'zone_id': ZONE_ID}, **options))

    assert cloudflare.calls == []
    assert result.failed and result['msg'].startswith(message)


def test_many_deleted_by_certificate_or_id_keeping_those_in_use(cloudflare, run_module, pki):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.ec_leaf, cert_id=OTHER_CERT_ID), certificate_object(pki.rsa_leaf)]))
    cloudflare.route('GET', '%s/%s' % (CERTIFICATES, OTHER_CERT_ID), ok(certificate_object(pki.ec_leaf, cert_id=OTHER_CERT_ID)))
    cloudflare.route('DELETE', CERTIFICATE, ok(None))
    cloudflare.route('DELETE', '%s/%s' % (CERTIFICATES, OTHER_CERT_ID), fail(400, (1433, 'Certificate is in use by one or more hostnames')))
    cloudflare.route('GET', CERTIFICATE, fail(404, (1551, 'Certificate not found')))
    items = [{'certificate': pki.rsa_leaf.cert_pem}, {'id': OTHER_CERT_ID}, {'certificate': pki.second_leaf.cert_pem}]

    result = run_module(
        hostname_client_cert, {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'certificates': items, 'state': 'absent', 'when_in_use': 'keep'}, diff=True
    )

    # The list is read once for the two given by PEM; every deletion is sent before the wait.
    assert cloudflare.sent == [
        'GET ' + CERTIFICATES,
        'GET %s/%s' % (CERTIFICATES, OTHER_CERT_ID),
        'DELETE ' + CERTIFICATE,
        'DELETE %s/%s' % (CERTIFICATES, OTHER_CERT_ID),
        'GET ' + CERTIFICATE,
    ]
    assert result['changed'] is True and not result.failed
    assert result['certificates'] == [returned(pki.rsa_leaf, status='deleted'), returned(pki.ec_leaf, cert_id=OTHER_CERT_ID), None]
    assert result['kept'] == [OTHER_CERT_ID]
    assert [view['state'] for view in result['diff']['after']['certificates']] == ['absent', 'present', 'absent']
    assert 'kept certificate %s' % OTHER_CERT_ID in json.dumps(result['warnings'])


def test_many_deleted_fail_on_the_first_in_use_by_default_naming_it(cloudflare, run_module, pki):
    cloudflare.route('GET', '%s/%s' % (CERTIFICATES, OTHER_CERT_ID), ok(certificate_object(pki.ec_leaf, cert_id=OTHER_CERT_ID)))
    cloudflare.route('GET', CERTIFICATE, ok(certificate_object(pki.rsa_leaf)))
    cloudflare.route('DELETE', '%s/%s' % (CERTIFICATES, OTHER_CERT_ID), fail(400, (1433, 'Certificate is in use by one or more hostnames')))

    result = run_module(
        hostname_client_cert, {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'state': 'absent', 'certificates': [{'id': OTHER_CERT_ID}, {'id': CERT_ID}]}
    )

    assert cloudflare.sent == ['GET %s/%s' % (CERTIFICATES, OTHER_CERT_ID), 'GET ' + CERTIFICATE, 'DELETE %s/%s' % (CERTIFICATES, OTHER_CERT_ID)]
    assert result.failed and result['msg'].startswith('certificates[0]: DELETE')
    assert 'hostnames still use certificate %s' % OTHER_CERT_ID in result['msg']


def test_every_problem_of_a_listed_certificate_is_named_by_its_place(cloudflare, run_module, pki):
    args = many(pki.rsa_leaf, pki.leaves['not_yet_valid'])
    args['certificates'][1]['private_key'] = pki.ec_leaf.key_pem

    result = run_module(hostname_client_cert, args)

    assert cloudflare.calls == []
    problems = result['msg'].split(' | ')
    assert [problem.split(' ')[0] for problem in problems] == ['certificates[1].private_key', 'certificates[1].certificate']
    assert problems[1].startswith('certificates[1].certificate is not valid before ')


def test_min_days_valid_applies_to_every_listed_certificate(cloudflare, run_module, pki):
    result = run_module(hostname_client_cert, many(pki.rsa_leaf, pki.leaves['p384'], min_days_valid=400))

    assert cloudflare.calls == []
    problems = result['msg'].split(' | ')
    assert len(problems) == 2
    assert problems[0].startswith(too_soon(pki.rsa_leaf, 400, option='certificates[0].certificate'))
    assert problems[1].startswith(too_soon(pki.leaves['p384'], 400, option='certificates[1].certificate'))


# --- "not found" means the certificate, never the zone ----------------------------------------------------------


def test_removal_with_a_mistyped_zone_id_fails_instead_of_reporting_ok(cloudflare, run_module):
    cloudflare.route('GET', CERTIFICATE, fail(404, (1001, 'Invalid zone identifier')))

    result = run_module(hostname_client_cert, {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'id': CERT_ID, 'state': 'absent'})

    assert cloudflare.sent == ['GET ' + CERTIFICATE]
    assert result.failed and 'Cloudflare error 1001: Invalid zone identifier' in result['msg'], 'never "already deleted"'


def test_a_delete_answered_404_about_the_zone_fails(cloudflare, run_module, pki):
    cloudflare.route('GET', CERTIFICATE, ok(certificate_object(pki.rsa_leaf)))
    cloudflare.route('DELETE', CERTIFICATE, fail(404, (1001, 'Invalid zone identifier')))

    result = run_module(hostname_client_cert, {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'id': CERT_ID, 'state': 'absent'})

    assert result.failed and 'Cloudflare error 1001' in result['msg']


@pytest.mark.parametrize('given', [CERT_ID + '/../../settings', '../' + CERT_ID, CERT_ID + '?x', ' ' + CERT_ID])
def test_an_id_that_would_change_the_path_is_refused_before_any_call(cloudflare, run_module, given):
    result = run_module(hostname_client_cert, {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'id': given, 'state': 'absent'})

    assert cloudflare.calls == []
    assert result.failed and result['msg'].startswith('id: %r is not a certificate id' % given)


def test_cloudflares_only_leaf_refusal_is_reported_with_its_code(cloudflare, run_module, present):
    """The local check refuses a CA first; should Cloudflare still refuse a leaf as a CA, its words reach the user."""
    cloudflare.route('GET', CERTIFICATES, ok([]))
    cloudflare.route('POST', CERTIFICATES, fail(400, (1412, 'Only leaf certificate is allowed.')))

    result = run_module(hostname_client_cert, present)

    assert [call for call in cloudflare.sent if call.startswith('POST')] == ['POST ' + CERTIFICATES], 'a 400 is not sent again'
    assert result.failed and 'Cloudflare error 1412: Only leaf certificate is allowed.' in result['msg'] and CF_RAY in result['msg']
    result.assert_no_secret()


def test_the_zones_other_certificates_are_returned_with_their_subject(cloudflare, run_module, pki, present):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.rsa_leaf), certificate_object(pki.ec_leaf, cert_id=OTHER_CERT_ID)]))

    result = run_module(hostname_client_cert, present)

    assert cloudflare.writes == []
    assert [other['id'] for other in result['other_certificates']] == [OTHER_CERT_ID]
    assert result['other_certificates'][0]['subject'] == pki.ec_leaf.cert.subject.rfc4514_string()
    assert result['other_certificates'][0]['fingerprint_sha256'] == colons(pki.ec_leaf.fingerprint_sha256)
