# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Certificate helpers on cryptography: parse, validate, describe and compare by meaning (private)."""

import datetime
import traceback

CRYPTOGRAPHY_IMPORT_ERROR = None
try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
except ImportError:
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()

UTC = datetime.timezone.utc

if CRYPTOGRAPHY_IMPORT_ERROR is None:
    _ECDSA_SIGNATURES = frozenset(getattr(x509.SignatureAlgorithmOID, name) for name in dir(x509.SignatureAlgorithmOID)
                                  if name.startswith('ECDSA_WITH_'))
    _RSA_SIGNATURES = frozenset(getattr(x509.SignatureAlgorithmOID, name) for name in dir(x509.SignatureAlgorithmOID)
                                if name.startswith('RSA_WITH_'))


class CertificateError(Exception):
    """Local input that Cloudflare would refuse; the message names the option and the fix."""


def load_certificate(pem, option='certificate'):
    """Parse one PEM certificate; the error names the option that held it."""
    try:
        return x509.load_pem_x509_certificate(_to_bytes(pem))
    except (ValueError, TypeError) as exc:
        raise CertificateError('%s is not a PEM certificate (%s): give the "-----BEGIN CERTIFICATE-----" block '
                               'of the client certificate' % (option, exc))


def load_private_key(pem, option='private_key'):
    """Parse an unencrypted PEM private key. The key itself never enters a message."""
    try:
        return serialization.load_pem_private_key(_to_bytes(pem), password=None)
    except (ValueError, TypeError):
        # The exception text of cryptography is not shown: it can quote the input.
        raise CertificateError('%s is not an unencrypted PEM private key: give the whole PEM block of the key (PKCS#8, '
                               'RSA or EC) that belongs to the certificate, without a passphrase' % option)


def _to_bytes(value):
    return value.encode('utf-8') if not isinstance(value, bytes) else value


def not_after(cert):
    """The end of validity, timezone-aware UTC (works with old and new cryptography)."""
    value = getattr(cert, 'not_valid_after_utc', None)
    return value if value is not None else cert.not_valid_after.replace(tzinfo=UTC)


def fingerprint_sha256(cert):
    """SHA-256 of the DER, as colon-separated lower-case hex: the identity of a certificate on the zone."""
    digest = cert.fingerprint(hashes.SHA256())
    return ':'.join('%02x' % byte for byte in bytearray(digest))


def is_ca(cert):
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def signature_name(cert):
    """Cloudflare's spelling of the signature algorithm, e.g. SHA256WithRSA or ECDSAWithSHA256.

    The issuer's key decides it, so it is read from the signature OID, not from the certificate's own key.
    """
    oid = cert.signature_algorithm_oid
    hash_name = cert.signature_hash_algorithm.name.upper().replace('-', '') if cert.signature_hash_algorithm else ''
    if oid in _ECDSA_SIGNATURES:
        return 'ECDSAWith%s' % hash_name
    if oid in _RSA_SIGNATURES:
        return '%sWithRSA' % hash_name
    return oid.dotted_string


def format_time(value):
    return value.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def describe(cert):
    """What a user may see of a certificate: identity and validity, never PEM."""
    return {
        'fingerprint_sha256': fingerprint_sha256(cert),
        'serial_number': str(cert.serial_number),
        'issuer': cert.issuer.rfc4514_string(),
        'subject': cert.subject.rfc4514_string(),
        'signature': signature_name(cert),
        'expires_on': format_time(not_after(cert)),
    }


def validate_for_upload(cert, key, now=None):
    """Refuse, before any write, what Cloudflare would refuse or what could never work."""
    if is_ca(cert):
        raise CertificateError('certificate is a CA certificate (basicConstraints CA:TRUE); Cloudflare needs the '
                               'leaf client certificate that your CA issued, not the CA itself')
    if key is None:
        raise CertificateError('private_key is required to upload a certificate that is not on the zone yet')
    if not public_keys_match(cert, key):
        raise CertificateError('private_key does not belong to certificate (their public keys differ): '
                               'give the key that was used to request this certificate')
    now = now or datetime.datetime.now(UTC)
    if not_after(cert) <= now:
        raise CertificateError('certificate expired on %s: issue a new client certificate and give it instead'
                               % format_time(not_after(cert)))


def public_keys_match(cert, key):
    der = serialization.Encoding.DER
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return cert.public_key().public_bytes(der, spki) == key.public_key().public_bytes(der, spki)


def same_certificate(cert, pem):
    """True when pem holds the same DER as cert; Cloudflare may return the PEM with other whitespace."""
    if not pem:
        return False
    try:
        other = x509.load_pem_x509_certificate(_to_bytes(pem))
    except ValueError:
        return False
    return other.public_bytes(serialization.Encoding.DER) == cert.public_bytes(serialization.Encoding.DER)
