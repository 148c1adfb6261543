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
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

UTC = datetime.timezone.utc

# One certificate with its key and what Cloudflare would show of it (computed here, not by the code under test).
Pair = collections.namedtuple('Pair', 'cert_pem key_pem cert key signature serial_number expires_on issuer fingerprint_sha256')

CLIENT_AUTH = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])
KEY_USAGES = ('digital_signature', 'content_commitment', 'key_encipherment', 'data_encipherment', 'key_agreement',
              'key_cert_sign', 'crl_sign', 'encipher_only', 'decipher_only')
# DER of the OIDs of RSA PKCS#1 v1.5 signatures (tag, length, value), all of one length.
RSA_SIGNATURE_OIDS = {
    'sha256': bytes.fromhex('06092a864886f70d01010b'),
    'sha1': bytes.fromhex('06092a864886f70d010105'),
    'md5': bytes.fromhex('06092a864886f70d010104'),
}


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'aop.cloudflare tests'),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _rsa_key(key_size=2048):
    return rsa.generate_private_key(public_exponent=65537, key_size=key_size)


def _ec_key(curve=None):
    return ec.generate_private_key(curve or ec.SECP256R1())


def _key_usage(*allowed):
    return x509.KeyUsage(**dict((usage, usage in allowed) for usage in KEY_USAGES))


def _sign(subject, key, issuer_name, issuer_key, ca, not_after, signature, extensions=(CLIENT_AUTH,), not_before=None):
    """A certificate and its Pair; a leaf carries extensions (by default extendedKeyUsage clientAuth)."""
    now = datetime.datetime.now(UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(_name(subject))
               .issuer_name(issuer_name)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(not_before or now - datetime.timedelta(days=400))
               .not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    for extension in () if ca else extensions:
        builder = builder.add_extension(extension, critical=False)
    return _pair(builder.sign(issuer_key, hashes.SHA256()), key, signature)


def _pair(cert, key, signature):
    return Pair(
        cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode('ascii'),
        key_pem=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()).decode('ascii'),
        cert=cert,
        key=key,
        signature=signature,
        serial_number=str(cert.serial_number),
        expires_on=cert.not_valid_after_utc.strftime('%Y-%m-%dT%H:%M:%SZ'),
        issuer=cert.issuer.rfc4514_string(),
        fingerprint_sha256=hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest(),
    )


def _resigned(pair, issuer_key, hash_name, signature):
    """pair signed again by its RSA issuer with a weak hash (sha1, md5).

    cryptography no longer signs certificates with them, but still signs bytes: so the DER is edited instead. The
    algorithm's OID (inside the signed part and after it) and the signature keep their lengths, so no length changes.
    """
    der = pair.cert.public_bytes(serialization.Encoding.DER)
    old_oid, new_oid = RSA_SIGNATURE_OIDS['sha256'], RSA_SIGNATURE_OIDS[hash_name]
    assert der.count(old_oid) == 2 and pair.cert.tbs_certificate_bytes.count(old_oid) == 1
    tbs = pair.cert.tbs_certificate_bytes.replace(old_oid, new_oid)
    new_signature = issuer_key.sign(tbs, padding.PKCS1v15(), getattr(hashes, hash_name.upper())())
    assert len(new_signature) == len(pair.cert.signature)
    der = der.replace(pair.cert.tbs_certificate_bytes, tbs).replace(old_oid, new_oid).replace(pair.cert.signature, new_signature)
    return _pair(x509.load_der_x509_certificate(der), pair.key, signature)


PKI = collections.namedtuple('PKI', 'rsa_ca ec_ca rsa_leaf ec_leaf second_leaf expired_leaf leaves')


