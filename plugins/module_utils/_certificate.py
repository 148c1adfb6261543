# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Certificate helpers on cryptography: parse, validate, describe and compare by meaning (private)."""

from __future__ import annotations

import datetime
import re
import traceback
from typing import TYPE_CHECKING

CRYPTOGRAPHY_IMPORT_ERROR = None
try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID
except ImportError:
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.aop.cloudflare.plugins.module_utils._errors import CertificateError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

UTC = datetime.UTC


# Where the rules name an option: the modules' names by default; the role's planner gives its variables.
OPTION_NAMES = {'certificate': 'certificate', 'private_key': 'private_key', 'min_days_valid': 'min_days_valid'}
# TLS 1.3 has ECDSA signature schemes for these curves only, and OpenSSL offers no other curve by default.
ORIGIN_CURVES = ('secp256r1', 'secp384r1', 'secp521r1')
# OpenSSL's security level 2 (the default of OpenSSL 3.2+, and of Debian, Ubuntu and RHEL before that).
MIN_RSA_BITS = 2048
# Signature hashes OpenSSL 3 refuses even at its lowest default security level (1).
WEAK_HASHES = {'sha1': 'SHA-1', 'md5': 'MD5'}


# One PEM block, whatever its label; the label must end as it began.
PEM_BLOCK = re.compile(r'-----BEGIN ([A-Z0-9 ]+)-----.*?-----END \1-----', re.S)


def pem_blocks(text: str) -> list[str]:
    """Every PEM block of a text, in order."""
    return [match.group(0) for match in PEM_BLOCK.finditer(text)]


def certificate_blocks(text: str) -> str:
    """Only the certificate blocks of a text (leaf first, then any chain), so that a bundle's private key never travels
    as a certificate; the text itself when it holds no PEM block (then the parser names the problem)."""
    blocks = [block for block in pem_blocks(text) if block.startswith('-----BEGIN CERTIFICATE-----')]
    return '\n'.join(blocks) + '\n' if blocks else text


def re_encoded(text: str) -> str:
    """The certificate blocks of text, each parsed and encoded again: whatever else the text held (a bundle's key,
    comments) is gone, and only what was parsed travels."""
    blocks = [block for block in pem_blocks(text) if block.startswith('-----BEGIN CERTIFICATE-----')]
    return ''.join(load_certificate(block).public_bytes(serialization.Encoding.PEM).decode('ascii') for block in blocks)


def load_certificate(pem: str | bytes, option: str = 'certificate') -> x509.Certificate:
    """Parse one PEM certificate; the error names the option that held it."""
    try:
        return x509.load_pem_x509_certificate(_to_bytes(pem))
    except (ValueError, TypeError) as exc:
        raise CertificateError(
            '%s is not a PEM certificate (%s): give the "-----BEGIN CERTIFICATE-----" block of the client certificate' % (option, exc)
        ) from exc


def load_private_key(pem: str | bytes, option: str = 'private_key') -> PrivateKeyTypes:
    """Parse an unencrypted PEM private key. The key itself never enters a message."""
    if _is_encrypted_key(pem):
        raise CertificateError(
            '%s is encrypted (it needs a passphrase), and Cloudflare needs the key itself: decrypt it '
            'once with "openssl pkey -in key.pem -out key-plain.pem", then protect key-plain.pem with '
            '"ansible-vault encrypt key-plain.pem" instead (Ansible decrypts a vault file when it reads it)' % option
        )
    try:
        return _load_pem_private_key(_to_bytes(pem))
    except (ValueError, TypeError):
        # The exception text of cryptography is not shown, nor chained: it can quote the input.
        raise CertificateError(
            '%s is not an unencrypted PEM private key: give the whole PEM block of the key (PKCS#8, '
            'RSA or EC) that belongs to the certificate, without a passphrase' % option
        ) from None


