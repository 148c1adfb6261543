#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: hostname_aop_info
short_description: Read the per-hostname Authenticated Origin Pulls of hostnames on Cloudflare
version_added: 0.2.0
description:
  - Returns, for each hostname of O(hostnames), its association with a hostname client certificate (see
    M(aop.cloudflare.hostname_aop)) with its state, certificate id, deployment status and the certificate's details.
    A hostname never configured, or whose association was voided, reads as V(absent).
  - Without O(hostnames), inventories the zone. It returns every association of the zone, from Cloudflare's
    association listing, at one call per 1,000 associations. That needs the listing; the module fails, saying so, where the
    API has none.
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
      - The hostnames to read, each once; with O(zone), hostnames of that zone only.
      - Without it, every association of the zone (its inventory).
    type: list
    elements: str
seealso:
  - module: aop.cloudflare.hostname_aop
  - module: aop.cloudflare.hostname_client_cert_info
'''

EXAMPLES = r'''
# The token comes from CLOUDFLARE_API_TOKEN (or set api_token).
- name: Read the origin pulls of two hostnames
  aop.cloudflare.hostname_aop_info:
    zone: example.com
    hostnames: [app.example.com, api.example.com]
  register: origin_pulls

- name: Say which hostnames do not present a client certificate
  ansible.builtin.debug:
    msg: "{{ origin_pulls.hostnames | rejectattr('state', 'eq', 'enabled') | map(attribute='hostname') | list }}"

- name: Inventory the zone, every association it holds
  aop.cloudflare.hostname_aop_info:
    zone: example.com
  register: inventory

- name: Which hostnames each certificate serves
  ansible.builtin.debug:
    msg: "{{ inventory.hostnames | groupby('cert_id') | map('first') | list }}"
'''

RETURN = r'''
zone_id:
  description: Id of the zone, so that later tasks can pass O(zone_id) instead of looking O(zone) up again.
  returned: success
  type: str
  sample: 023e105f4ecef8ad9ca31a8372d0c353
association_reads:
  description: How the associations were read (C(used) V(list) or V(per_hostname)), the C(pages) read, and why the listing was not used.
  returned: success
  type: dict
  sample: {used: list, pages: 1, confirmed_per_hostname: 0}
hostnames:
  description:
    - One entry per hostname of O(hostnames), in the order given. An V(absent) hostname has only RV(hostnames[].hostname)
      and RV(hostnames[].state); its other fields are V(null).
    - Without O(hostnames), one entry per association of the zone (voided ones left out), sorted by hostname.
  returned: success
  type: list
  elements: dict
  contains:
    hostname:
      description: The hostname, as Cloudflare stores it (lower case).
      type: str
      sample: app.example.com
    state:
      description: V(enabled), V(disabled) or V(absent).
      type: str
      sample: enabled
    cert_id:
      description: Id of the associated certificate.
      type: str
      sample: 2458ce5a-0c35-4c7f-82c7-8e9487d3ff60
    enabled:
      description: Cloudflare's C(enabled).
      type: bool
      sample: true
    status:
      description: Deployment status of the association.
      type: str
      sample: active
    cert_status:
      description: Deployment status of the certificate.
      type: str
      sample: active
    issuer:
      description: Issuer of the certificate.
      type: str
      sample: CN=Example Private CA
    serial_number:
      description: Serial number of the certificate, in decimal.
      type: str
      sample: "6743787633689793699141714808227354901"
    signature:
      description: Signature algorithm of the certificate.
      type: str
      sample: SHA256WithRSA
    expires_on:
      description: End of validity of the certificate (UTC).
      type: str
      sample: "2027-01-01T05:20:00Z"
    created_at:
      description: When the association was created.
      type: str
      sample: "2026-10-28T18:11:23.37411Z"
    updated_at:
      description: When the association last changed.
      type: str
      sample: "2026-10-28T18:11:23.37411Z"
rate_limit:
  description: C(calls) sent, and C(waited_seconds) the shared rate budget held them back; past 10 s the module also warns.
  returned: once the module has made a call
  type: dict
  sample: {calls: 4, waited_seconds: 0.0}
'''

from typing import Any

from ansible_collections.aop.cloudflare.plugins.module_utils._errors import AopError
from ansible_collections.aop.cloudflare.plugins.module_utils._module import ASSOCIATION_READS_ARGUMENT_SPEC, CloudflareModule, build_module
from ansible_collections.aop.cloudflare.plugins.module_utils._resources import association_view


class HostnameAopInfo(CloudflareModule):

    def apply(self) -> dict[str, Any]:
        if self.params['hostnames'] is None:
            return self.inventory()
        hostnames = self.checked_hostnames(('hostnames[%d]' % index, given) for index, given in enumerate(self.params['hostnames']))
        associations, reads, _listed = self.resources.associations(hostnames, self.params['read_concurrency'], self.params['association_reads'])
        return {'changed': False, 'hostnames': [association_view(name, associations[name]) for name in hostnames], 'association_reads': reads.view()}

    def inventory(self) -> dict[str, Any]:
        """Every association of the zone, from the listing (one call per 1,000 associations)."""
        self.check_read_concurrency()
        _found, reads, listed = self.resources.associations([], self.params['read_concurrency'], self.params['association_reads'])
        if listed is None:
            raise AopError(
                'without hostnames, the zone\'s associations can only be read with the association listing, which cannot be used here (%s): name the hostnames'
                % reads.reason
            )
        shown = [association_view(hostname, association) for hostname, association in sorted(listed.items()) if association.state != 'absent']
        return {'changed': False, 'hostnames': shown, 'association_reads': reads.view()}


def main() -> None:
    module = build_module(
        argument_spec={
            'hostnames': {'type': 'list', 'elements': 'str'},
            **ASSOCIATION_READS_ARGUMENT_SPEC,
        },
    )
    HostnameAopInfo(module).run()


if __name__ == '__main__':
    main()
