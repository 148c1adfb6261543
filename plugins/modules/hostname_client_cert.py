#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: hostname_client_cert
short_description: Upload, adopt or delete a Cloudflare hostname client certificate
version_added: 0.1.0
description:
  - Step 1 of Cloudflare's per-hostname Authenticated Origin Pulls procedure. Cloudflare's edge presents this client
    certificate to your origin for the hostnames associated with it by M(aop.cloudflare.hostname_aop).
  - Certificates are identified by the SHA-256 fingerprint of their DER encoding, never by their text. A certificate
    already on the zone is adopted (V(changed=false)); a duplicate is never uploaded.
  - Before any write, the certificate and key are checked locally the way Cloudflare would check them (PEM parses,
    key matches, a leaf and not a CA, not expired) and that the zone has room left within its 10 certificates.
  - By default the module waits until Cloudflare reports the certificate C(active), so the next step can use it at once.
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
      - Fields only Cloudflare can know (RV(certificate.id), RV(certificate.uploaded_on)) are V(null) for an upload.
  diff_mode:
    support: full
    details: Shows the certificate by fingerprint, serial number, issuer and expiry; never PEM text or the key.
  idempotent:
    support: full
options:
  certificate:
    description:
      - The client certificate, PEM text (C(-----BEGIN CERTIFICATE-----)). Use P(ansible.builtin.file#lookup) to read a file.
      - Required when O(state=present). With O(state=absent), the certificate to delete (or give O(id)).
    type: str
  private_key:
    description:
      - The unencrypted private key of O(certificate), PEM text. Never returned, logged or shown in a diff.
      - Needed only to upload; a certificate already on the zone is adopted without it (if given, it must still match).
    type: str
  id:
    description:
      - Id of a certificate on the zone, to delete it with O(state=absent) without having its PEM.
    type: str
  state:
    description:
      - V(present) uploads O(certificate) unless the zone already holds it.
      - V(absent) deletes it. Cloudflare refuses to delete a certificate that hostnames still use; void them first with
        M(aop.cloudflare.hostname_aop) and O(aop.cloudflare.hostname_aop#module:state=absent).
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait until the certificate is C(active) (V(present)) or gone (V(absent)).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait when O(wait=true).
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
- name: Upload the client certificate of app.example.com (or adopt it if it is already there)
  aop.cloudflare.hostname_client_cert:
    api_token: "{{ cloudflare_api_token }}"
    zone: example.com
    certificate: "{{ lookup('ansible.builtin.file', 'pki/app-client.crt') }}"
    private_key: "{{ lookup('ansible.builtin.file', 'pki/app-client.key') }}"
  register: client_cert

- name: Use its id in step 3
  aop.cloudflare.hostname_aop:
    api_token: "{{ cloudflare_api_token }}"
    zone: example.com
    hostnames: [app.example.com]
    cert_id: "{{ client_cert.certificate.id }}"

- name: Delete a certificate no hostname uses any more
  aop.cloudflare.hostname_client_cert:
    api_token: "{{ cloudflare_api_token }}"
    zone_id: 023e105f4ecef8ad9ca31a8372d0c353
    id: 2458ce5a-0c35-4c7f-82c7-8e9487d3ff60
    state: absent
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
  returned: success
  type: dict
  contains:
    id:
      description: Certificate id on the zone; give it to M(aop.cloudflare.hostname_aop) as O(aop.cloudflare.hostname_aop#module:cert_id).
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
      description: When the certificate was uploaded.
      type: str
      sample: "2026-10-28T18:11:23.37411Z"
    fingerprint_sha256:
      description: SHA-256 fingerprint of the certificate's DER encoding, the identity this module compares.
      type: str
      sample: "8f:43:28:8a:d2:72:f3:10:3b:6f:b1:42:84:85:ea:30:14:c0:be:fe:98:a6:1a:84:e6:d6:bf:5f:fa:9e:6b:8b"
'''

import datetime

from ansible_collections.aop.cloudflare.plugins.module_utils._api import CloudflareError
from ansible_collections.aop.cloudflare.plugins.module_utils._certificate import (
    UTC,
    CertificateError,
    describe,
    fingerprint_sha256,
    format_time,
    is_ca,
    load_certificate,
    load_private_key,
    not_after,
    public_keys_match,
    same_certificate,
    validate_for_upload,
)
from ansible_collections.aop.cloudflare.plugins.module_utils._module import CloudflareModule, build_module
from ansible_collections.aop.cloudflare.plugins.module_utils._rules import ZONE_CERTIFICATE_LIMIT

# Cloudflare's own expiry notices start 30 days ahead.
EXPIRY_WARNING_DAYS = 30
GONE_STATUSES = ('deleted',)
RETURNED_FIELDS = ('id', 'status', 'issuer', 'serial_number', 'signature', 'expires_on', 'uploaded_on')


def certificate_from_api(item):
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


def refuse_pending_deletion(certificate):
    if certificate['status'] == 'pending_deletion':
        raise CertificateError(
            'certificate %s is being deleted from the zone (pending_deletion) and Cloudflare refuses to upload it '
            'again until that ends: run again in a few minutes' % certificate['id'])


class HostnameClientCert(CloudflareModule):

    @property
    def collection_path(self):
        return '/zones/%s/origin_tls_client_auth/hostnames/certificates' % self.zone_id

    def apply(self):
        if self.params['state'] == 'present':
            return self.present()
        return self.absent()

    # --- reading ---------------------------------------------------------------------------------------------

    def zone_certificates(self):
        """Every certificate on the zone, once each (the association-shaped list repeats them per hostname)."""
        seen, certificates = set(), []
        for item in self.client.get_all(self.collection_path):
            certificate = certificate_from_api(item)
            if certificate['id'] and certificate['id'] not in seen and certificate['status'] not in GONE_STATUSES:
                seen.add(certificate['id'])
                certificates.append(certificate)
        return certificates

    def read(self, certificate_id):
        """(certificate, status) by id; a certificate Cloudflare no longer knows reads as (None, 'deleted')."""
        try:
            certificate = certificate_from_api(self.client.get('%s/%s' % (self.collection_path, certificate_id)))
        except CloudflareError as exc:
            if exc.status == 404:
                return None, 'deleted'
            raise
        return certificate, certificate['status']

    def wait(self, certificate, wanted):
        """The certificate once its status is in wanted; in check mode, the status a real run would end with."""
        if not self.params['wait'] or certificate['status'] in wanted:
            return certificate
        if self.check_mode:
            return dict(certificate, status=wanted[0])
        what = 'certificate %s' % certificate['id']
        last = self.wait_for(lambda: self.read(certificate['id']), wanted, self.params['wait_timeout'], what)
        return last or dict(certificate, status='deleted')

    # --- state=present ---------------------------------------------------------------------------------------

    def present(self):
        cert = load_certificate(self.params['certificate'])
        key = load_private_key(self.params['private_key']) if self.params['private_key'] else None
        # Checked before any call: a wrong key or a CA is a mistake even when the certificate is already uploaded.
        if is_ca(cert) or (key is not None and not public_keys_match(cert, key)):
            validate_for_upload(cert, key)
        on_zone = self.zone_certificates()
        found = self.find(cert, on_zone)
        if found:
            refuse_pending_deletion(found)
            self.warn_if_expiring(cert)
            kept = self.wait(found, ('active',))
            return self.result(False, found, kept, cert, kept)

        validate_for_upload(cert, key)
        if len(on_zone) >= ZONE_CERTIFICATE_LIMIT:
            raise CertificateError(
                'the zone already holds %d hostname client certificates, Cloudflare\'s limit: delete one that no '
                'hostname uses (state=absent) before uploading another' % len(on_zone))
        if self.check_mode:
            uploaded = dict(describe(cert), id=None, uploaded_on=None, status='initializing')
        else:
            uploaded = self.upload(cert)
        uploaded = self.wait(uploaded, ('active',))
        return self.result(True, None, uploaded, cert, uploaded)

    def warn_if_expiring(self, cert):
        """An adopted certificate may be close to its end: say so while there is time to rotate."""
        days_left = (not_after(cert) - datetime.datetime.now(UTC)).days
        if days_left < EXPIRY_WARNING_DAYS:
            self.module.warn('certificate %s %s on %s: issue a new one and give it here to rotate' % (
                fingerprint_sha256(cert), 'expired' if days_left < 0 else 'expires', format_time(not_after(cert))))

    def find(self, cert, on_zone):
        for certificate in on_zone:
            if same_certificate(cert, certificate['pem']):
                return certificate
        return None

    def upload(self, cert):
        body = {'certificate': self.params['certificate'], 'private_key': self.params['private_key']}
        try:
            result = self.client.request('POST', self.collection_path, body=body)[0]
        except CloudflareError as exc:
            # No answer or a 5xx may hide a stored upload, and 1406 may be a parallel run's upload: look before failing.
            if exc.status is None or exc.status >= 500 or exc.has_code(1406):
                found = self.find(cert, self.zone_certificates())
                if found:
                    refuse_pending_deletion(found)
                    return found
            raise
        return certificate_from_api(result)

    # --- state=absent ----------------------------------------------------------------------------------------

    def absent(self):
        cert = None
        if self.params['id']:
            found = self.read(self.params['id'])[0]
        else:
            cert = load_certificate(self.params['certificate'])
            found = self.find(cert, self.zone_certificates())
        if found is None or found['status'] in GONE_STATUSES:
            return self.result(False, None, None, cert, found)
        # A certificate already pending deletion is on its way out: nothing to change, perhaps something to wait for.
        changed = found['status'] != 'pending_deletion'
        if changed and not self.check_mode:
            self.delete(found['id'])
        last = self.wait(dict(found, status='pending_deletion'), ('deleted',))
        return self.result(changed, found, None, cert, last)

    def delete(self, certificate_id):
        try:
            self.client.request('DELETE', '%s/%s' % (self.collection_path, certificate_id))
        except CloudflareError as exc:
            if exc.status == 404:  # deleted meanwhile (or by a retried DELETE): the goal is reached
                return
            if exc.has_code(1433):
                exc.message += (' — hostnames still use certificate %s: void them first with '
                                'aop.cloudflare.hostname_aop (state=absent), then delete it' % certificate_id)
            raise

    # --- result ----------------------------------------------------------------------------------------------

    def result(self, changed, before, after, cert, returned):
        """The module result: 'returned' is the certificate as last seen, before/after feed the diff."""
        result = {'changed': changed, 'certificate': self.public_view(returned, cert)}
        if self.module._diff:
            result['diff'] = {'before': self.diff_view(before, cert), 'after': self.diff_view(after, cert)}
        return result

    @staticmethod
    def public_view(certificate, cert):
        if certificate is None:
            return None
        view = dict((field, certificate.get(field)) for field in RETURNED_FIELDS)
        # Cloudflare's PEM is the authority; the local certificate stands in where the API left it out.
        shown = load_certificate(certificate['pem']) if certificate.get('pem') else cert
        view['fingerprint_sha256'] = fingerprint_sha256(shown) if shown is not None else None
        return view

    def diff_view(self, certificate, cert):
        view = self.public_view(certificate, cert)
        if view is None or view['status'] in ('pending_deletion', 'deleted'):
            return {'state': 'absent'}
        return {
            'state': 'present',
            'id': view['id'],
            'fingerprint_sha256': view['fingerprint_sha256'],
            'serial_number': view['serial_number'],
            'issuer': view['issuer'],
            'expires_on': view['expires_on'],
        }


def main():
    module = build_module(
        argument_spec={
            'certificate': {'type': 'str'},
            'private_key': {'type': 'str', 'no_log': True},
            'id': {'type': 'str'},
            'state': {'type': 'str', 'choices': ['present', 'absent'], 'default': 'present'},
            'wait': {'type': 'bool', 'default': True},
            'wait_timeout': {'type': 'int', 'default': 300},
        },
        mutually_exclusive=[('certificate', 'id')],
        required_if=[('state', 'present', ('certificate',)), ('state', 'absent', ('certificate', 'id'), True)],
    )
    HostnameClientCert(module).run()


if __name__ == '__main__':
    main()
