"""Parsing and validation of uploaded PEM certificates and private keys, using `cryptography`.

The private key is checked against the certificate and handed back to the store, which keeps it in memory only (for
the edge's pulls, tests/emulator/edge.py): it is never saved, logged or returned by the API.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID, SignatureAlgorithmOID

from .errors import INVALID_CERTIFICATE, INVALID_PRIVATE_KEY, ONLY_LEAF_ALLOWED, APIError

# The API's `signature` (schema example "SHA256WithRSA"): the names of cfssl's helpers.SignatureString, Cloudflare's
# PKI library, whose name for RSA with SHA-256 is the schema's example (Go's own would be "SHA256-RSA"). Every other
# algorithm is "Unknown Signature" there, as in cfssl. Keyed by the certificate's signature algorithm OID.
SIGNATURE_NAMES = {
    x509.ObjectIdentifier("1.2.840.113549.1.1.2"): "MD2WithRSA",
    SignatureAlgorithmOID.RSA_WITH_MD5: "MD5WithRSA",
    SignatureAlgorithmOID.RSA_WITH_SHA1: "SHA1WithRSA",
    SignatureAlgorithmOID.RSA_WITH_SHA256: "SHA256WithRSA",
    SignatureAlgorithmOID.RSA_WITH_SHA384: "SHA384WithRSA",
    SignatureAlgorithmOID.RSA_WITH_SHA512: "SHA512WithRSA",
    SignatureAlgorithmOID.DSA_WITH_SHA1: "DSAWithSHA1",
    SignatureAlgorithmOID.DSA_WITH_SHA256: "DSAWithSHA256",
    SignatureAlgorithmOID.ECDSA_WITH_SHA1: "ECDSAWithSHA1",
    SignatureAlgorithmOID.ECDSA_WITH_SHA256: "ECDSAWithSHA256",
    SignatureAlgorithmOID.ECDSA_WITH_SHA384: "ECDSAWithSHA384",
    SignatureAlgorithmOID.ECDSA_WITH_SHA512: "ECDSAWithSHA512",
}
UNKNOWN_SIGNATURE = "Unknown Signature"

SUPPORTED_KEY_TYPES = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)


@dataclass(frozen=True)
class CertificateDetails:
    """What the API reports about an uploaded certificate (all derived from the PEM)."""

    pem: str
    fingerprint: str
    issuer: str
    serial_number: str
    signature: str
    expires_at: datetime


def inspect_upload(certificate_pem, private_key_pem):
    """Validate an upload (certificate bundle + key); return the leaf's description and the loaded private key, or
    raise APIError when refused."""
    certificates = load_certificates(certificate_pem)
    leaf = find_leaf(certificates)
    private_key = check_key_matches(leaf, private_key_pem)
    return describe(certificates, leaf), private_key


def describe_pem(certificate_pem):
    """Describe an already accepted bundle (used when loading saved state)."""
    certificates = load_certificates(certificate_pem)
    return describe(certificates, find_leaf(certificates))


def load_certificates(certificate_pem):
    """Parse every CERTIFICATE block of the PEM text."""
    try:
        certificates = x509.load_pem_x509_certificates(certificate_pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise APIError(400, INVALID_CERTIFICATE, "Failed to parse the certificate: invalid PEM data.") from exc
    return certificates


def is_ca(certificate):
    """A certificate is a CA when its basicConstraints says so."""
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def find_leaf(certificates):
    """The first non-CA certificate of the bundle; Cloudflare refuses a bundle without one."""
    for certificate in certificates:
        if not is_ca(certificate):
            if not isinstance(certificate.public_key(), SUPPORTED_KEY_TYPES):
                raise APIError(400, INVALID_CERTIFICATE, "Unsupported certificate key type: use RSA or ECDSA.")
            return certificate
    # What users saw the real API answer for a CA:TRUE certificate (REFERENCE.md, "Reported by users").
    raise APIError(400, ONLY_LEAF_ALLOWED, "Only leaf certificate is allowed.")


def public_key_der(public_key):
    """SubjectPublicKeyInfo DER, a key-type independent way to compare public keys."""
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def check_key_matches(leaf, private_key_pem):
    """Load the private key and compare its public half with the leaf's; return the key."""
    try:
        private_key = serialization.load_pem_private_key(private_key_pem.encode("ascii"), password=None)
    except TypeError as exc:  # cryptography says TypeError for an encrypted key without password
        raise APIError(400, INVALID_PRIVATE_KEY, "Failed to parse the private key: encrypted keys are not supported.") from exc
    except (ValueError, UnicodeEncodeError, UnsupportedAlgorithm) as exc:
        raise APIError(400, INVALID_PRIVATE_KEY, "Failed to parse the private key: invalid PEM data.") from exc
    if public_key_der(private_key.public_key()) != public_key_der(leaf.public_key()):
        raise APIError(400, INVALID_PRIVATE_KEY, "The private key does not match the certificate.")
    return private_key


def signature_name(certificate):
    """Name of the signature algorithm, e.g. SHA256WithRSA or ECDSAWithSHA256 (see SIGNATURE_NAMES)."""
    return SIGNATURE_NAMES.get(certificate.signature_algorithm_oid, UNKNOWN_SIGNATURE)


def issuer_name(certificate):
    """The API's `issuer`: a short display name, not a DN (schema example "GlobalSign"): the issuer's CN, else its
    O; the last CN and the first O, as Go's crypto/x509 reads them. An issuer with neither shows its RFC 4514 DN."""
    issuer = certificate.issuer
    common_names = issuer.get_attributes_for_oid(NameOID.COMMON_NAME)
    if common_names:
        return str(common_names[-1].value)
    organizations = issuer.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    if organizations:
        return str(organizations[0].value)
    return issuer.rfc4514_string()


def to_pem(certificates):
    """Re-encode the bundle without its final newline: users saw the real API answer with other trailing newlines
    than they sent, so a client must compare certificates, never their text."""
    return "".join(cert.public_bytes(serialization.Encoding.PEM).decode("ascii") for cert in certificates).rstrip("\n")


def describe(certificates, leaf):
    """Collect the reported fields; the fingerprint of the leaf DER identifies duplicates."""
    ordered = [leaf] + [cert for cert in certificates if cert is not leaf]
    return CertificateDetails(
        pem=to_pem(ordered),
        fingerprint=hashlib.sha256(leaf.public_bytes(serialization.Encoding.DER)).hexdigest(),
        issuer=issuer_name(leaf),
        serial_number=str(leaf.serial_number),  # decimal, as the schema's example "6743787633689793699141714808227354901"
        signature=signature_name(leaf),
        expires_at=leaf.not_valid_after_utc,
    )
