# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Certificate helpers: parsing, the checks Cloudflare would make, identity by meaning, and what a user may see."""

import datetime
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization

from ansible_collections.aop.cloudflare.plugins.module_utils._certificate import (
    CertificateError,
    certificate_problems,
    describe,
    fingerprint_sha256,
    is_ca,
    load_certificate,
    load_private_key,
    public_keys_match,
    same_certificate,
    signature_name,
    validate_for_upload,
)
from ansible_collections.aop.cloudflare.tests.pki import key_fragments, rewrapped

UTC = datetime.UTC


def test_a_pem_certificate_loads(pki):
    assert load_certificate(pki.rsa_leaf.cert_pem).serial_number == pki.rsa_leaf.cert.serial_number


@pytest.mark.parametrize('pem', ['not a certificate', '', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'])
def test_bad_pem_names_the_option(pem):
    with pytest.raises(CertificateError, match='^certificate is not a PEM certificate .*BEGIN CERTIFICATE'):
        load_certificate(pem)


def test_a_private_key_given_as_certificate_is_not_quoted_back(pki):
    with pytest.raises(CertificateError) as error:
        load_certificate(pki.rsa_leaf.key_pem)
    assert not [line for line in key_fragments(pki.rsa_leaf.key_pem) if line in str(error.value)]


@pytest.mark.parametrize('leaf', ['rsa_leaf', 'ec_leaf'])
def test_rsa_and_ecdsa_keys_load(pki, leaf):
    pair = getattr(pki, leaf)
    assert public_keys_match(pair.cert, load_private_key(pair.key_pem))


def test_keys_load_without_openssls_rsa_check_and_on_cryptography_without_that_argument(pki, monkeypatch):
    """The planner and the module load every declared key on every run: OpenSSL's RSA check (primality tests) costs
    about 35 ms a key and buys nothing, since the key only travels to Cloudflare; cryptography before 39 lacks the
    argument that skips it, and still loads the key."""
    seen: list[object] = []
    real = serialization.load_pem_private_key

    def recording(data, password, **kwargs):
        seen.append(kwargs)
        return real(data, password, **kwargs)

    monkeypatch.setattr(serialization, 'load_pem_private_key', recording)
    assert public_keys_match(pki.rsa_leaf.cert, load_private_key(pki.rsa_leaf.key_pem))
    assert seen == [{'unsafe_skip_rsa_key_validation': True}]

    def before_39(data, password):
        seen.append('old')
        return real(data, password)

    monkeypatch.setattr(serialization, 'load_pem_private_key', before_39)
    assert public_keys_match(pki.rsa_leaf.cert, load_private_key(pki.rsa_leaf.key_pem))
    assert seen[1:] == ['old']  # the call with the argument never reached it
    with pytest.raises(CertificateError, match='^private_key is not an unencrypted PEM private key'):
        load_private_key(pki.rsa_leaf.key_pem.replace('MII', 'MIX', 1))


def test_a_bad_private_key_is_refused_without_quoting_it(pki):
    garbled = pki.rsa_leaf.key_pem.replace('\n', '\n!', 3)
    with pytest.raises(CertificateError, match='^private_key is not an unencrypted PEM private key') as error:
        load_private_key(garbled)
    assert not [line for line in key_fragments(pki.rsa_leaf.key_pem) if line in str(error.value)]


ENCRYPTED_KEY = (
    'private_key is encrypted (it needs a passphrase), and Cloudflare needs the key itself: decrypt it once '
    'with "openssl pkey -in key.pem -out key-plain.pem", then protect key-plain.pem with "ansible-vault '
    'encrypt key-plain.pem" instead (Ansible decrypts a vault file when it reads it)'
)


@pytest.mark.parametrize(
    'leaf, key_format, header',
    [
        ('ec_leaf', serialization.PrivateFormat.PKCS8, '-----BEGIN ENCRYPTED PRIVATE KEY-----'),
        ('rsa_leaf', serialization.PrivateFormat.TraditionalOpenSSL, 'Proc-Type: 4,ENCRYPTED'),
        ('ec_leaf', serialization.PrivateFormat.TraditionalOpenSSL, 'Proc-Type: 4,ENCRYPTED'),
    ],
    ids=['pkcs8', 'traditional-rsa', 'traditional-ec'],
)
def test_an_encrypted_private_key_is_refused_with_how_to_decrypt_it(pki, leaf, key_format, header):
    encrypted = (
        getattr(pki, leaf).key.private_bytes(serialization.Encoding.PEM, key_format, serialization.BestAvailableEncryption(b'passphrase')).decode('ascii')
    )
    assert header in encrypted

    with pytest.raises(CertificateError) as error:
        load_private_key(encrypted)

    assert str(error.value) == ENCRYPTED_KEY
    assert not [line for line in key_fragments(encrypted) if line in str(error.value)]
    with pytest.raises(CertificateError, match=r'^per_hostname_aop_private_key_file is encrypted \(it needs a passphrase\)'):
        load_private_key(encrypted.encode('ascii'), option='per_hostname_aop_private_key_file')


@pytest.mark.parametrize('leaf', ['rsa_leaf', 'ec_leaf'])
def test_a_leaf_is_valid_for_upload(pki, leaf):
    pair = getattr(pki, leaf)
    assert certificate_problems(pair.cert, pair.key, upload=True) == []
    validate_for_upload(pair.cert, pair.key)  # raises CertificateError with those problems when there are any


def test_a_ca_certificate_is_refused(pki):
    assert is_ca(pki.rsa_ca.cert) and not is_ca(pki.rsa_leaf.cert)
    with pytest.raises(CertificateError, match='^certificate is a CA certificate'):
        validate_for_upload(pki.rsa_ca.cert, pki.rsa_ca.key)


def test_a_key_of_another_certificate_is_refused(pki):
    assert not public_keys_match(pki.rsa_leaf.cert, pki.ec_leaf.key)
    with pytest.raises(CertificateError, match='^private_key does not belong to certificate'):
        validate_for_upload(pki.rsa_leaf.cert, pki.ec_leaf.key)


def test_an_upload_needs_the_key(pki):
    with pytest.raises(CertificateError, match='^private_key is required'):
        validate_for_upload(pki.rsa_leaf.cert, None)


def test_an_expired_certificate_is_refused_and_says_when_it_expired(pki):
    with pytest.raises(CertificateError, match='^certificate expired on %s' % pki.expired_leaf.expires_on):
        validate_for_upload(pki.expired_leaf.cert, pki.expired_leaf.key)


def test_expiry_is_judged_against_the_given_time(pki):
    after_expiry = pki.rsa_leaf.cert.not_valid_after_utc + datetime.timedelta(seconds=1)
    with pytest.raises(CertificateError, match='expired'):
        validate_for_upload(pki.rsa_leaf.cert, pki.rsa_leaf.key, now=after_expiry)


def test_the_fingerprint_is_the_sha256_of_the_der(pki):
    der = pki.rsa_leaf.cert.public_bytes(serialization.Encoding.DER)
    expected = hashlib.sha256(der).hexdigest()
    assert fingerprint_sha256(pki.rsa_leaf.cert) == ':'.join(expected[index : index + 2] for index in range(0, 64, 2))


def test_certificates_are_compared_by_der_not_by_text(pki):
    assert same_certificate(pki.rsa_leaf.cert, rewrapped(pki.rsa_leaf.cert_pem))
    assert not same_certificate(pki.rsa_leaf.cert, pki.second_leaf.cert_pem)
    assert not same_certificate(pki.rsa_leaf.cert, None)
    assert not same_certificate(pki.rsa_leaf.cert, 'garbage')


@pytest.mark.parametrize('name', ['rsa_leaf', 'ec_leaf', 'second_leaf', 'rsa_ca'])
def test_the_signature_name_follows_the_issuers_key(pki, name):
    pair = getattr(pki, name)
    assert signature_name(pair.cert) == pair.signature


def test_describe_shows_identity_and_validity_never_pem(pki):
    shown = describe(pki.ec_leaf.cert)

    assert shown == {
        'fingerprint_sha256': fingerprint_sha256(pki.ec_leaf.cert),
        'serial_number': pki.ec_leaf.serial_number,
        'issuer': pki.ec_leaf.issuer,
        'subject': 'CN=api.example.com,O=aop.cloudflare tests',
        'signature': 'ECDSAWithSHA256',
        'expires_on': pki.ec_leaf.expires_on,
    }


# --- what a standard TLS origin refuses on every pull ---------------------------------------------------------------


@pytest.mark.parametrize(
    'leaf, start, fix',
    [
        (
            'server_auth_only',
            'certificate has an extendedKeyUsage without clientAuth (serverAuth): origins refuse it on every pull (OpenSSL: unsuitable certificate purpose)',
            'issue it with extendedKeyUsage clientAuth, or without extendedKeyUsage',
        ),
        # OpenSSL counts anyExtendedKeyUsage as no client purpose (seen with OpenSSL 3.0's s_server).
        (
            'any_usage_only',
            'certificate has an extendedKeyUsage without clientAuth (anyExtendedKeyUsage): origins refuse it',
            'issue it with extendedKeyUsage clientAuth',
        ),
        (
            'encipherment_key_usage',
            'certificate has a keyUsage without digitalSignature (keyEncipherment): a client '
            'certificate signs each TLS handshake, which that keyUsage does not allow (OpenSSL: '
            'unsuitable certificate purpose)',
            'issue it with keyUsage digitalSignature, or without keyUsage',
        ),
        # OpenSSL lets keyAgreement pass, so the message does not say OpenSSL refuses it.
        (
            'agreement_key_usage',
            'certificate has a keyUsage without digitalSignature (keyAgreement): a client certificate '
            'signs each TLS handshake, which that keyUsage does not allow; ',
            'issue it with keyUsage digitalSignature',
        ),
        (
            'not_yet_valid',
            'certificate is not valid before {not_before} (notBefore): origins refuse it on every pull until then',
            'or issue one that is valid now',
        ),
        (
            'rsa_1024',
            'certificate has a 1024-bit RSA key: origins refuse RSA keys under 2048 bits on every pull',
            'issue one with a 2048-bit or larger RSA key, or an EC key on P-256',
        ),
        (
            'secp224r1',
            'certificate has an EC key on secp224r1: origins accept only P-256, P-384 and P-521',
            'issue one on P-256 (prime256v1), P-384 or P-521, or with a 2048-bit RSA key',
        ),
        ('secp256k1', 'certificate has an EC key on secp256k1: origins accept only P-256, P-384 and P-521', 'issue one on P-256 (prime256v1), P-384 or P-521'),
        (
            'sha1_signed',
            'certificate is signed with SHA-1 (SHA1WithRSA): origins refuse it on every pull (OpenSSL: CA signature digest algorithm too weak)',
            'have your CA sign it with SHA-256 or stronger',
        ),
        ('md5_signed', 'certificate is signed with MD5 (MD5WithRSA): origins refuse it on every pull', 'have your CA sign it with SHA-256 or stronger'),
    ],
)
def test_what_an_origin_refuses_is_refused_naming_the_field_and_the_fix(pki, leaf, start, fix):
    pair = pki.leaves[leaf]
    start = start.format(not_before=pair.cert.not_valid_before_utc.strftime('%Y-%m-%dT%H:%M:%SZ'))

    problems = certificate_problems(pair.cert, pair.key)

    assert len(problems) == 1 and problems[0].startswith(start), problems
    assert fix in problems[0]
    with pytest.raises(CertificateError) as error:
        validate_for_upload(pair.cert, pair.key)
    assert error.value.problems == problems


@pytest.mark.parametrize('leaf', ['rsa_leaf', 'ec_leaf', 'p384', 'p521', 'no_extended_key_usage', 'server_and_client_auth', 'signing_key_usage'])
def test_what_an_origin_accepts_passes(pki, leaf):
    """The boundaries: a 2048-bit RSA key, P-256 (and the two larger curves), no extendedKeyUsage, clientAuth among
    others, a keyUsage with digitalSignature."""
    pair = getattr(pki, leaf) if leaf in ('rsa_leaf', 'ec_leaf') else pki.leaves[leaf]
    assert certificate_problems(pair.cert, pair.key) == []
    validate_for_upload(pair.cert, pair.key)


def test_every_problem_of_one_certificate_is_reported_and_names_are_given_by_the_caller(pki):
    pair = pki.leaves['not_yet_valid']
    names = {'certificate': 'role.certificate_file', 'private_key': 'role.private_key_file'}

    problems = certificate_problems(pair.cert, pki.ec_leaf.key, names=names)

    assert [problem.split(' ')[0] for problem in problems] == ['role.private_key_file', 'role.certificate_file']
    assert problems[0].startswith('role.private_key_file does not belong to role.certificate_file')
    assert str(CertificateError(*problems)) == ' | '.join(problems)


# --- expiry: uploads, adoptions and min_days_valid ------------------------------------------------------------------


def test_min_days_valid_counts_whole_days_left_and_names_the_date(pki):
    cert, expires_on = pki.rsa_leaf.cert, pki.rsa_leaf.expires_on
    thirty_days_before = cert.not_valid_after_utc - datetime.timedelta(days=30, seconds=1)

    assert certificate_problems(cert, now=thirty_days_before, min_days_valid=30) == []
    assert certificate_problems(cert, now=thirty_days_before, min_days_valid=31) == [
        'certificate expires on %s, 30 whole day(s) from now, fewer than min_days_valid (31): issue a new client '
        'certificate and give it instead, or lower min_days_valid' % expires_on
    ]
    assert certificate_problems(cert, now=thirty_days_before, min_days_valid=31, names={'min_days_valid': 'per_hostname_aop_min_days_valid'})[0].endswith(
        'fewer than per_hostname_aop_min_days_valid (31): issue a new client certificate and give it instead, or lower per_hostname_aop_min_days_valid'
    )


def test_an_expired_certificate_is_refused_for_an_upload_and_under_min_days_valid_only(pki):
    pair = pki.expired_leaf
    expired = 'certificate expired on %s: issue a new client certificate and give it instead' % pair.expires_on

    assert certificate_problems(pair.cert, pair.key) == [], 'an adoption only warns (the module does) unless asked'
    assert certificate_problems(pair.cert, pair.key, min_days_valid=1) == [expired]
    assert certificate_problems(pair.cert, pair.key, upload=True) == [expired]
    assert certificate_problems(pair.cert, pair.key, upload=True, min_days_valid=1) == [expired], 'said once'
