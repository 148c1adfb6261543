#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: hostname_client_cert_info
short_description: List the hostname client certificates of a Cloudflare zone, their expiry and the hostnames using them
version_added: 0.2.0
description:
  - Returns every hostname client certificate on the zone (see M(aop.cloudflare.hostname_client_cert)) with its identity,
    status, subject, expiry and the days left until it expires. Never its PEM text.
  - With O(hostnames), also which of those hostnames use each certificate. Cloudflare has no call that lists a zone's
    associations, so each hostname given costs one read.
  - Warns about each certificate in use that expires within O(expiry_warning_days) days (or has expired), so that a
    scheduled run (for example the collection's playbook C(aop.cloudflare.expiry_report)) can say so while there is time
    to rotate.
  - Reads only; never changes anything.
author:
  - aop.cloudflare maintainers (@aop-cloudflare)
extends_documentation_fragment:
  - aop.cloudflare.connection
  - aop.cloudflare.association_reads
  - aop.cloudflare.attributes
  - aop.cloudflare.attributes.info_module
options:
  hostnames:
    description:
      - Hostnames whose associations are read, to return in RV(certificates[].hostnames) which of them use each certificate
        (associated with it, enabled or disabled). Each hostname once; with O(zone), hostnames of that zone only.
      - When given, even empty, only certificates that one of these hostnames uses count as in use for
        O(expiry_warning_days). When not given, every certificate on the zone counts as in use.
    type: list
    elements: str
  expiry_warning_days:
    description:
      - Warn about each certificate in use that expires in fewer than this many days (or has expired), and set its
        RV(certificates[].expiring). Cloudflare itself sends its expiry notices 30 and 14 days ahead.
      - V(0) warns about expired certificates only.
    type: int
    default: 30
seealso:
  - module: aop.cloudflare.hostname_client_cert
  - module: aop.cloudflare.hostname_aop_info
'''

EXAMPLES = r'''
# The token comes from CLOUDFLARE_API_TOKEN (or set api_token).
- name: Every certificate of the zone and which of our hostnames use it
  aop.cloudflare.hostname_client_cert_info:
    zone: example.com
    hostnames: [app.example.com, api.example.com]
    expiry_warning_days: 30
  register: zone_certificates

- name: Fail when a certificate in use expires within 30 days
  ansible.builtin.fail:
    msg: "certificate {{ item.id }} used by {{ item.hostnames | join(', ') }} expires in {{ item.days_left }} days"
  loop: "{{ zone_certificates.certificates | selectattr('expiring') }}"
'''

RETURN = r'''
zone_id:
  description: Id of the zone, so that later tasks can pass O(zone_id) instead of looking O(zone) up again.
  returned: success
  type: str
  sample: 023e105f4ecef8ad9ca31a8372d0c353
association_reads:
  description: How the associations were read (C(used) V(list) or V(per_hostname)), the C(pages) read, and why the listing was not used.
  returned: success, when O(hostnames) is given
  type: dict
  sample: {used: list, pages: 1, confirmed_per_hostname: 0}
certificates:
  description: Every hostname client certificate on the zone, in the order Cloudflare lists them.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Certificate id on the zone.
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
    subject:
      description: Subject of the certificate (RFC 4514); V(null) when Cloudflare returned no PEM.
      type: str
      sample: CN=Cloudflare origin pull client,O=Example
    serial_number:
      description: Serial number, in decimal.
      type: str
      sample: "6743787633689793699141714808227354901"
    signature:
      description: Signature algorithm.
      type: str
      sample: SHA256WithRSA
    expires_on:
      description: End of validity (UTC), as Cloudflare shows it.
      type: str
      sample: "2027-01-01T05:20:00Z"
    uploaded_on:
      description: When the certificate was uploaded.
      type: str
      sample: "2026-10-28T18:11:23.37411Z"
    fingerprint_sha256:
      description: SHA-256 fingerprint of the certificate's DER encoding.
      type: str
      sample: "8f:43:28:8a:d2:72:f3:10:3b:6f:b1:42:84:85:ea:30:14:c0:be:fe:98:a6:1a:84:e6:d6:bf:5f:fa:9e:6b:8b"
    days_left:
      description:
        - Whole days until the certificate expires (rounded down); negative once it has expired.
        - Read from the certificate's PEM, or from RV(certificates[].expires_on) when Cloudflare returned no PEM.
      type: int
      sample: 41
    expiring:
      description:
        - Whether the certificate is in use (see O(hostnames)) and expires in fewer than O(expiry_warning_days) days,
          or has expired. The module warns about each such certificate.
      type: bool
      sample: false
    hostnames:
      description: The hostnames of O(hostnames) that use this certificate, enabled or disabled, in the order given.
      returned: when O(hostnames) is given
      type: list
      elements: str
      sample: [app.example.com]
    zone_hostnames:
      description:
        - Every hostname of the zone that uses this certificate, enabled or disabled, from the association listing;
          V(null) when the listing could not be used.
      returned: when O(hostnames) is given
      type: list
      elements: str
      sample: [app.example.com, legacy.example.com]
rate_limit:
  description: C(calls) sent, and C(waited_seconds) the shared rate budget held them back; past 10 s the module also warns.
  returned: once the module has made a call
  type: dict
  sample: {calls: 4, waited_seconds: 0.0}
'''

import datetime
from typing import Any

from ansible_collections.aop.cloudflare.plugins.module_utils._certificate import UTC, not_after, parse_time
from ansible_collections.aop.cloudflare.plugins.module_utils._errors import InputError
from ansible_collections.aop.cloudflare.plugins.module_utils._module import ASSOCIATION_READS_ARGUMENT_SPEC, CloudflareModule, build_module
from ansible_collections.aop.cloudflare.plugins.module_utils._resources import Association, Certificate
from ansible_collections.aop.cloudflare.plugins.module_utils._rules import number_problem


class HostnameClientCertInfo(CloudflareModule):

    def apply(self) -> dict[str, Any]:
        hostnames = self.given_hostnames()
        resources = self.resources
        certificates = resources.certificates()
        now = datetime.datetime.now(UTC)
        result: dict[str, Any] = {'changed': False}
        if hostnames is None:
            shown = [self.shown(certificate, now, None) for certificate in certificates]
        else:
            associations, reads, listed = resources.associations(hostnames, self.params['read_concurrency'], self.params['association_reads'])
            result['association_reads'] = reads.view()
            # A disabled association still uses its certificate: Cloudflare refuses to delete it.
            cert_ids = {name: association.cert_id for name, association in associations.items() if association is not None and association.state != 'absent'}
            shown = [self.shown(certificate, now, [name for name in hostnames if cert_ids.get(name) == certificate.id]) for certificate in certificates]
            for view in shown:
                # What the listing shows of the whole zone: hostnames nobody named may use a certificate too.
                view['zone_hostnames'] = self.zone_hostnames(listed, view['id'])
                if view['zone_hostnames'] and view['days_left'] is not None:
                    view['expiring'] = view['days_left'] < self.params['expiry_warning_days']
        for view in shown:
            if view['expiring']:
                self.warn_expiring(view)
        result['certificates'] = shown
        return result

    def given_hostnames(self) -> list[str] | None:
        """The hostnames as Cloudflare stores them (None when not given); every option is checked before any call."""
        problem = number_problem(self.params['expiry_warning_days'], 'expiry_warning_days', 0, 'days')
        if problem:
            raise InputError(problem)
        if self.params['hostnames'] is None:
            self.check_read_concurrency()
            return None
        return self.checked_hostnames(('hostnames[%d]' % index, given) for index, given in enumerate(self.params['hostnames']))

    def shown(self, certificate: Certificate, now: datetime.datetime, hostnames: list[str] | None) -> dict[str, Any]:
        """The returned form of a certificate; hostnames are those given that use it (None when none were given)."""
        cert = certificate.parsed
        view = certificate.view()
        view['subject'] = certificate.subject
        expiry = not_after(cert) if cert is not None else parse_time(certificate.expires_on)
        view['days_left'] = (expiry - now).days if expiry is not None else None
        in_use = hostnames is None or bool(hostnames)
        view['expiring'] = in_use and expiry is not None and view['days_left'] < self.params['expiry_warning_days']
        if hostnames is not None:
            view['hostnames'] = hostnames
        return view

    @staticmethod
    def zone_hostnames(listed: dict[str, Association] | None, cert_id: str | None) -> list[str] | None:
        if listed is None:
            return None
        return sorted(hostname for hostname, association in listed.items() if association.cert_id == cert_id and association.state != 'absent')

    def warn_expiring(self, view: dict[str, Any]) -> None:
        users = view.get('zone_hostnames') or view.get('hostnames')
        used_by = ' (used by %s)' % ', '.join(users) if users else ''
        self.module.warn(
            'certificate %s%s %s on %s (%d days left): issue a new one and rotate it with '
            'aop.cloudflare.hostname_client_cert and aop.cloudflare.hostname_aop'
            % (view['id'], used_by, 'expired' if view['days_left'] < 0 else 'expires', view['expires_on'], view['days_left'])
        )


def main() -> None:
    module = build_module(
        argument_spec={
            'hostnames': {'type': 'list', 'elements': 'str'},
            'expiry_warning_days': {'type': 'int', 'default': 30},
            **ASSOCIATION_READS_ARGUMENT_SPEC,
        },
    )
    HostnameClientCertInfo(module).run()


if __name__ == '__main__':
    main()
