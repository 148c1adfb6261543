# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one certificate generator of the tests, the demo and the benchmark: CAs, the leaves they sign, and their files.

Unit tests import it as ansible_collections.aop.cloudflare.tests.pki, the emulator tests and scripts/make_demo_pki.py
as tests.pki (with the repository on sys.path). Test and demo material only: never use it in production.
"""

import datetime
import hashlib
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

UTC = datetime.UTC
CLIENT_AUTH = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])
SERVER_AUTH = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])
ANY_EXTENDED_KEY_USAGE = x509.ObjectIdentifier('2.5.29.37.0')
KEY_USAGES = (
    'digital_signature',
    'content_commitment',
    'key_encipherment',
    'data_encipherment',
    'key_agreement',
    'key_cert_sign',
    'crl_sign',
    'encipher_only',
    'decipher_only',
)
# Cloudflare's names of the signature algorithms this generator makes (the `signature` field of a certificate).
SIGNATURE_NAMES = {
    x509.SignatureAlgorithmOID.RSA_WITH_SHA256: 'SHA256WithRSA',
    x509.SignatureAlgorithmOID.RSA_WITH_SHA1: 'SHA1WithRSA',
    x509.SignatureAlgorithmOID.RSA_WITH_MD5: 'MD5WithRSA',
    x509.SignatureAlgorithmOID.ECDSA_WITH_SHA256: 'ECDSAWithSHA256',
}
# DER of the OIDs of RSA PKCS#1 v1.5 signatures (tag, length, value), all of one length.
RSA_SIGNATURE_OIDS = {
    'sha256': bytes.fromhex('06092a864886f70d01010b'),
    'sha1': bytes.fromhex('06092a864886f70d010105'),
    'md5': bytes.fromhex('06092a864886f70d010104'),
}
# Extensions an issuer must not ignore: marked critical; every other one is not.
CRITICAL_EXTENSIONS = (x509.BasicConstraints, x509.KeyUsage)


def new_key(kind='ec', size=None):
    """kind 'rsa' (size in bits, 2048 unless given) or 'ec' (size: a curve instance, P-256 unless given)."""
    if kind == 'rsa':
        return rsa.generate_private_key(public_exponent=65537, key_size=size or 2048)
    return ec.generate_private_key(size or ec.SECP256R1())


def name(common_name, organization=None):
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization)] if organization else []
    return x509.Name(attributes + [x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def key_usage(*allowed):
    """A keyUsage extension allowing exactly these (names of KEY_USAGES)."""
    return x509.KeyUsage(**{usage: usage in allowed for usage in KEY_USAGES})


def key_pem(key):
    """Unencrypted PKCS#8 PEM text."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode('ascii')


def cert_pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM).decode('ascii')


class Pair:
    """A certificate with its key, and what Cloudflare shows of it (computed here, not by the code under test)."""

    def __init__(self, cert, key):
        self.cert = cert
        self.key = key
        self.signature = SIGNATURE_NAMES[cert.signature_algorithm_oid]
        self.cert_pem = cert_pem(cert)
        self.key_pem = key_pem(key)
        self.serial_number = str(cert.serial_number)
        self.expires_on = cert.not_valid_after_utc.strftime('%Y-%m-%dT%H:%M:%SZ')
        self.issuer = cert.issuer.rfc4514_string()
        self.fingerprint_sha256 = fingerprint(cert)

    def body(self):
        """The body of an upload (POST .../origin_tls_client_auth/hostnames/certificates)."""
        return {'certificate': self.cert_pem, 'private_key': self.key_pem}

    def write(self, directory, file_name):
        """DIRECTORY/NAME.crt (0644) and DIRECTORY/NAME.key (0600): the key is never readable by others, not even briefly."""
        _write(os.path.join(directory, file_name + '.crt'), self.cert_pem, 0o644)
        _write(os.path.join(directory, file_name + '.key'), self.key_pem, 0o600)

    @classmethod
    def read(cls, directory, file_name):
        with open(os.path.join(directory, file_name + '.crt'), 'rb') as handle:
            cert = x509.load_pem_x509_certificate(handle.read())
        with open(os.path.join(directory, file_name + '.key'), 'rb') as handle:
            key = serialization.load_pem_private_key(handle.read(), password=None)
        return cls(cert, key)


def _write(path, text, mode):
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, 'w', encoding='ascii') as handle:
        handle.write(text)
    os.chmod(path, mode)


def _san(value):
    try:
        return x509.IPAddress(ipaddress.ip_address(value))
    except ValueError:
        return x509.DNSName(value)


def sign(subject, key, issuer, *, ca=False, days=365, not_before=None, not_after=None, extensions=(CLIENT_AUTH,), sans=()):
    """A certificate for key and subject (a Name), signed by issuer (a Pair; None: self-signed) with SHA-256.

    Valid from five minutes ago (or not_before) for days (or until not_after). A CA gets basicConstraints CA:TRUE
    (path length 0) and the keyUsage of a CA; a leaf gets basicConstraints CA:FALSE, these extensions (by default
    extendedKeyUsage clientAuth, which an origin asks of a client certificate) and sans (DNS names or IP addresses).
    """
    now = datetime.datetime.now(UTC)
    not_before = not_before or now - datetime.timedelta(minutes=5)
    not_after = not_after or (now + datetime.timedelta(days=days)).replace(microsecond=0)
    issuer_name, issuer_key = (issuer.cert.subject, issuer.key) if issuer else (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if ca:
        extensions = [key_usage('digital_signature', 'key_cert_sign', 'crl_sign')]
    elif sans:
        extensions = list(extensions) + [x509.SubjectAlternativeName([_san(value) for value in sans])]
    for extension in extensions:
        builder = builder.add_extension(extension, critical=isinstance(extension, CRITICAL_EXTENSIONS))
    return Pair(builder.sign(issuer_key, hashes.SHA256()), key)


class CertificateAuthority:
    """A self-signed CA (its Pair in .pair) that issues leaves; names carry organization when one is given."""

    def __init__(self, pair, organization=None):
        self.pair = pair
        self.organization = organization

    @classmethod
    def create(cls, common_name='Test CA', kind='rsa', organization=None, days=365, key=None):
        key = key or new_key(kind)
        return cls(sign(name(common_name, organization), key, None, ca=True, days=days), organization)

    @property
    def cert(self):
        return self.pair.cert

    @property
    def key(self):
        return self.pair.key

    def issue(self, common_name='app.example.com', kind='ec', *, key=None, **options):
        """A leaf of a new key (or key), signed by this CA: see sign() for the options."""
        return sign(name(common_name, self.organization), key or new_key(kind), self.pair, **options)


def resigned(pair, issuer_key, hash_name):
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
    return Pair(x509.load_der_x509_certificate(der), pair.key)


def fingerprint(certificate, separator=''):
    """SHA-256 of the DER, in hex: Cloudflare's form without separator, OpenSSL's and nginx's with ':'."""
    digest = hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).digest()
    return separator.join('%02x' % byte for byte in digest)


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
    chunks = [body[index : index + 76] for index in range(0, len(body), 76)]
    return '\r\n'.join(['-----BEGIN CERTIFICATE-----'] + chunks + ['-----END CERTIFICATE-----']) + '\r\n'
