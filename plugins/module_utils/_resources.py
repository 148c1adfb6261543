# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cloudflare's resources for per-hostname AOP, and every call and error code of them (private).

The zone lookup, hostname client certificates (list, get, upload, delete), the zone setting tls_client_auth and
hostname associations (get, list, put) live here, as small records; the modules decide, the transport (_api.py) sends.
Which behaviour of the API each rule here rests on, and its source, is listed in tests/emulator/README.md.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from ansible_collections.aop.cloudflare.plugins.module_utils._api import BACKOFF_BASE_SECONDS, CloudflareClient
from ansible_collections.aop.cloudflare.plugins.module_utils._certificate import fingerprint_sha256, parse_pem, same_certificate
from ansible_collections.aop.cloudflare.plugins.module_utils._errors import AopError, CloudflareError, WaitError
from ansible_collections.aop.cloudflare.plugins.module_utils._rules import normalize_zone

if TYPE_CHECKING:
    from cryptography import x509

T = TypeVar('T')

# --- Cloudflare's codes (sources: tests/emulator/README.md) ----------------------------------------------------------
ALREADY_EXISTS = 1406  # the same certificate is on the zone (also while a deleted copy is pending deletion)
CERTIFICATE_GONE = 1415  # a PUT names a certificate that is invalid or deleted
IN_USE = 1433  # a DELETE of a certificate that associations still use
STILL_DEPLOYING = 1434  # a DELETE of a certificate that is not deployed yet
CERTIFICATE_NOT_FOUND = 1551
ASSOCIATION_NOT_FOUND = 1553
# A 404 with one of these codes is about the zone (1001 "Invalid zone identifier") or the path (7003 "No route"),
# never about the object: a failure to report, not an absence.
NOT_ABOUT_THE_OBJECT = (1001, 7003)

GONE_STATUSES = ('deleted',)
# Statuses Cloudflare will not move on from by itself.
FAILED_STATUSES = frozenset(['deployment_timed_out', 'deletion_timed_out'])
WAIT_POLL_MIN_SECONDS = 1.0
WAIT_POLL_MAX_SECONDS = 10.0
# Sends of one upload in all: a resend follows a lost answer only once the zone's list shows it was not stored.
MAX_UPLOAD_SENDS = 3
# The association listing: every status (its default is active only), as few pages as Cloudflare allows.
LISTING_PARAMS = {'status': 'all', 'per_page': 1000}