@functools.lru_cache(maxsize=None)
def pki():
    """The test PKI: leaves valid for a year unless named otherwise; the issuer's key decides the signature name.

    leaves holds RSA-CA-signed leaves that each differ from rsa_leaf in one thing an origin may refuse (or accept).
    """
    now = datetime.datetime.now(UTC)
    in_a_year = (now + datetime.timedelta(days=365)).replace(microsecond=0)
    rsa_ca_key, ec_ca_key = _rsa_key(), _ec_key(ec.SECP384R1())
    rsa_ca = _sign('Test RSA CA', rsa_ca_key, _name('Test RSA CA'), rsa_ca_key, True, in_a_year, 'SHA256WithRSA')
    ec_ca = _sign('Test ECDSA CA', ec_ca_key, _name('Test ECDSA CA'), ec_ca_key, True, in_a_year, 'ECDSAWithSHA256')

    def leaf(key=None, extensions=(CLIENT_AUTH,), not_before=None):
        return _sign('app.example.com', key or _rsa_key(), rsa_ca.cert.subject, rsa_ca_key, False, in_a_year,
                     'SHA256WithRSA', extensions, not_before)

    rsa_leaf = leaf()
    any_usage = x509.ObjectIdentifier('2.5.29.37.0')  # anyExtendedKeyUsage
    return PKI(
        rsa_ca=rsa_ca,
        ec_ca=ec_ca,
        rsa_leaf=rsa_leaf,
        ec_leaf=_sign('api.example.com', _ec_key(), ec_ca.cert.subject, ec_ca_key, False, in_a_year, 'ECDSAWithSHA256'),
        second_leaf=_sign('app.example.com', _ec_key(), rsa_ca.cert.subject, rsa_ca_key, False, in_a_year, 'SHA256WithRSA'),
        expired_leaf=_sign('old.example.com', _ec_key(), rsa_ca.cert.subject, rsa_ca_key, False,
                           (now - datetime.timedelta(days=1)).replace(microsecond=0), 'SHA256WithRSA'),
        leaves={
            'server_auth_only': leaf(extensions=[x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])]),
            'any_usage_only': leaf(extensions=[x509.ExtendedKeyUsage([any_usage])]),
            'server_and_client_auth': leaf(extensions=[x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                                              ExtendedKeyUsageOID.CLIENT_AUTH])]),
            'no_extended_key_usage': leaf(extensions=[]),
            'signing_key_usage': leaf(extensions=[CLIENT_AUTH, _key_usage('digital_signature', 'key_encipherment')]),
            'encipherment_key_usage': leaf(extensions=[CLIENT_AUTH, _key_usage('key_encipherment')]),
            'agreement_key_usage': leaf(key=_ec_key(), extensions=[CLIENT_AUTH, _key_usage('key_agreement')]),
            'not_yet_valid': leaf(not_before=(now + datetime.timedelta(days=2)).replace(microsecond=0)),
            'rsa_1024': leaf(key=_rsa_key(1024)),
            'p384': leaf(key=_ec_key(ec.SECP384R1())),
            'p521': leaf(key=_ec_key(ec.SECP521R1())),
            'secp224r1': leaf(key=_ec_key(ec.SECP224R1())),
            'secp256k1': leaf(key=_ec_key(ec.SECP256K1())),
            'sha1_signed': _resigned(leaf(), rsa_ca_key, 'sha1', 'SHA1WithRSA'),
            'md5_signed': _resigned(leaf(), rsa_ca_key, 'md5', 'MD5WithRSA'),
        },
    )


# Shorter lines (the last of a block can be a few characters) occur by chance in any base64 text: they prove nothing.
MEANINGFUL_LINE = 32


def _body_lines(pem):
    return [line for line in pem.splitlines() if line and not line.startswith('-----')]


def key_fragments(pem):
    """The base64 lines of a PEM block long enough to be its own: if one shows up in an output, the secret leaked."""
    return [line for line in _body_lines(pem) if len(line) >= MEANINGFUL_LINE]


def rewrapped(pem):
    """The same certificate as Cloudflare may return it: other line length and CRLF line ends."""
    body = ''.join(_body_lines(pem))
    chunks = [body[index:index + 76] for index in range(0, len(body), 76)]
    return '\r\n'.join(['-----BEGIN CERTIFICATE-----'] + chunks + ['-----END CERTIFICATE-----']) + '\r\n'
