# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test certificates, made once per test process: two CAs (RSA and ECDSA) and the leaves they sign."""

import collections
import datetime
import functools
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

UTC = datetime.timezone.utc

# One certificate with its key and what Cloudflare would show of it (computed here, not by the code under test).
Pair = collections.namedtuple('Pair', 'cert_pem key_pem cert key signature serial_number expires_on issuer fingerprint_sha256')


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'aop.cloudflare tests'),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _ec_key(curve=None):
    return ec.generate_private_key(curve or ec.SECP256R1())


def _sign(subject, key, issuer_name, issuer_key, ca, not_after, signature):
    now = datetime.datetime.now(UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(_name(subject))
               .issuer_name(issuer_name)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=400))
               .not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    cert = builder.sign(issuer_key, hashes.SHA256())
    return Pair(
        cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode('ascii'),
        key_pem=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()).decode('ascii'),
        cert=cert,
        key=key,
        signature=signature,
        serial_number=str(cert.serial_number),
        expires_on=not_after.strftime('%Y-%m-%dT%H:%M:%SZ'),
        issuer=issuer_name.rfc4514_string(),
        fingerprint_sha256=hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest(),
    )


PKI = collections.namedtuple('PKI', 'rsa_ca ec_ca rsa_leaf ec_leaf second_leaf expired_leaf')


@functools.lru_cache(maxsize=None)
def pki():
    """The test PKI: leaves valid for a year unless named otherwise; the issuer's key decides the signature name."""
    in_a_year = (datetime.datetime.now(UTC) + datetime.timedelta(days=365)).replace(microsecond=0)
    rsa_ca_key, ec_ca_key = _rsa_key(), _ec_key(ec.SECP384R1())
    rsa_ca = _sign('Test RSA CA', rsa_ca_key, _name('Test RSA CA'), rsa_ca_key, True, in_a_year, 'SHA256WithRSA')
    ec_ca = _sign('Test ECDSA CA', ec_ca_key, _name('Test ECDSA CA'), ec_ca_key, True, in_a_year, 'ECDSAWithSHA256')
    return PKI(
        rsa_ca=rsa_ca,
        ec_ca=ec_ca,
        rsa_leaf=_sign('app.example.com', _rsa_key(), rsa_ca.cert.subject, rsa_ca_key, False, in_a_year, 'SHA256WithRSA'),
        ec_leaf=_sign('api.example.com', _ec_key(), ec_ca.cert.subject, ec_ca_key, False, in_a_year, 'ECDSAWithSHA256'),
        second_leaf=_sign('app.example.com', _ec_key(), rsa_ca.cert.subject, rsa_ca_key, False, in_a_year, 'SHA256WithRSA'),
        expired_leaf=_sign('old.example.com', _ec_key(), rsa_ca.cert.subject, rsa_ca_key, False,
                           (datetime.datetime.now(UTC) - datetime.timedelta(days=1)).replace(microsecond=0), 'SHA256WithRSA'),
    )


def key_fragments(pem):
    """The base64 lines of a PEM block: if any of them shows up in an output, (part of) the secret leaked."""
    return [line for line in pem.splitlines() if line and not line.startswith('-----')]


def rewrapped(pem):
    """The same certificate as Cloudflare may return it: other line length and CRLF line ends."""
    lines = key_fragments(pem)
    body = ''.join(lines)
    chunks = [body[index:index + 76] for index in range(0, len(body), 76)]
    return '\r\n'.join(['-----BEGIN CERTIFICATE-----'] + chunks + ['-----END CERTIFICATE-----']) + '\r\n'
