#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: hostname_aop
short_description: Enable, disable or remove per-hostname Authenticated Origin Pulls on Cloudflare
version_added: 0.1.0
description:
  - Step 3 of Cloudflare's per-hostname Authenticated Origin Pulls procedure. It associates hostnames with a hostname
    client certificate (see M(aop.cloudflare.hostname_client_cert)) and turns the association on or off.
  - Reads the zone's associations (with Cloudflare's association listing where it can, see O(association_reads)), then
    sends B(one) request holding only the hostnames that differ. Hostnames that are not declared are never touched,
    unless O(exclusive=true).
  - Many hostnames per call; O(config) mixes certificates and states in one call.
author:
  - aop.cloudflare maintainers (@aop-cloudflare)
extends_documentation_fragment:
  - aop.cloudflare.connection
  - aop.cloudflare.association_reads
  - aop.cloudflare.attributes
attributes:
  check_mode:
    support: full
    details:
      - Predicts the change and each returned association; fields Cloudflare fills in for a new association
        (timestamps, and certificate details when the certificate changes) are V(null).
      - Accepts the id V((known after upload)) that M(aop.cloudflare.hostname_client_cert) returns in check mode for a
        certificate not uploaded yet, so that a chain of the three steps predicts the whole run.
  diff_mode:
    support: full
    details: Shows, for each hostname that changes, its state and certificate id before and after.
  idempotent:
    support: full