CERTIFICATE_VIEW_FIELDS = ('id', 'status', 'issuer', 'serial_number', 'signature', 'expires_on', 'uploaded_on')
ASSOCIATION_VIEW_FIELDS = (
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
# Fields of an association that describe its certificate, not the association.
ASSOCIATION_CERTIFICATE_FIELDS = ('cert_status', 'issuer', 'serial_number', 'signature', 'expires_on')


def is_absence(exc: CloudflareError, own_code: int, other_code: int) -> bool:
    """True when a failed call says its object does not exist: HTTP 404 or the object's own not-found code, and not
    a code about the zone, the path or the other kind of object."""
    if exc.has_code(*NOT_ABOUT_THE_OBJECT, other_code):
        return False
    return exc.status == 404 or exc.has_code(own_code)


def certificates_path(zone_id: str) -> str:
    return '/zones/%s/origin_tls_client_auth/hostnames/certificates' % zone_id


def associations_path(zone_id: str) -> str:
    return '/zones/%s/origin_tls_client_auth/hostnames' % zone_id


def lookup_zone_id(client: CloudflareClient, name: str) -> str:
    """The id of the zone with exactly this name."""
    name = normalize_zone(name)
    zones = [zone for zone in client.get_all('/zones', {'name': name}) if normalize_zone(zone.get('name')) == name]
    if len(zones) != 1:
        raise CloudflareError(
            'zone %r was not found (%d matches): check the name, or that the API token may read this zone, '
            'or give the zone\'s id instead' % (name, len(zones)),
            method='GET',
            path='/zones',
        )
    return zones[0]['id']


def wait_for(read: Callable[[], tuple[T, str | None]], wanted: Collection[str], timeout: float, what: str, sleep: Callable[[float], None]) -> T:
    """Poll read() -> (value, status) until status is in wanted; return the last value.

    Time is counted in the pauses taken, so a test's fake sleep cannot make this loop forever.
    """
    waited, interval = 0.0, WAIT_POLL_MIN_SECONDS
    while True:
        value, status = read()
        if status in wanted:
            return value
        if status in FAILED_STATUSES:
            raise WaitError('Cloudflare reports %s for %s: delete it (state=absent) and upload it again' % (status, what))
        if waited + interval > timeout:
            raise WaitError(
                '%s is still %s after %d seconds: raise wait_timeout, or run again later (the run converges from where it stopped)' % (what, status, waited)
            )
        sleep(interval)
        waited += interval
        interval = min(interval * 2, WAIT_POLL_MAX_SECONDS)


# --- records ------------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Certificate:
    """A hostname client certificate on the zone. Its identity (fingerprint, subject, issuer, expiry) comes from its
    PEM; issuer, serial_number and signature are Cloudflare's display strings, shown and never compared."""

    id: str | None
    status: str | None
    issuer: str | None = None
    serial_number: str | None = None
    signature: str | None = None
    expires_on: str | None = None
    uploaded_on: str | None = None
    pem: str | None = None

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> Certificate:
        """From either documented list shape: certificate objects (2026) or associations (2023-2024)."""
        association_shaped = 'hostname' in item or ('cert_id' in item and 'id' not in item)
        return cls(
            id=item.get('cert_id') if association_shaped else item.get('id'),
            status=item.get('cert_status') if association_shaped else item.get('status'),
            issuer=item.get('issuer'),
            serial_number=item.get('serial_number'),
            signature=item.get('signature'),
            expires_on=item.get('expires_on'),
            uploaded_on=item.get('cert_uploaded_on') if association_shaped else item.get('uploaded_on'),
            pem=item.get('certificate'),
        )

    @functools.cached_property
    def parsed(self) -> x509.Certificate | None:
        """The certificate Cloudflare holds, from its PEM; None when the answer had none (or an unreadable one)."""
        return parse_pem(self.pem)

    @property
    def subject(self) -> str | None:
        return self.parsed.subject.rfc4514_string() if self.parsed is not None else None

    def is_(self, cert: x509.Certificate) -> bool:
        """The same certificate as cert, compared as DER (Cloudflare may return the PEM with other whitespace)."""
        return same_certificate(cert, self.pem)

    def view(self, cert: x509.Certificate | None = None) -> dict[str, Any]:
        """The returned form, never the PEM; cert (parsed) stands in for the fingerprint where the API left the PEM out."""
        view: dict[str, Any] = {field: getattr(self, field) for field in CERTIFICATE_VIEW_FIELDS}
        shown = self.parsed if self.parsed is not None else cert
        view['fingerprint_sha256'] = fingerprint_sha256(shown) if shown is not None else None
        return view


@dataclasses.dataclass(frozen=True)
class Association:
    """A hostname's association with a certificate, as Cloudflare shows it (fields: everything it sent)."""

    hostname: str
    fields: dict[str, Any]

    @classmethod
    def from_api(cls, item: dict[str, Any], hostname: str | None = None) -> Association:
        return cls(hostname=hostname or item.get('hostname') or '', fields=dict(item))

    @property
    def cert_id(self) -> str | None:
        return self.fields.get('cert_id')

    @property
    def enabled(self) -> bool | None:
        return self.fields.get('enabled')

    @property
    def status(self) -> str | None:
        return self.fields.get('status')

    @property
    def state(self) -> str:
        if self.enabled is None:
            return 'absent'
        return 'enabled' if self.enabled else 'disabled'


def state_of(association: Association | None) -> str:
    return 'absent' if association is None else association.state


def association_view(hostname: str, association: Association | None) -> dict[str, Any]:
    """The returned form of an association; an absent one is only its hostname and state."""
    present = association.fields if association is not None and association.state != 'absent' else {}
    shown = {field: present.get(field) for field in ASSOCIATION_VIEW_FIELDS}
    shown.update(hostname=hostname, state=state_of(association))
    return shown


class CertificateInUse(CloudflareError):
    """Cloudflare refuses to delete a certificate that associations still use (1433)."""


class ListingUnusable(Exception):
    """The association listing cannot be trusted for this zone run; the reason says why."""


@dataclasses.dataclass
class AssociationReads:
    """How a zone's associations were read: 'list' (the listing, with pages) or 'per_hostname' (and why)."""

    used: str
    pages: int = 0
    confirmed: int = 0
    reason: str | None = None

    def view(self) -> dict[str, Any]:
        shown: dict[str, Any] = {'used': self.used}
        if self.used == 'list':
            shown.update(pages=self.pages, confirmed_per_hostname=self.confirmed)
        if self.reason:
            shown['reason'] = self.reason
        return shown


# --- one zone's resources -----------------------------------------------------------------------------------------


class ZoneResources:
    """Every call on one zone's AOP resources, with Cloudflare's codes read where they mean something."""

    def __init__(self, client: CloudflareClient, zone_id: str) -> None:
        self.client = client
        self.zone_id = zone_id
        self.certificates_path = certificates_path(zone_id)
        self.associations_path = associations_path(zone_id)
        self.setting_path = '/zones/%s/settings/tls_client_auth' % zone_id

    # --- certificates -------------------------------------------------------------------------------------------

    def certificates(self) -> list[Certificate]:
        """Every certificate on the zone, once each (the association-shaped list repeats them per hostname)."""
        seen, certificates = set(), []
        for item in self.client.get_all(self.certificates_path):
            certificate = Certificate.from_api(item)
            if certificate.id and certificate.id not in seen and certificate.status not in GONE_STATUSES:
                seen.add(certificate.id)
                certificates.append(certificate)
        return certificates

    def certificate(self, certificate_id: str) -> Certificate | None:
        """The certificate with this id; None once Cloudflare no longer knows it."""
        try:
            return Certificate.from_api(self.client.get('%s/%s' % (self.certificates_path, certificate_id)))
        except CloudflareError as exc:
            if is_absence(exc, CERTIFICATE_NOT_FOUND, ASSOCIATION_NOT_FOUND):
                return None
            raise

    def certificate_status(self, certificate_id: str) -> tuple[Certificate | None, str]:
        certificate = self.certificate(certificate_id)
        return certificate, certificate.status if certificate is not None and certificate.status else 'deleted'

    @staticmethod
    def find(cert: x509.Certificate | None, on_zone: Iterable[Certificate]) -> Certificate | None:
        for certificate in on_zone:
            if cert is not None and certificate.is_(cert):
                return certificate
        return None

    def upload(self, cert: x509.Certificate, pem: str, private_key: str | None) -> Certificate:
        """POST the certificate; converge when the answer is lost or says a parallel run uploaded it."""
        body = {'certificate': pem, 'private_key': private_key}
        sends = 0
        while True:
            sends += 1
            try:
                return Certificate.from_api(self.client.request('POST', self.certificates_path, body=body)[0])
            except CloudflareError as exc:
                # The client never repeats a POST that may have been processed: no answer or a 5xx may hide a stored
                # upload, and 1406 means a copy is there. Only the zone's list tells.
                lost = exc.status is None or exc.status >= 500
                if not (lost or exc.has_code(ALREADY_EXISTS)):
                    raise
                found = self.find(cert, self.certificates())
                if found:
                    refuse_pending_deletion(found)
                    return found
                if not lost:
                    exc.message += ' — Cloudflare says the zone holds this certificate, yet does not list it: run again in a few minutes'
                    raise
                if sends >= MAX_UPLOAD_SENDS:
                    exc.message += ' — sent %d times, and the zone does not hold the certificate: run again later' % sends
                    raise
                # Not stored, so sending again cannot make a second copy; paced like the client's own retries.
                self.client.sleep(BACKOFF_BASE_SECONDS * 2 ** (sends - 1))

    def delete(self, certificate_id: str, wait_timeout: float) -> None:
        """DELETE the certificate; CertificateInUse when associations still use it (1433). A certificate still
        deploying (1434) is deleted once it is deployed, within wait_timeout."""
        waited, interval = 0.0, WAIT_POLL_MIN_SECONDS
        while True:
            try:
                self.client.request('DELETE', '%s/%s' % (self.certificates_path, certificate_id))
                return
            except CloudflareError as exc:
                if is_absence(exc, CERTIFICATE_NOT_FOUND, ASSOCIATION_NOT_FOUND):  # deleted meanwhile, or by a retried DELETE
                    return
                if exc.has_code(IN_USE):
                    raise CertificateInUse(exc.message, exc.method, exc.path, exc.status, exc.errors, exc.cf_ray) from None
                if not exc.has_code(STILL_DEPLOYING):
                    raise
                if waited + interval > wait_timeout:
                    exc.message += ' — certificate %s was still deploying after %d seconds: raise wait_timeout, or run again later' % (certificate_id, waited)
                    raise
            self.client.sleep(interval)
            waited += interval
            interval = min(interval * 2, WAIT_POLL_MAX_SECONDS)

    # --- the zone setting ---------------------------------------------------------------------------------------

    def tls_client_auth(self) -> dict[str, Any]:
        return self.client.get(self.setting_path)

    def set_tls_client_auth(self, value: str) -> dict[str, Any]:
        return self.client.request('PATCH', self.setting_path, body={'value': value})[0]

    # --- associations -------------------------------------------------------------------------------------------

    def association(self, hostname: str) -> Association | None:
        """The association of one hostname, or None when Cloudflare has none."""
        try:
            item = self.client.get('%s/%s' % (self.associations_path, hostname))
        except CloudflareError as exc:
            if is_absence(exc, ASSOCIATION_NOT_FOUND, CERTIFICATE_NOT_FOUND):
                return None
            raise
        return Association.from_api(item, hostname)

    def association_status(self, hostname: str) -> tuple[Association | None, str | None]:
        association = self.association(hostname)
        return association, association.status if association is not None else None

    def per_hostname(self, hostnames: list[str], concurrency: int) -> dict[str, Association | None]:
        """{hostname: association or None}, one GET each, `concurrency` at a time."""
        if not hostnames:
            return {}
        with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(hostnames)))) as pool:
            return dict(zip(hostnames, pool.map(self.association, hostnames)))

    def listing(self) -> tuple[dict[str, Association], int]:
        """Every association of the zone by the listing ({hostname: association}, pages read); ListingUnusable when the
        listing is missing or its answer cannot be trusted whole (then nothing it said is used)."""
        listed: dict[str, Association] = {}
        pages = 0
        try:
            for result, info in self.client.pages(self.associations_path, dict(LISTING_PARAMS)):
                pages += 1
                _check_listing_page(result, info, pages)
                for item in result:
                    if item['hostname'] in listed:
                        raise ListingUnusable('the listing shows %s twice' % item['hostname'])
                    listed[item['hostname']] = Association.from_api(item)
                total = info['total_count']
        except CloudflareError as exc:
            if exc.status in (404, 405, 400) and not exc.has_code(1001):
                raise ListingUnusable('the listing answered HTTP %s (%s)' % (exc.status, ', '.join(str(code) for code in exc.codes) or 'no code')) from None
            raise
        if len(listed) != total:
            raise ListingUnusable('the listing gave %d associations in %d page(s), but says there are %d' % (len(listed), pages, total))
        return listed, pages

    def associations(
        self, hostnames: list[str], concurrency: int, reads: str = 'auto'
    ) -> tuple[dict[str, Association | None], AssociationReads, dict[str, Association] | None]:
        """The associations of the hostnames given, by the listing where it can be used (reads 'auto' or 'list'), else
        one GET per hostname ('per_hostname', or 'auto' when the listing is unusable). Also returns how they were read,
        and every association of the zone when the listing was used (else None).

        A hostname the listing does not show is confirmed with its own GET: the listing's statuses do not name
        'initializing', so a missing hostname is no proof of absence, and in a converged zone there is none to confirm.
        """
        if reads == 'per_hostname':
            return self.per_hostname(hostnames, concurrency), AssociationReads('per_hostname', reason='association_reads=per_hostname'), None
        try:
            listed, pages = self.listing()
        except ListingUnusable as exc:
            if reads == 'list':
                raise CloudflareError(
                    "the association listing cannot be used on this zone (%s): set association_reads to 'auto' or 'per_hostname'" % exc,
                    method='GET',
                    path=self.associations_path,
                ) from None
            return self.per_hostname(hostnames, concurrency), AssociationReads('per_hostname', reason=str(exc)), None
        unlisted = [hostname for hostname in hostnames if hostname not in listed]
        found: dict[str, Association | None] = {hostname: listed[hostname] for hostname in hostnames if hostname in listed}
        found.update(self.per_hostname(unlisted, concurrency))
        return {hostname: found[hostname] for hostname in hostnames}, AssociationReads('list', pages=pages, confirmed=len(unlisted)), listed

    def put_associations(self, config: list[dict[str, Any]]) -> dict[str, Association | None]:
        """One PUT for every change; returns {hostname: association} as Cloudflare answered (None once voided)."""
        try:
            result = self.client.request('PUT', self.associations_path, body={'config': config})[0] or []
        except CloudflareError as exc:
            if exc.has_code(CERTIFICATE_GONE):
                exc.message += self._gone_certificates(config)
            raise
        answered = {item.get('hostname'): item for item in result if isinstance(item, dict)}
        after: dict[str, Association | None] = {}
        for change in config:
            hostname = change['hostname']
            # Whether the answer lists every submitted hostname is not documented: read what it left out.
            association = Association.from_api(answered[hostname], hostname) if hostname in answered else self.association(hostname)
            after[hostname] = association if association is not None and association.state != 'absent' else None
        return after

    def _gone_certificates(self, config: list[dict[str, Any]]) -> str:
        """Which of the certificates a refused PUT named are gone, read again one by one."""
        named = sorted({change['cert_id'] for change in config if change.get('cert_id')})
        gone = [cert_id for cert_id in named if self.certificate_status(cert_id)[1] in GONE_STATUSES + ('pending_deletion',)]
        if not gone:
            return ' — every certificate it names is still on the zone: run again'
        return ' — certificate %s is no longer on the zone (deleted meanwhile): upload it again (aop.cloudflare.hostname_client_cert), then run again' % (
            ', '.join(gone)
        )


def _check_listing_page(result: Any, info: dict[str, Any], page: int) -> None:
    """A page of the listing is used only when it has the shape the per-hostname GET gives and adds up."""
    if not isinstance(result, list):
        raise ListingUnusable('page %d of the listing is not a list' % page)
    for item in result:
        if not isinstance(item, dict) or not isinstance(item.get('hostname'), str) or 'cert_id' not in item:
            raise ListingUnusable('page %d of the listing has an item without hostname and cert_id' % page)
    count, total = info.get('count'), info.get('total_count')
    if not isinstance(total, int) or isinstance(total, bool) or count != len(result) or info.get('page', page) != page:
        raise ListingUnusable('page %d of the listing does not add up (result_info %r for %d items)' % (page, info, len(result)))


def refuse_pending_deletion(certificate: Certificate) -> None:
    if certificate.status == 'pending_deletion':
        raise AopError(
            'certificate %s is being deleted from the zone (pending_deletion) and Cloudflare refuses to upload it '
            'again until that ends: run again in a few minutes' % certificate.id
        )
