# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reading Cloudflare's two AOP resources, hostname client certificates and hostname associations, the one way every
module reads them, and the form in which modules return them (private: not a public interface)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, overload

from ansible_collections.aop.cloudflare.plugins.module_utils._api import CloudflareClient, CloudflareError
from ansible_collections.aop.cloudflare.plugins.module_utils._certificate import fingerprint_sha256, load_certificate

if TYPE_CHECKING:
    from cryptography import x509

GONE_STATUSES = ('deleted',)
CERTIFICATE_FIELDS = ('id', 'status', 'issuer', 'serial_number', 'signature', 'expires_on', 'uploaded_on')
ASSOCIATION_FIELDS = (
    'hostname',
    'state',
    'cert_id',
    'enabled',
    'status',
    'cert_status',
    'issuer',
    'serial_number',
    'signature',
    'expires_on',
    'created_at',
    'updated_at',
)
# Cloudflare's "no such association" codes (observed; a 404 says the same).
ASSOCIATION_NOT_FOUND_CODES = (1551, 1553)
# A 404 with one of these codes is about the zone (1001 "Invalid zone identifier") or the path (7003 "No route", a
# malformed id), never about the object: it is a failure to report, not an absence. Cloudflare documents no
# not-found code for a certificate, so any other 404 reads as the object's absence.
NOT_ABOUT_THE_OBJECT_CODES = (1001, 7003)


def is_absence(exc: CloudflareError, object_codes: tuple[int, ...] = ()) -> bool:
    """True when a failed call says the object itself does not exist (and not that the zone or the path is wrong)."""
    if exc.has_code(*NOT_ABOUT_THE_OBJECT_CODES):
        return False
    return exc.status == 404 or exc.has_code(*object_codes)


def certificates_path(zone_id: str) -> str:
    return '/zones/%s/origin_tls_client_auth/hostnames/certificates' % zone_id


def associations_path(zone_id: str) -> str:
    return '/zones/%s/origin_tls_client_auth/hostnames' % zone_id


# --- certificates ----------------------------------------------------------------------------------------------------


def certificate_from_api(item: dict[str, Any]) -> dict[str, Any]:
    """One certificate from any documented list shape: certificate objects (2026) or associations (2023-2024)."""
    association_shaped = 'hostname' in item or ('cert_id' in item and 'id' not in item)
    return {
        'id': item.get('cert_id') if association_shaped else item.get('id'),
        'status': item.get('cert_status') if association_shaped else item.get('status'),
        'issuer': item.get('issuer'),
        'serial_number': item.get('serial_number'),
        'signature': item.get('signature'),
        'expires_on': item.get('expires_on'),
        'uploaded_on': item.get('cert_uploaded_on') if association_shaped else item.get('uploaded_on'),
        'pem': item.get('certificate'),
    }


def list_certificates(client: CloudflareClient, zone_id: str) -> list[dict[str, Any]]:
    """Every certificate on the zone, once each (the association-shaped list repeats them per hostname)."""
    seen, certificates = set(), []
    for item in client.get_all(certificates_path(zone_id)):
        certificate = certificate_from_api(item)
        if certificate['id'] and certificate['id'] not in seen and certificate['status'] not in GONE_STATUSES:
            seen.add(certificate['id'])
            certificates.append(certificate)
    return certificates


def read_certificate(client: CloudflareClient, zone_id: str, certificate_id: str) -> tuple[dict[str, Any] | None, str]:
    """(certificate, status) by id; a certificate Cloudflare no longer knows reads as (None, 'deleted')."""
    try:
        certificate = certificate_from_api(client.get('%s/%s' % (certificates_path(zone_id), certificate_id)))
    except CloudflareError as exc:
        if is_absence(exc):
            return None, 'deleted'
        raise
    return certificate, certificate['status']


@overload
def certificate_view(certificate: dict[str, Any], cert: x509.Certificate | None = None) -> dict[str, Any]: ...


@overload
def certificate_view(certificate: None, cert: x509.Certificate | None = None) -> None: ...


def certificate_view(certificate: dict[str, Any] | None, cert: x509.Certificate | None = None) -> dict[str, Any] | None:
    """The returned form of a certificate, never its PEM; cert (parsed) stands in where the API left the PEM out."""
    if certificate is None:
        return None
    view = {field: certificate.get(field) for field in CERTIFICATE_FIELDS}
    # Cloudflare's PEM is the authority.
    shown = load_certificate(certificate['pem']) if certificate.get('pem') else cert
    view['fingerprint_sha256'] = fingerprint_sha256(shown) if shown is not None else None
    return view


# --- associations ----------------------------------------------------------------------------------------------------


def state_of(association: dict[str, Any] | None) -> str:
    if association is None or association.get('enabled') is None:
        return 'absent'
    return 'enabled' if association['enabled'] else 'disabled'


def association_view(hostname: str, association: dict[str, Any] | None) -> dict[str, Any]:
    """The returned form of an association; an absent one is only its hostname and state."""
    present = association if association is not None and state_of(association) != 'absent' else {}
    shown = {field: present.get(field) for field in ASSOCIATION_FIELDS}
    shown.update(hostname=hostname, state=state_of(association))
    return shown


def read_association(client: CloudflareClient, zone_id: str, hostname: str) -> dict[str, Any] | None:
    """The association of one hostname, or None when Cloudflare has none."""
    try:
        return client.get('%s/%s' % (associations_path(zone_id), hostname))
    except CloudflareError as exc:
        if is_absence(exc, ASSOCIATION_NOT_FOUND_CODES):
            return None
        raise


def read_associations(client: CloudflareClient, zone_id: str, hostnames: list[str], concurrency: int) -> dict[str, dict[str, Any] | None]:
    """{hostname: association or None}, read `concurrency` at a time (Cloudflare has no call that lists them)."""
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(hostnames)))) as pool:
        return dict(zip(hostnames, pool.map(lambda hostname: read_association(client, zone_id, hostname), hostnames)))