options:
  hostnames:
    description:
      - Hostnames to set to O(state) with O(cert_id). Exactly one of O(hostnames) and O(config) is required.
    type: list
    elements: str
  cert_id:
    description:
      - Id of the hostname client certificate (RV(aop.cloudflare.hostname_client_cert#module:certificate.id)).
      - Required with O(hostnames) unless O(state=absent).
      - In check mode, M(aop.cloudflare.hostname_client_cert) returns V((known after upload)) as the id of a certificate it
        would upload; this module accepts that value in check mode only and predicts the change.
    type: str
  state:
    description:
      - V(enabled) makes Cloudflare present the certificate to the origin for these hostnames.
      - V(disabled) keeps the association but stops presenting the certificate, even if zone-level authenticated
        origin pulls are on.
      - V(absent) voids the association (Cloudflare's C(enabled=null)); do this before deleting the certificate.
    type: str
    choices: [enabled, disabled, absent]
    default: enabled
  config:
    description:
      - Settings for a mix of certificates and states in one call. Each item names one hostname with
        O(config[].hostname), or several that share its certificate and state with O(config[].hostnames).
    type: list
    elements: dict
    suboptions:
      hostname:
        description: The hostname. Exactly one of O(config[].hostname) and O(config[].hostnames) is required.
        type: str
      hostnames:
        description: Hostnames that share this item's O(config[].cert_id) and O(config[].state).
        type: list
        elements: str
        version_added: 0.2.0
      cert_id:
        description: Certificate id; required unless O(config[].state=absent).
        type: str
      state:
        description: As O(state).
        type: str
        choices: [enabled, disabled, absent]
        default: enabled
  exclusive:
    description:
      - V(true) makes the zone hold exactly the declared hostnames. The same call voids the association of every
        hostname of the zone that is not declared. Check mode and C(--diff) show them; RV(voided_undeclared) names them.
      - It needs the association listing, and fails before any write when the listing cannot be used
        (O(association_reads=per_hostname) is refused at once).
      - V(false) never touches a hostname that is not declared.
    type: bool
    default: false
  wait:
    description:
      - Wait until every hostname this run enables reports C(active).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait when O(wait=true).
    type: int
    default: 300
notes:
  - With the association listing, a zone of 1,000 hostnames is read in one call; without it (an API that answers the
    listing with 404), each declared hostname costs one read, a few at a time.
  - A certificate may serve at most 100 hostnames; the module refuses a request above that before any write.
  - Cloudflare answers 1415 when the request names a certificate deleted meanwhile; the module then reads the
    certificates it named again and says which one is gone.
seealso:
  - module: aop.cloudflare.hostname_client_cert
  - module: aop.cloudflare.zone_tls_client_auth
'''

EXAMPLES = r'''
# The token comes from CLOUDFLARE_API_TOKEN (or set api_token); pki/ lies beside the playbook.
- name: Upload the client certificate (or adopt it), for its id
  aop.cloudflare.hostname_client_cert:
    zone: example.com
    certificate: "{{ lookup('ansible.builtin.file', 'pki/app-client.crt') }}"
    private_key: "{{ lookup('ansible.builtin.file', 'pki/app-client.key') }}"
  register: client_cert

- name: Enable per-hostname AOP for two hostnames with that certificate
  aop.cloudflare.hostname_aop:
    zone: example.com
    hostnames:
      - app.example.com
      - api.example.com
    cert_id: "{{ client_cert.certificate.id }}"

- name: Mixed set in one call
  aop.cloudflare.hostname_aop:
    zone_id: "{{ client_cert.zone_id }}"
    config:
      - hostnames: [www.example.com, shop.example.com]
        cert_id: "{{ client_cert.certificate.id }}"
      - hostname: legacy.example.com
        cert_id: "{{ client_cert.certificate.id }}"
        state: disabled
      - hostname: old.example.com
        state: absent
'''

RETURN = r'''
zone_id:
  description: Id of the zone, so that later tasks can pass O(zone_id) instead of looking O(zone) up again.
  returned: success
  type: str
  sample: 023e105f4ecef8ad9ca31a8372d0c353
hostnames:
  description: Each declared hostname's association as Cloudflare shows it after the run, in the order declared.
  returned: success
  type: list
  elements: dict
  contains:
    hostname:
      description: The hostname.
      type: str
      sample: app.example.com
    state:
      description: V(enabled), V(disabled) or V(absent).
      type: str
      sample: enabled
    cert_id:
      description: Id of the associated certificate; V(null) when absent.
      type: str
      sample: 2458ce5a-0c35-4c7f-82c7-8e9487d3ff60
    enabled:
      description: Cloudflare's C(enabled) (V(null) when absent).
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
    serial_number:
      description: Serial number of the certificate.
      type: str
    signature:
      description: Signature algorithm of the certificate.
      type: str
    expires_on:
      description: End of validity of the certificate.
      type: str
    created_at:
      description: When the association was created.
      type: str
    updated_at:
      description: When the association last changed.
      type: str
association_reads:
  description: How the associations were read (C(used) V(list) or V(per_hostname)), the C(pages) read, and why the listing was not used.
  returned: success
  type: dict
  sample: {used: list, pages: 1, confirmed_per_hostname: 0}
changed_hostnames:
  description: The declared hostnames whose association this run changed (or would change, in check mode), in the order declared.
  returned: success
  type: list
  elements: str
  sample: [app.example.com]
voided_undeclared:
  description: With O(exclusive=true), the hostnames of the zone that were not declared and whose association this run voided (or would void, in check mode).
  returned: success
  type: list
  elements: str
  sample: [legacy.example.com]
certificates_in_use:
  description:
    - Each certificate id that associations use after the run (predicted in check mode), with the hostnames that use it
      (enabled or disabled). The whole zone's when RV(associations_complete) is V(true), else the declared hostnames' only.
  returned: success
  type: dict
  sample: {2458ce5a-0c35-4c7f-82c7-8e9487d3ff60: [api.example.com, app.example.com]}
associations_complete:
  description: Whether RV(certificates_in_use) covers every association of the zone (the association listing was read).
  returned: success
  type: bool
  sample: true
released_cert_ids:
  description:
    - Certificate ids that declared hostnames used before the run and no longer use after it (for example after a
      rotation). Other hostnames may still use them.
  returned: success
  type: list
  elements: str
  sample: [2458ce5a-0c35-4c7f-82c7-8e9487d3ff60]
rate_limit:
  description: C(calls) sent, and C(waited_seconds) the shared rate budget held them back; past 10 s the module also warns.
  returned: once the module has made a call
  type: dict
  sample: {calls: 4, waited_seconds: 0.0}
'''

import dataclasses
import functools
from typing import Any

from ansible_collections.aop.cloudflare.plugins.module_utils._errors import AopError, InputError
from ansible_collections.aop.cloudflare.plugins.module_utils._module import ASSOCIATION_READS_ARGUMENT_SPEC, CloudflareModule, build_module
from ansible_collections.aop.cloudflare.plugins.module_utils._resources import (
    ASSOCIATION_CERTIFICATE_FIELDS,
    Association,
    association_view,
    state_of,
    wait_for,
)
from ansible_collections.aop.cloudflare.plugins.module_utils._rules import UNKNOWN_CERT_ID, cert_id_problem, hostname_limit_problem


@dataclasses.dataclass(frozen=True)
class Wanted:
    """One declared hostname: the certificate it should use and its state."""

    hostname: str
    cert_id: str | None
    state: str


class HostnameAop(CloudflareModule):

    def apply(self) -> dict[str, Any]:
        desired = self.desired()
        resources = self.resources
        declared = [wanted.hostname for wanted in desired]
        current, reads, listed = resources.associations(declared, self.params['read_concurrency'], self.params['association_reads'])
        changes = [change for change in (self.change_for(wanted, current[wanted.hostname]) for wanted in desired) if change is not None]
        undeclared = self.undeclared(listed, declared) if self.params['exclusive'] else {}
        changes += [{'hostname': hostname, 'cert_id': association.cert_id, 'enabled': None} for hostname, association in undeclared.items()]
        current.update(undeclared)

        after = dict(current)
        if changes:
            self.check_certificates(changes)
            if self.check_mode:
                after.update({change['hostname']: self.predict(change, current[change['hostname']]) for change in changes})
            else:
                after.update(resources.put_associations(changes))
                after = self.wait(after, changes)

        changed = [change['hostname'] for change in changes]
        result = {
            'changed': bool(changes),
            'hostnames': [association_view(hostname, after[hostname]) for hostname in declared],
            'changed_hostnames': changed,
            'voided_undeclared': sorted(undeclared),
            'released_cert_ids': self.released(current, after),
            'certificates_in_use': self.in_use(dict(listed or {}, **after)),
            'associations_complete': listed is not None,
            'association_reads': reads.view(),
        }
        if self.module._diff:  # pylint: disable=protected-access  # --diff, as AnsibleModule exposes it
            result['diff'] = {
                'before': {name: self.diff_view(current[name]) for name in changed},
                'after': {name: self.diff_view(after[name]) for name in changed},
            }
        return result

    # --- input -----------------------------------------------------------------------------------------------

    def desired(self) -> list[Wanted]:
        """The declared hostnames, checked before any call; every problem is reported at once."""
        if self.params['exclusive'] and self.params['association_reads'] == 'per_hostname':
            raise InputError(
                'exclusive=true voids what the declaration does not list, which needs the association listing: set association_reads to auto or list'
            )
        given = self.given()
        hostnames = self.checked_hostnames([(option, hostname) for option, _field, hostname, _cert_id, _state in given])
        problems: list[str | None] = []
        desired = []
        per_certificate: dict[str, int] = {}  # cert_id -> hostnames declared for it
        for (_option, field, _given, cert_id, state), hostname in zip(given, hostnames):
            problem = None if state == 'absent' else self.cert_id_problem(cert_id, field, state, hostname)
            if problem:
                problems.append(problem)
            elif state != 'absent' and cert_id != UNKNOWN_CERT_ID:  # check mode: each certificate to upload is its own unknown
                per_certificate[str(cert_id)] = per_certificate.get(str(cert_id), 0) + 1
            desired.append(Wanted(hostname, None if state == 'absent' else cert_id, state))
        option = 'hostnames' if self.params['config'] is None else 'config'
        problems += [hostname_limit_problem(count, 'certificate %s' % cert_id, option) for cert_id, count in sorted(per_certificate.items())]
        if any(problems):
            raise InputError(*[problem for problem in problems if problem])
        return desired

    def given(self) -> list[tuple[str, str, str, str | None, str]]:
        """Each declared hostname as (the option that names it, the option of its cert_id, hostname, cert_id, state)."""
        if self.params['config'] is None:
            return [
                ('hostnames[%d]' % index, 'cert_id', name, self.params['cert_id'], self.params['state']) for index, name in enumerate(self.params['hostnames'])
            ]
        given = []
        for index, item in enumerate(self.params['config']):
            item_option = 'config[%d]' % index
            if item['hostname'] is not None:
                named = [(item_option, item['hostname'])]
            else:
                named = [('%s.hostnames[%d]' % (item_option, position), name) for position, name in enumerate(item['hostnames'])]
            given += [(option, item_option + '.cert_id', name, item['cert_id'], item['state']) for option, name in named]
        return given

    def cert_id_problem(self, cert_id: str | None, field: str, state: str, hostname: str) -> str | None:
        if not cert_id:
            return '%s is required for state=%s of %s (the id returned by aop.cloudflare.hostname_client_cert)' % (field, state, hostname)
        if cert_id == UNKNOWN_CERT_ID:
            if self.check_mode:
                return None
            return (
                '%s is %r, the id a check-mode run of aop.cloudflare.hostname_client_cert gives a certificate it did not upload: '
                'run that step without check mode first' % (field, UNKNOWN_CERT_ID)
            )
        return cert_id_problem(cert_id, field)

    # --- reading ---------------------------------------------------------------------------------------------

    def undeclared(self, listed: dict[str, Association] | None, declared: list[str]) -> dict[str, Association]:
        """exclusive=true: the zone's associations the declaration does not list, which the run voids."""
        if listed is None:
            raise AopError(
                'exclusive=true needs the association listing, which cannot be used on this zone (see association_reads in the '
                'result at -v): nothing was changed'
            )
        return {hostname: association for hostname, association in sorted(listed.items()) if hostname not in declared and association.state != 'absent'}

    def check_certificates(self, changes: list[dict[str, Any]]) -> None:
        """Before the PUT: every certificate it names must be on the zone and usable, or the user hears which is not."""
        named = [change for change in changes if change['enabled'] is not None and change['cert_id'] != UNKNOWN_CERT_ID]
        if not named:
            return
        on_zone = {certificate.id: certificate.status for certificate in self.resources.certificates()}
        problems = []
        for change in named:
            status = on_zone.get(change['cert_id'])
            if status is None:
                holds = ', '.join(sorted(str(cert_id) for cert_id in on_zone)) or 'none'
                problems.append(
                    'cert_id %s of %s is not a certificate of this zone: give the id that aop.cloudflare.hostname_client_cert returned when it '
                    'uploaded the certificate (the zone holds %s)' % (change['cert_id'], change['hostname'], holds)
                )
            elif status == 'pending_deletion':
                problems.append(
                    'cert_id %s of %s is being deleted from the zone (pending_deletion): give the id of a certificate that stays'
                    % (change['cert_id'], change['hostname'])
                )
        if problems:
            raise AopError(*problems)

    # --- comparing and writing -------------------------------------------------------------------------------

    @staticmethod
    def change_for(wanted: Wanted, association: Association | None) -> dict[str, Any] | None:
        """The config entry to send for one hostname, or None when it is already as declared."""
        if wanted.state == 'absent':
            if state_of(association) == 'absent':
                return None
            # Cloudflare voids an association with enabled=null sent with its current cert_id.
            return {'hostname': wanted.hostname, 'cert_id': association.cert_id if association else None, 'enabled': None}
        if state_of(association) == wanted.state and association is not None and association.cert_id == wanted.cert_id:
            return None
        return {'hostname': wanted.hostname, 'cert_id': wanted.cert_id, 'enabled': wanted.state == 'enabled'}

    def wait(self, after: dict[str, Association | None], changes: list[dict[str, Any]]) -> dict[str, Association | None]:
        if not self.params['wait']:
            return after
        for change in changes:
            hostname = change['hostname']
            association = after[hostname]
            if change['enabled'] and association is not None and association.status != 'active':
                after[hostname] = wait_for(
                    functools.partial(self.resources.association_status, hostname),
                    ('active',),
                    self.params['wait_timeout'],
                    'hostname %s' % hostname,
                    self.client.sleep,
                )
        return after

    def predict(self, change: dict[str, Any], association: Association | None) -> Association | None:
        """The association a real run would leave, from what is known before it."""
        if change['enabled'] is None:
            return None
        fields = dict(association.fields) if association is not None else {}
        if fields.get('cert_id') != change['cert_id']:
            fields = {key: value for key, value in fields.items() if key not in ASSOCIATION_CERTIFICATE_FIELDS}
        fields.update(change)
        if change['enabled'] and self.params['wait']:
            fields['status'] = 'active'
        return Association(change['hostname'], fields)

    @staticmethod
    def in_use(associations: dict[str, Association | None]) -> dict[str, list[str]]:
        """{certificate id: the hostnames that use it} after the run: the whole zone's when the listing was read."""
        used: dict[str, list[str]] = {}
        for hostname, association in sorted(associations.items()):
            if association is not None and association.state != 'absent' and association.cert_id:
                used.setdefault(association.cert_id, []).append(hostname)
        return used

    @staticmethod
    def released(current: dict[str, Association | None], after: dict[str, Association | None]) -> list[str]:
        before_ids = {item.cert_id for item in current.values() if item is not None and item.state != 'absent'}
        after_ids = {item.cert_id for item in after.values() if item is not None and item.state != 'absent'}
        return sorted(str(cert_id) for cert_id in before_ids - after_ids)

    @staticmethod
    def diff_view(association: Association | None) -> dict[str, Any]:
        if state_of(association) == 'absent':
            return {'state': 'absent'}
        return {'state': state_of(association), 'cert_id': association.cert_id if association else None}


def main() -> None:
    module = build_module(
        argument_spec={
            'hostnames': {'type': 'list', 'elements': 'str'},
            'cert_id': {'type': 'str'},
            'state': {'type': 'str', 'choices': ['enabled', 'disabled', 'absent'], 'default': 'enabled'},
            'config': {
                'type': 'list',
                'elements': 'dict',
                'options': {
                    'hostname': {'type': 'str'},
                    'hostnames': {'type': 'list', 'elements': 'str'},
                    'cert_id': {'type': 'str'},
                    'state': {'type': 'str', 'choices': ['enabled', 'disabled', 'absent'], 'default': 'enabled'},
                },
                'mutually_exclusive': [('hostname', 'hostnames')],
                'required_one_of': [('hostname', 'hostnames')],
            },
            **ASSOCIATION_READS_ARGUMENT_SPEC,
            'exclusive': {'type': 'bool', 'default': False},
            'wait': {'type': 'bool', 'default': True},
            'wait_timeout': {'type': 'int', 'default': 300},
        },
        mutually_exclusive=[('hostnames', 'config'), ('config', 'cert_id')],
        required_one_of=[('hostnames', 'config')],
    )
    HostnameAop(module).run()


if __name__ == '__main__':
    main()