def _load_pem_private_key(data: bytes) -> PrivateKeyTypes:
    """The key, without OpenSSL's RSA consistency check (primality tests: about 35 ms per key, paid on every run by the
    planner and by the module). The key never signs anything here: it is compared with the certificate by its public
    key, and Cloudflare checks the key it receives on upload."""
    try:
        return serialization.load_pem_private_key(data, password=None, unsafe_skip_rsa_key_validation=True)
    except TypeError as exc:
        if 'unsafe_skip_rsa_key_validation' not in str(exc):
            raise
        return serialization.load_pem_private_key(data, password=None)  # cryptography before 39 has no such argument


def _is_encrypted_key(pem: str | bytes) -> bool:
    """True for a passphrase-protected PEM key: PKCS#8 or the traditional form (found by its headers alone)."""
    text = _to_bytes(pem)
    return b'ENCRYPTED PRIVATE KEY-----' in text or b'Proc-Type: 4,ENCRYPTED' in text


def _to_bytes(value: str | bytes) -> bytes:
    return value.encode('utf-8') if not isinstance(value, bytes) else value


def not_after(cert: x509.Certificate) -> datetime.datetime:
    """The end of validity, timezone-aware UTC (works with old and new cryptography)."""
    value = getattr(cert, 'not_valid_after_utc', None)
    return value if value is not None else cert.not_valid_after.replace(tzinfo=UTC)


def not_before(cert: x509.Certificate) -> datetime.datetime:
    """The start of validity, timezone-aware UTC."""
    value = getattr(cert, 'not_valid_before_utc', None)
    return value if value is not None else cert.not_valid_before.replace(tzinfo=UTC)


def days_left(cert: x509.Certificate, now: datetime.datetime) -> int:
    """Whole days from now to the end of validity (negative once expired)."""
    return (not_after(cert) - now).days


def fingerprint_sha256(cert: x509.Certificate) -> str:
    """SHA-256 of the DER, as colon-separated lower-case hex: the identity of a certificate on the zone."""
    digest = cert.fingerprint(hashes.SHA256())
    return ':'.join('%02x' % byte for byte in bytearray(digest))


