#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: hostname_client_cert
short_description: Upload, adopt or delete Cloudflare hostname client certificates
version_added: 0.1.0
description:
  - Step 1 of Cloudflare's per-hostname Authenticated Origin Pulls procedure. Cloudflare's edge presents this client
    certificate to your origin for the hostnames associated with it by M(aop.cloudflare.hostname_aop).
  - Certificates are identified by the SHA-256 fingerprint of their DER encoding, never by their text. A certificate
    already on the zone is adopted (V(changed=false)); a duplicate is never uploaded.
  - Before any write, the certificate and key are checked locally the way Cloudflare would check them (PEM parses,
    key matches and is not encrypted, a leaf and not a CA, not expired) and that the zone has room left within its 10
    certificates.
  - Also refused before any write, each with its fix, is what Cloudflare takes but a standard TLS origin (OpenSSL with
    its default settings, as nginx, Apache or HAProxy use it) refuses on every pull. That is an extendedKeyUsage
    without C(clientAuth) (C(anyExtendedKeyUsage) alone too, which OpenSSL does not count as C(clientAuth)), a keyUsage
    without C(digitalSignature), a certificate not valid yet, an RSA key under 2048 bits, an EC key on another curve
    than P-256, P-384 or P-521, and a SHA-1 or MD5 signature. No extendedKeyUsage or keyUsage at all is fine.
  - These rules and O(min_days_valid) also apply to a certificate the zone already holds, since adopting it would
    still fail every pull. They judge the certificate alone, so a run that passed is not failed by the next one with
    the same certificate, except by O(min_days_valid) as time goes by.
  - An upload whose answer is lost (no answer, or an HTTP 5xx) may have been stored all the same. The module then reads
    the zone's certificates and adopts it if it is there, or sends it again if it is not (at most 3 sends in all).
    An upload that Cloudflare refuses as a duplicate (a parallel run uploaded it) is adopted the same way.
  - By default the module waits until Cloudflare reports the certificate C(active), so the next step can use it at once.
  - O(certificates) handles several certificates in one run, for example all those of a zone.
author:
  - aop.cloudflare maintainers (@aop-cloudflare)
extends_documentation_fragment:
  - aop.cloudflare.connection
  - aop.cloudflare.attributes
attributes:
  check_mode:
    support: full
    details:
      - Predicts the change and the returned certificate.
      - For an upload, RV(certificate.id) is the placeholder V((known after upload\)), which
        M(aop.cloudflare.hostname_aop) accepts in check mode, so that a later task using it predicts as well.
        RV(certificate.uploaded_on) is V(null).
      - A deletion is predicted to succeed. Whether hostnames still use the certificate (see O(when_in_use)) is only
        known when Cloudflare answers the deletion.
  diff_mode:
    support: full
    details: Shows each certificate by fingerprint, serial number, issuer and expiry; never PEM text or the key.
  idempotent:
    support: full
