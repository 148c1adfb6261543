#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: zone_tls_client_auth
short_description: Turn the Cloudflare zone setting tls_client_auth on or off
version_added: 0.1.0
description:
  - Step 2 of Cloudflare's per-hostname Authenticated Origin Pulls procedure, the zone setting C(tls_client_auth).
  - Reads the setting and changes it only when it differs from O(enabled).
author:
  - aop.cloudflare maintainers (@aop-cloudflare)
extends_documentation_fragment:
  - aop.cloudflare.connection
  - aop.cloudflare.attributes
attributes:
  check_mode:
    support: full
    details: Predicts the change and the returned setting; RV(setting.modified_on) keeps its current value.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  enabled:
    description:
      - V(true) sets C(tls_client_auth) to C(on), V(false) to C(off).
      - A boolean, because YAML reads a bare C(on) as V(true).
    type: bool
    required: true
notes:
  - Cloudflare's documentation calls this setting I(global) authenticated origin pulls (Cloudflare's shared
    certificate). Global, zone-level and per-hostname authenticated origin pulls are independent; per-hostname wins
    over zone-level, which wins over global. The documented per-hostname procedure turns it on before associating hostnames.
  - Cloudflare's schema marks this setting for Business and Enterprise plans; when the zone cannot change it
    (C(editable=false)) the module fails and says so.
seealso:
  - module: aop.cloudflare.hostname_client_cert
  - module: aop.cloudflare.hostname_aop
'''

EXAMPLES = r'''
# The token comes from CLOUDFLARE_API_TOKEN (or set api_token).
- name: Turn tls_client_auth on
  aop.cloudflare.zone_tls_client_auth:
    zone: example.com
    enabled: true
'''

RETURN = r'''
zone_id:
  description: Id of the zone, so that later tasks can pass O(zone_id) instead of looking O(zone) up again.
  returned: success
  type: str
  sample: 023e105f4ecef8ad9ca31a8372d0c353
setting:
  description: The setting as Cloudflare shows it after the run.
  returned: success
  type: dict
  contains:
    id:
      description: Always C(tls_client_auth).
      type: str
      sample: tls_client_auth
    value:
      description: C(on) or C(off).
      type: str
      sample: "on"
    editable:
      description: Whether the zone's plan lets this setting change.
      type: bool
      sample: true
    modified_on:
      description: When it last changed, or V(null) if never.
      type: str
      sample: "2026-11-27T08:10:00.123456Z"
rate_limit:
  description: C(calls) sent, and C(waited_seconds) the shared rate budget held them back; past 10 s the module also warns.
  returned: once the module has made a call
  type: dict
  sample: {calls: 4, waited_seconds: 0.0}
'''

from typing import Any

from ansible_collections.aop.cloudflare.plugins.module_utils._errors import AopError
from ansible_collections.aop.cloudflare.plugins.module_utils._module import CloudflareModule, build_module

SETTING_FIELDS = ('id', 'value', 'editable', 'modified_on')


class ZoneTlsClientAuth(CloudflareModule):

    def apply(self) -> dict[str, Any]:
        resources = self.resources
        before = self.view(resources.tls_client_auth())
        wanted = 'on' if self.params['enabled'] else 'off'
        changed = before['value'] != wanted
        after = before
        if changed:
            if before['editable'] is False:
                raise AopError(
                    'tls_client_auth is not editable on this zone (its plan does not allow it): leave it as it is (%s) or change the plan' % before['value']
                )
            after = dict(before, value=wanted) if self.check_mode else self.view(resources.set_tls_client_auth(wanted))
        result = {'changed': changed, 'setting': after}
        if self.module._diff:  # pylint: disable=protected-access  # --diff, as AnsibleModule exposes it
            result['diff'] = {'before': {'value': before['value']}, 'after': {'value': after['value']}}
        return result

    @staticmethod
    def view(setting: dict[str, Any]) -> dict[str, Any]:
        return {field: setting.get(field) for field in SETTING_FIELDS}


def main() -> None:
    module = build_module(argument_spec={'enabled': {'type': 'bool', 'required': True}})
    ZoneTlsClientAuth(module).run()


if __name__ == '__main__':
    main()