def is_ca(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def signature_name(cert: x509.Certificate) -> str:
    """Cloudflare's spelling of the signature algorithm, e.g. SHA256WithRSA or ECDSAWithSHA256.

    The issuer's key decides it, so it is read from the signature OID, not from the certificate's own key.
    """
    oid = cert.signature_algorithm_oid
    hash_name = cert.signature_hash_algorithm.name.upper().replace('-', '') if cert.signature_hash_algorithm else ''
    family = _signature_family(oid)
    if family == 'ECDSA':
        return 'ECDSAWith%s' % hash_name
    if family == 'RSA':
        return '%sWithRSA' % hash_name
    return oid.dotted_string


def _signature_family(oid: x509.ObjectIdentifier) -> str | None:
    """'RSA' for RSA_WITH_SHA256 (PKCS#1 v1.5), 'ECDSA' for ECDSA_WITH_SHA256, ...: the part before _WITH_."""
    for name in dir(x509.SignatureAlgorithmOID):
        if '_WITH_' in name and getattr(x509.SignatureAlgorithmOID, name) == oid:
            return name.split('_WITH_', 1)[0]
    return None


def parse_time(value: str | None) -> datetime.datetime | None:
    """Cloudflare's timestamp (e.g. 2027-01-01T05:20:00Z, maybe with fractions of a second) as UTC; None if absent."""
    if not value:
        return None
    return datetime.datetime.strptime(value[:19], '%Y-%m-%dT%H:%M:%S').replace(tzinfo=UTC)


def format_time(value: datetime.datetime) -> str:
    return value.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def describe(cert: x509.Certificate) -> dict[str, str]:
    """What a user may see of a certificate: identity and validity, never PEM."""
    return {
        'fingerprint_sha256': fingerprint_sha256(cert),
        'serial_number': str(cert.serial_number),
        'issuer': cert.issuer.rfc4514_string(),
        'subject': cert.subject.rfc4514_string(),
        'signature': signature_name(cert),
        'expires_on': format_time(not_after(cert)),
    }


def certificate_problems(
    cert: x509.Certificate,
    key: PrivateKeyTypes | None = None,
    now: datetime.datetime | None = None,
    min_days_valid: int = 0,
    upload: bool = False,
    names: dict[str, str] | None = None,
    require_key: bool = True,
) -> list[str]:
    """Every reason to refuse cert (and key) before any write, each naming its option and the fix.

    Without upload, what holds for an upload and an adoption alike: Cloudflare's rules, and what a standard TLS origin
    (OpenSSL with its defaults) refuses on every pull, since adopting such a certificate still fails every pull. With
    upload, also what only an upload needs: the key, and a certificate that has not expired. names: see OPTION_NAMES.
    """
    names = dict(OPTION_NAMES, **(names or {}))
    certificate, private_key = names['certificate'], names['private_key']
    now = now or datetime.datetime.now(UTC)
    problems = []
    if is_ca(cert):
        problems.append(
            '%s is a CA certificate (basicConstraints CA:TRUE); Cloudflare needs the leaf client certificate '
            'that your CA issued, not the CA itself' % certificate
        )
    if key is None and upload and require_key:
        problems.append('%s is required to upload a certificate that is not on the zone yet' % private_key)
    if key is not None and not public_keys_match(cert, key):
        problems.append(
            '%s does not belong to %s (their public keys differ): give the key that was used to request this certificate' % (private_key, certificate)
        )
    if not_before(cert) > now:
        problems.append(
            '%s is not valid before %s (notBefore): origins refuse it on every pull until then; give it from '
            'that time on, or issue one that is valid now' % (certificate, format_time(not_before(cert)))
        )
    problems.extend(_expiry_problems(cert, now, min_days_valid, upload, names))
    problems.extend(_usage_problems(cert, certificate))
    problems.extend(_strength_problems(cert, certificate))
    return problems


def validate_for_upload(
    cert: x509.Certificate,
    key: PrivateKeyTypes | None,
    now: datetime.datetime | None = None,
    min_days_valid: int = 0,
    names: dict[str, str] | None = None,
    require_key: bool = True,
) -> None:
    """Raise CertificateError with every reason to refuse this upload before any write (require_key=False: check mode,
    which uploads nothing, predicts it without the key)."""
    problems = certificate_problems(cert, key, now=now, min_days_valid=min_days_valid, upload=True, names=names, require_key=require_key)
    if problems:
        raise CertificateError(*problems)


def _expiry_problems(cert: x509.Certificate, now: datetime.datetime, min_days_valid: int, upload: bool, names: dict[str, str]) -> list[str]:
    # An adopted certificate that expired is refused only under min_days_valid; otherwise the module warns about it.
    certificate = names['certificate']
    left = days_left(cert, now)
    if not_after(cert) <= now:
        if upload or min_days_valid > 0:
            return ['%s expired on %s: issue a new client certificate and give it instead' % (certificate, format_time(not_after(cert)))]
    elif left < min_days_valid:
        return [
            '%s expires on %s, %d whole day(s) from now, fewer than %s (%d): issue a new client certificate and give '
            'it instead, or lower %s' % (certificate, format_time(not_after(cert)), left, names['min_days_valid'], min_days_valid, names['min_days_valid'])
        ]
    return []


def _usage_problems(cert: x509.Certificate, certificate: str) -> list[str]:
    problems = []
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        usages = None  # no extendedKeyUsage: any use, clientAuth included
    # anyExtendedKeyUsage alone is refused too: OpenSSL's purpose check counts only clientAuth itself.
    if usages is not None and ExtendedKeyUsageOID.CLIENT_AUTH not in usages:
        problems.append(
            '%s has an extendedKeyUsage without clientAuth (%s): origins refuse it on every pull (OpenSSL: '
            'unsuitable certificate purpose); issue it with extendedKeyUsage clientAuth, or without '
            'extendedKeyUsage' % (certificate, ', '.join(_oid_name(oid) for oid in usages))
        )
    try:
        key_usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        key_usage = None
    # The client signs each handshake with this key (RFC 5280, 4.2.1.3: digitalSignature). OpenSSL refuses a keyUsage
    # with neither digitalSignature nor keyAgreement; keyAgreement alone passes OpenSSL, yet is refused here too.
    if key_usage is not None and not key_usage.digital_signature:
        refused_by_openssl = '' if key_usage.key_agreement else ' (OpenSSL: unsuitable certificate purpose)'
        problems.append(
            '%s has a keyUsage without digitalSignature (%s): a client certificate signs each TLS handshake, '
            'which that keyUsage does not allow%s; issue it with keyUsage digitalSignature, or without keyUsage'
            % (certificate, ', '.join(_key_usages(key_usage)) or 'none', refused_by_openssl)
        )
    return problems


def _strength_problems(cert: x509.Certificate, certificate: str) -> list[str]:
    problems = []
    public_key = cert.public_key()
    if isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size < MIN_RSA_BITS:
        problems.append(
            '%s has a %d-bit RSA key: origins refuse RSA keys under %d bits on every pull (OpenSSL: EE '
            'certificate key too weak); issue one with a %d-bit or larger RSA key, or an EC key on P-256'
            % (certificate, public_key.key_size, MIN_RSA_BITS, MIN_RSA_BITS)
        )
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name not in ORIGIN_CURVES:
        problems.append(
            '%s has an EC key on %s: origins accept only P-256, P-384 and P-521, the curves TLS 1.3 signs '
            'with; issue one on P-256 (prime256v1), P-384 or P-521, or with a %d-bit RSA key' % (certificate, public_key.curve.name, MIN_RSA_BITS)
        )
    hash_name = cert.signature_hash_algorithm.name if cert.signature_hash_algorithm else None
    if hash_name in WEAK_HASHES:
        problems.append(
            '%s is signed with %s (%s): origins refuse it on every pull (OpenSSL: CA signature digest '
            'algorithm too weak); have your CA sign it with SHA-256 or stronger' % (certificate, WEAK_HASHES[hash_name], signature_name(cert))
        )
    return problems


def _oid_name(oid: x509.ObjectIdentifier) -> str:
    """An extended key usage's name; cryptography does not name anyExtendedKeyUsage."""
    if oid.dotted_string == '2.5.29.37.0':
        return 'anyExtendedKeyUsage'
    name = getattr(oid, '_name', None)
    return name if name and name != 'Unknown OID' else oid.dotted_string


def _key_usages(key_usage: x509.KeyUsage) -> list[str]:
    """RFC 5280's names of what a keyUsage without digitalSignature allows."""
    return [
        name
        for name, attribute in (
            ('contentCommitment', 'content_commitment'),
            ('keyEncipherment', 'key_encipherment'),
            ('dataEncipherment', 'data_encipherment'),
            ('keyAgreement', 'key_agreement'),
            ('keyCertSign', 'key_cert_sign'),
            ('cRLSign', 'crl_sign'),
        )
        if getattr(key_usage, attribute)
    ]


def public_keys_match(cert: x509.Certificate, key: PrivateKeyTypes) -> bool:
    der = serialization.Encoding.DER
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return cert.public_key().public_bytes(der, spki) == key.public_key().public_bytes(der, spki)


def parse_pem(pem: str | None) -> x509.Certificate | None:
    """The certificate of a PEM an answer carried; None when there is none or it cannot be read."""
    if not pem:
        return None
    try:
        return x509.load_pem_x509_certificate(_to_bytes(pem))
    except ValueError:
        return None


def same_certificate(cert: x509.Certificate, pem: str | None) -> bool:
    """True when pem holds the same DER as cert; Cloudflare may return the PEM with other whitespace."""
    if not pem:
        return False
    try:
        other = x509.load_pem_x509_certificate(_to_bytes(pem))
    except ValueError:
        return False
    return other.public_bytes(serialization.Encoding.DER) == cert.public_bytes(serialization.Encoding.DER)
