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
from ansible_collections.aop.cloudflare.tests.unit.plugins.pki import key_fragments, rewrapped

UTC = datetime.timezone.utc


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


def test_a_bad_private_key_is_refused_without_quoting_it(pki):
    garbled = pki.rsa_leaf.key_pem.replace('\n', '\n!', 3)
    with pytest.raises(CertificateError, match='^private_key is not an unencrypted PEM private key') as error:
        load_private_key(garbled)
    assert not [line for line in key_fragments(pki.rsa_leaf.key_pem) if line in str(error.value)]


def test_an_encrypted_private_key_is_refused(pki):
    encrypted = pki.ec_leaf.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.BestAvailableEncryption(b'passphrase'))
    with pytest.raises(CertificateError, match='without a passphrase'):
        load_private_key(encrypted.decode('ascii'))


def test_a_leaf_is_valid_for_upload(pki):
    validate_for_upload(pki.rsa_leaf.cert, pki.rsa_leaf.key)
    validate_for_upload(pki.ec_leaf.cert, pki.ec_leaf.key)


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
    assert fingerprint_sha256(pki.rsa_leaf.cert) == ':'.join(expected[index:index + 2] for index in range(0, 64, 2))


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