options:
  certificate:
    description:
      - The client certificate, PEM text (C(-----BEGIN CERTIFICATE-----)). Use P(ansible.builtin.file#lookup) to read a file.
      - Required when O(state=present), unless O(certificates) is given. With O(state=absent), the certificate to
        delete (or give O(id)).
    type: str
  private_key:
    description:
      - The unencrypted private key of O(certificate), PEM text. Never returned, logged or shown in a diff.
      - Needed only to upload; a certificate already on the zone is adopted without it (if given, it must still match).
      - Keep the key file encrypted with Ansible Vault rather than with a passphrase;
        P(ansible.builtin.file#lookup) decrypts a vault file when it reads it.
    type: str
  id:
    description:
      - Id of a certificate on the zone, to delete it with O(state=absent) without having its PEM.
    type: str
  certificates:
    description:
      - Several certificates in one run, instead of O(certificate), O(private_key) and O(id). A certificate may be
        listed only once.
      - With O(state=present), every certificate is checked before any write (each problem is reported, named by its
        place in the list), the zone's certificates are read once, the missing ones are uploaded one after the other,
        and then (O(wait=true)) the module waits for those not C(active) yet, which Cloudflare deploys side by side.
        Nothing is uploaded if the uploads would take the zone beyond its 10 certificates.
      - With O(state=absent), each certificate is deleted, then (O(wait=true)) the module waits until all are gone.
    type: list
    elements: dict
    suboptions:
      certificate:
        description:
          - As O(certificate). Required with O(state=present); with O(state=absent), give it or O(certificates[].id).
        type: str
      private_key:
        description:
          - As O(private_key), for O(certificates[].certificate).
        type: str
      id:
        description:
          - As O(id); only with O(state=absent).
        type: str
  min_days_valid:
    description:
      - With O(state=present), refuse before any write to upload or adopt a certificate with fewer whole days left
        before it expires than this (an expired one included). Applies to every item of O(certificates).
      - V(0) turns the check off. An adopted certificate that expires within 30 days (or has expired) then only gives
        a warning.
    type: int
    default: 0
  state:
    description:
      - V(present) uploads the certificates unless the zone already holds them.
      - V(absent) deletes them. Cloudflare refuses to delete a certificate that hostnames still use; void them first with
        M(aop.cloudflare.hostname_aop) and O(aop.cloudflare.hostname_aop#module:state=absent), or see O(when_in_use).
    type: str
    choices: [present, absent]
    default: present
  when_in_use:
    description:
      - What O(state=absent) does when Cloudflare refuses to delete a certificate because hostnames still use it
        (Cloudflare error 1433).
      - V(fail) fails the task.
      - V(keep) leaves the certificate on the zone, does not fail, returns its id in RV(kept) and warns which
        certificates were kept and how to free them.
    type: str
    choices: [fail, keep]
    default: fail
  wait:
    description:
      - Wait until the certificates are C(active) (V(present)) or gone (V(absent)).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for each certificate when O(wait=true). Certificates deploy side by side, so waiting for
        several takes about as long as the slowest of them.
    type: int
    default: 300
notes:
  - Cloudflare deploys a new certificate in the background (C(initializing), C(pending_deployment), then C(active)).
    Associate hostnames with it only once it is C(active); O(wait=true) does that for you.
seealso:
  - module: aop.cloudflare.hostname_aop
  - module: aop.cloudflare.zone_tls_client_auth
  - name: Per-hostname authenticated origin pull
    description: Cloudflare's documented procedure.
    link: https://developers.cloudflare.com/ssl/origin-configuration/authenticated-origin-pull/set-up/per-hostname/
'''

EXAMPLES = r'''
# The token comes from CLOUDFLARE_API_TOKEN (or set api_token); pki/ lies beside the playbook.
- name: Upload the client certificate of app.example.com (or adopt it if it is already there)
  aop.cloudflare.hostname_client_cert:
    zone: example.com
    certificate: "{{ lookup('ansible.builtin.file', 'pki/app-client.crt') }}"
    private_key: "{{ lookup('ansible.builtin.file', 'pki/app-client.key') }}"
  register: client_cert

- name: Use its id in step 3 (in check mode too, where the id of a new upload is a placeholder)
  aop.cloudflare.hostname_aop:
    zone: example.com
    hostnames: [app.example.com]
    cert_id: "{{ client_cert.certificate.id }}"

- name: Upload two certificates in one run; Cloudflare deploys them side by side
  aop.cloudflare.hostname_client_cert:
    zone: example.com
    # Refuse a certificate that expires within 30 days, the zone's copy included.
    min_days_valid: 30
    certificates:
      - certificate: "{{ lookup('ansible.builtin.file', 'pki/shop-client.crt') }}"
        private_key: "{{ lookup('ansible.builtin.file', 'pki/shop-client.key') }}"
      - certificate: "{{ lookup('ansible.builtin.file', 'pki/api-client.crt') }}"
        private_key: "{{ lookup('ansible.builtin.file', 'pki/api-client.key') }}"
  register: client_certs

- name: Associate each hostname with its certificate
  aop.cloudflare.hostname_aop:
    zone_id: "{{ client_certs.zone_id }}"
    config:
      - hostname: shop.example.com
        cert_id: "{{ client_certs.certificates[0].id }}"
      - hostname: api.example.com
        cert_id: "{{ client_certs.certificates[1].id }}"
  register: associations

- name: Delete the certificates those hostnames used before (after a rotation; none on a fresh zone)
  aop.cloudflare.hostname_client_cert:
    zone_id: "{{ client_certs.zone_id }}"
    id: "{{ item }}"
    state: absent
  loop: "{{ associations.released_cert_ids }}"

- name: Delete a retired certificate, keeping it if hostnames elsewhere still use it
  aop.cloudflare.hostname_client_cert:
    zone_id: "{{ client_certs.zone_id }}"
    certificates:
      - certificate: "{{ lookup('ansible.builtin.file', 'pki/old-client.crt') }}"
    state: absent
    when_in_use: keep
  register: deleted

- name: Say which certificates are still in use
  ansible.builtin.debug:
    msg: "Still in use, kept: {{ deleted.kept | join(', ') }}"
  when: deleted.kept | length > 0
'''

RETURN = r'''
zone_id:
  description: Id of the zone, so that later tasks can pass O(zone_id) instead of looking O(zone) up again.
  returned: success
  type: str
  sample: 023e105f4ecef8ad9ca31a8372d0c353
certificate:
  description:
    - The certificate as Cloudflare shows it after the run (before deletion for O(state=absent)); V(null) when there is none.
  returned: success, when O(certificates) is not given
  type: dict
  contains:
    id:
      description:
        - Certificate id on the zone; give it to M(aop.cloudflare.hostname_aop) as O(aop.cloudflare.hostname_aop#module:cert_id).
        - In check mode, V((known after upload\)) for a certificate that is not uploaded yet.
      type: str
      sample: 2458ce5a-0c35-4c7f-82c7-8e9487d3ff60
    status:
      description: Deployment status.
      type: str
      sample: active
    issuer:
      description: Issuer, as Cloudflare spells it.
      type: str
      sample: CN=Example Private CA
    serial_number:
      description: Serial number, in decimal.
      type: str
      sample: "6743787633689793699141714808227354901"
    signature:
      description: Signature algorithm.
      type: str
      sample: SHA256WithRSA
    expires_on:
      description: End of validity (UTC).
      type: str
      sample: "2027-01-01T05:20:00Z"
    uploaded_on:
      description: When the certificate was uploaded; V(null) in check mode for a certificate not uploaded yet.
      type: str
      sample: "2026-10-28T18:11:23.37411Z"
    fingerprint_sha256:
      description: SHA-256 fingerprint of the certificate's DER encoding, the identity this module compares.
      type: str
      sample: "8f:43:28:8a:d2:72:f3:10:3b:6f:b1:42:84:85:ea:30:14:c0:be:fe:98:a6:1a:84:e6:d6:bf:5f:fa:9e:6b:8b"
certificates:
  description:
    - One entry per item of O(certificates), in the same order, with the same fields as RV(certificate); an entry is
      V(null) when there is no such certificate.
  returned: success, when O(certificates) is given
  type: list
  elements: dict
  sample:
    - id: 2458ce5a-0c35-4c7f-82c7-8e9487d3ff60
      status: active
      issuer: CN=Example Private CA
      serial_number: "6743787633689793699141714808227354901"
      signature: SHA256WithRSA
      expires_on: "2027-01-01T05:20:00Z"
      uploaded_on: "2026-10-28T18:11:23.37411Z"
      fingerprint_sha256: "8f:43:28:8a:d2:72:f3:10:3b:6f:b1:42:84:85:ea:30:14:c0:be:fe:98:a6:1a:84:e6:d6:bf:5f:fa:9e:6b:8b"
other_certificates:
  description:
    - The zone's other certificates, those the task does not name, with the same fields as RV(certificate) and their
      C(subject). The role M(aop.cloudflare.per_hostname_aop_plan) plans for uses them to finish a rotation that an
      earlier run left half done.
  returned: when O(state=present)
  type: list
  elements: dict
  sample:
    - id: 7e2b4a1c-9d3f-4e5a-8b6c-1f2e3d4c5b6a
      status: active
      subject: CN=app.example.com
      issuer: CN=Example Private CA
      serial_number: "1234567890"
      signature: SHA256WithRSA
      expires_on: "2026-01-01T05:20:00Z"
      uploaded_on: "2025-01-01T05:20:00.000000Z"
      fingerprint_sha256: "0a:1b:2c:3d:4e:5f:60:71:82:93:a4:b5:c6:d7:e8:f9:0a:1b:2c:3d:4e:5f:60:71:82:93:a4:b5:c6:d7:e8:f9"
kept:
  description:
    - Ids of the certificates left on the zone because hostnames still use them (O(when_in_use=keep)); empty when none was.
  returned: when O(state=absent)
  type: list
  elements: str
  sample: [2458ce5a-0c35-4c7f-82c7-8e9487d3ff60]
rate_limit:
  description: C(calls) sent, and C(waited_seconds) the shared rate budget held them back; past 10 s the module also warns.
  returned: once the module has made a call
  type: dict
  sample: {calls: 4, waited_seconds: 0.0}
'''

import contextlib
import dataclasses
import datetime
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ansible_collections.aop.cloudflare.plugins.module_utils._certificate import (
    UTC,
    certificate_blocks,
    certificate_problems,
    days_left,
    fingerprint_sha256,
    format_time,
    load_certificate,
    load_private_key,
    not_after,
    validate_for_upload,
)
from ansible_collections.aop.cloudflare.plugins.module_utils._errors import AopError, CertificateError, CloudflareError, InputError
from ansible_collections.aop.cloudflare.plugins.module_utils._module import CloudflareModule, build_module
from ansible_collections.aop.cloudflare.plugins.module_utils._resources import (
    GONE_STATUSES,
    IN_USE,
    Certificate,
    CertificateInUse,
    refuse_pending_deletion,
    wait_for,
)
from ansible_collections.aop.cloudflare.plugins.module_utils._rules import (
    UNKNOWN_CERT_ID,
    ZONE_CERTIFICATE_LIMIT,
    cert_id_problem,
    number_problem,
)

# Cloudflare's own expiry notices start 30 days ahead.
EXPIRY_WARNING_DAYS = 30


if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes


class Declared:
    """One certificate the task names, and what the run finds and leaves of it."""

    def __init__(self, option: str | None, pem: str | None, private_key: str | None, cert_id: str | None) -> None:
        self.option = option  # 'certificates[N]' in the list form, None in the single form
        # Only the certificate blocks travel: a bundle's private key never goes out as a certificate.
        self.pem = certificate_blocks(pem) if pem else pem
        self.private_key = private_key
        self.cert_id = cert_id
        self.cert: x509.Certificate | None = None
        self.key: PrivateKeyTypes | None = None
        self.changed = False
        # As found on the zone before the run, as left after it (None once deleted), and as last seen.
        self.before: Certificate | None = None
        self.after: Certificate | None = None
        self.returned: Certificate | None = None

    @property
    def parsed(self) -> x509.Certificate:
        """The certificate given, parsed: every item has one, but one named by id for state=absent."""
        if self.cert is None:
            raise InputError('%s names no certificate' % (self.option or 'the task'))
        return self.cert

    @contextlib.contextmanager
    def named(self) -> Iterator[None]:
        """In the list form, errors say which item they are about.

        The messages of the rules begin with the option they are about ('certificate ...', 'private_key ...').
        """
        try:
            yield
        except CloudflareError as exc:
            if self.option is not None:
                exc.message = '%s: %s' % (self.option, exc.message)
            raise
        except AopError as exc:
            if self.option is None:
                raise
            raise type(exc)(*['%s.%s' % (self.option, problem) for problem in exc.problems]) from exc


class HostnameClientCert(CloudflareModule):

    def apply(self) -> dict[str, Any]:
        declared = self.declared()
        if self.params['state'] == 'present':
            others = self.present(declared)
            return dict(self.result(declared), other_certificates=others)
        kept = self.absent(declared)
        return dict(self.result(declared), kept=kept)

    # --- input -----------------------------------------------------------------------------------------------

    def declared(self) -> list[Declared]:
        """The certificates the task names, parsed and checked before any call; every problem is reported at once."""
        for name, minimum, meaning in (('min_days_valid', 0, 'days; 0 turns the check off'), ('wait_timeout', 1, 'seconds')):
            problem = number_problem(self.params[name], name, minimum, meaning)
            if problem:
                raise InputError(problem)
        if self.params['certificates'] is None:
            declared = [Declared(None, self.params['certificate'], self.params['private_key'], self.params['id'])]
        else:
            declared = [
                Declared('certificates[%d]' % index, item['certificate'], item['private_key'], item['id'])
                for index, item in enumerate(self.params['certificates'])
            ]
        self.check_each(declared, self.parse)
        seen: dict[str, Declared] = {}  # fingerprint or id -> the item that named it
        for item in declared:
            identity = fingerprint_sha256(item.cert) if item.cert is not None else str(item.cert_id)
            if identity in seen:
                raise InputError('%s and %s name the same certificate (%s): list each certificate once' % (seen[identity].option, item.option, identity))
            seen[identity] = item
        return declared

    def parse(self, item: Declared) -> None:
        if item.cert_id is not None:
            # Only in the list form: the single form's argument spec already refuses id with state=present.
            if self.params['state'] == 'present':
                raise CertificateError('id is only for state=absent: give certificate (and private_key) to upload')
            problem = cert_id_problem(item.cert_id, 'id')
            if problem:
                raise CertificateError(problem)
            return
        # Parsed together, so that swapped files are reported whole: a key given as the certificate, and the reverse.
        problems = []
        try:
            item.cert = load_certificate(item.pem or '')
        except CertificateError as exc:
            problems.extend(exc.problems)
        if self.params['state'] == 'present' and item.private_key:
            try:
                item.key = load_private_key(item.private_key)
            except CertificateError as exc:
                problems.extend(exc.problems)
        if problems:
            raise CertificateError(*problems)
        if self.params['state'] == 'absent':
            return
        # Checked before any call: these rules hold for an upload and an adoption alike.
        problems = certificate_problems(item.parsed, item.key, min_days_valid=self.params['min_days_valid'])
        if problems:
            raise CertificateError(*problems)

    @staticmethod
    def check_each(declared: list[Declared], check: Callable[[Declared], None]) -> None:
        """check(item) for every item, then one failure that lists every problem found."""
        problems = []
        for item in declared:
            try:
                with item.named():
                    check(item)
            except CloudflareError:
                raise
            except AopError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(*problems)

    def wait(self, certificate: Certificate, wanted: tuple[str, ...]) -> Certificate:
        """The certificate once its status is in wanted; in check mode, the status a real run would end with."""
        if not self.params['wait'] or certificate.status in wanted or certificate.status == UNKNOWN_CERT_ID:
            return certificate
        if self.check_mode:
            return dataclasses.replace(certificate, status=wanted[0])
        what = 'certificate %s' % certificate.id
        last = wait_for(lambda: self.resources.certificate_status(str(certificate.id)), wanted, self.params['wait_timeout'], what, self.client.sleep)
        return last or dataclasses.replace(certificate, status='deleted')

    # --- state=present ---------------------------------------------------------------------------------------

    def present(self, declared: list[Declared]) -> list[dict[str, Any]]:
        resources = self.resources
        on_zone = resources.certificates()
        for item in declared:
            item.before = resources.find(item.cert, on_zone)
        self.check_each(declared, self.check_upload)
        missing = [item for item in declared if item.before is None]
        if len(on_zone) + len(missing) > ZONE_CERTIFICATE_LIMIT:
            raise AopError(
                'the zone already holds %d hostname client certificates and %d more would exceed Cloudflare\'s limit '
                'of %d: delete those no hostname uses (state=absent) first' % (len(on_zone), len(missing), ZONE_CERTIFICATE_LIMIT)
            )

        # Every upload is sent before any wait, so that Cloudflare deploys them side by side.
        placed = []
        for item in declared:
            if item.before is not None:
                self.warn_if_expiring(item.parsed)
                after = item.before
            elif self.check_mode:
                # Only what the PEM tells is predicted; Cloudflare's id, status and display strings come with the upload.
                unknown = UNKNOWN_CERT_ID
                after = Certificate(unknown, unknown, issuer=unknown, serial_number=unknown, signature=unknown, expires_on=format_time(not_after(item.parsed)))
            else:
                with item.named():
                    after = resources.upload(item.parsed, str(item.pem), item.private_key)
            item.changed = item.before is None
            placed.append((item, after))
        for item, after in placed:
            item.after = item.returned = self.wait(after, ('active',))
        named = {item.before.id for item in declared if item.before is not None}
        return [self.other_view(certificate) for certificate in on_zone if certificate.id not in named]

    @staticmethod
    def other_view(certificate: Certificate) -> dict[str, Any]:
        """A certificate the task does not name, with what its PEM says of it: subject, issuer and expiry (None when
        Cloudflare sent no PEM, so that nothing is inferred from display strings)."""
        view = certificate.view()
        cert = certificate.parsed
        view['subject'] = certificate.subject
        view['issuer_dn'] = cert.issuer.rfc4514_string() if cert is not None else None
        view['not_after'] = format_time(not_after(cert)) if cert is not None else None
        return view

    def check_upload(self, item: Declared) -> None:
        """What Cloudflare would refuse of this certificate, once the zone's list is known."""
        if item.before is not None:
            refuse_pending_deletion(item.before)
            return
        # Check mode uploads nothing: it predicts the upload without the key (a read-only CI job has none).
        validate_for_upload(item.parsed, item.key, min_days_valid=self.params['min_days_valid'], require_key=not self.check_mode)
        if item.key is None and self.check_mode:
            self.module.warn(
                '%s is not on the zone, so a real run uploads it, which needs its private key; none was given, so check mode '
                'predicts the upload without checking the key' % (item.option or 'certificate')
            )

    def warn_if_expiring(self, cert: x509.Certificate) -> None:
        """An adopted certificate may be close to its end: say so while there is time to rotate."""
        left = days_left(cert, datetime.datetime.now(UTC))
        if left < EXPIRY_WARNING_DAYS:
            self.module.warn(
                'certificate %s %s on %s: issue a new one and give it here to rotate'
                % (fingerprint_sha256(cert), 'expired' if left < 0 else 'expires', format_time(not_after(cert)))
            )

    # --- state=absent ----------------------------------------------------------------------------------------

    def absent(self, declared: list[Declared]) -> list[str]:
        """Delete every declared certificate, then wait; return the ids kept because hostnames still use them."""
        resources = self.resources
        on_zone = resources.certificates() if any(item.cert is not None for item in declared) else []
        for item in declared:
            with item.named():
                item.returned = resources.certificate(item.cert_id) if item.cert_id else resources.find(item.cert, on_zone)
            if item.returned is not None and item.returned.status not in GONE_STATUSES:
                item.before = item.returned

        kept = []
        for item in declared:
            before = item.before
            # A certificate already pending deletion is on its way out: nothing to change, perhaps something to wait for.
            item.changed = before is not None and before.status != 'pending_deletion'
            if before is not None and item.changed and not self.check_mode:
                try:
                    with item.named():
                        resources.delete(str(before.id), self.params['wait_timeout'])
                except CertificateInUse as exc:
                    if self.params['when_in_use'] == 'fail':
                        exc.message += (
                            ' — hostnames still use certificate %s: void them first with aop.cloudflare.hostname_aop (state=absent), '
                            'then delete it, or set when_in_use=keep' % before.id
                        )
                        raise
                    kept.append(str(before.id))
                    item.changed = False
                    item.after = before
        if kept:
            self.module.warn(
                'kept certificate %s: hostnames still use it (Cloudflare error %d). Void or move those '
                'hostnames with aop.cloudflare.hostname_aop, then delete it' % (', '.join(kept), IN_USE)
            )

        for item in declared:
            if item.before is not None and item.after is None:
                item.returned = self.wait(dataclasses.replace(item.before, status='pending_deletion'), ('deleted',))
        return kept

    # --- result ----------------------------------------------------------------------------------------------

    def result(self, declared: list[Declared]) -> dict[str, Any]:
        """The module result in the form the task used: certificate (and its diff), or certificates (and theirs)."""
        views = [item.returned.view(item.cert) if item.returned is not None else None for item in declared]
        diffs = [(self.diff_view(item.before, item.cert), self.diff_view(item.after, item.cert)) for item in declared]
        result: dict[str, Any] = {'changed': any(item.changed for item in declared)}
        if self.params['certificates'] is None:
            result['certificate'] = views[0]
            diff = {'before': diffs[0][0], 'after': diffs[0][1]}
        else:
            result['certificates'] = views
            diff = {'before': {'certificates': [pair[0] for pair in diffs]}, 'after': {'certificates': [pair[1] for pair in diffs]}}
        if self.module._diff:  # pylint: disable=protected-access  # --diff, as AnsibleModule exposes it
            result['diff'] = diff
        return result

    @staticmethod
    def diff_view(certificate: Certificate | None, cert: x509.Certificate | None) -> dict[str, Any]:
        if certificate is None or certificate.status in ('pending_deletion', 'deleted'):
            return {'state': 'absent'}
        view = certificate.view(cert)
        return {
            'state': 'present',
            'id': view['id'],
            'fingerprint_sha256': view['fingerprint_sha256'],
            'serial_number': view['serial_number'],
            'issuer': view['issuer'],
            'expires_on': view['expires_on'],
        }


def main() -> None:
    module = build_module(
        argument_spec={
            'certificate': {'type': 'str'},
            'private_key': {'type': 'str', 'no_log': True},
            'id': {'type': 'str'},
            'certificates': {
                'type': 'list',
                'elements': 'dict',
                'options': {
                    'certificate': {'type': 'str'},
                    'private_key': {'type': 'str', 'no_log': True},
                    'id': {'type': 'str'},
                },
                'mutually_exclusive': [('certificate', 'id')],
                'required_one_of': [('certificate', 'id')],
            },
            'state': {'type': 'str', 'choices': ['present', 'absent'], 'default': 'present'},
            'when_in_use': {'type': 'str', 'choices': ['fail', 'keep'], 'default': 'fail'},
            'min_days_valid': {'type': 'int', 'default': 0},
            'wait': {'type': 'bool', 'default': True},
            'wait_timeout': {'type': 'int', 'default': 300},
        },
        mutually_exclusive=[('certificate', 'id'), ('certificates', 'certificate'), ('certificates', 'private_key'), ('certificates', 'id')],
        required_if=[('state', 'present', ('certificate', 'certificates'), True), ('state', 'absent', ('certificate', 'id', 'certificates'), True)],
    )
    HostnameClientCert(module).run()


if __name__ == '__main__':
    main()
