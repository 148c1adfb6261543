# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: per_hostname_aop_uploads
short_description: Step 1's certificates with their private keys, for the role per_hostname_aop (internal)
version_added: 0.3.0
author:
  - aop.cloudflare maintainers (@aop-cloudflare)
description:
  - The internal step of the role R(aop.cloudflare.per_hostname_aop,ansible_collections.aop.cloudflare.per_hostname_aop_role)
    that gives step 1 each certificate of the zone's plan with its private key; not for playbooks of their own.
  - A key given as a file is read where the plan found it, decrypted when Ansible Vault encrypted it; a key given as
    a role variable is read from the variables of the host that declared it.
  - The role templates it only into the C(no_log) option O(aop.cloudflare.hostname_client_cert#module:certificates),
    so that no key lands in a fact, a registered result or the output.
options:
  _terms:
    description: The zone's plan, RV(aop.cloudflare.per_hostname_aop_plan#module:zone).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Step 1 of the role (as its tasks write it)
  aop.cloudflare.hostname_client_cert:
    zone_id: "{{ per_hostname_aop__zone.zone.zone_id }}"
    certificates: "{{ query('aop.cloudflare.per_hostname_aop_uploads', per_hostname_aop__zone.zone) }}"
'''

RETURN = r'''
_list:
  description: One C({certificate, private_key}) per certificate of the plan, in its order; C(private_key) is V(null) where no host gave one (check mode).
  type: list
  elements: dict
'''

from typing import Any

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase

from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_plan import KeySource
from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_steps import uploads
from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_zone import ZonePlan


class LookupModule(LookupBase):

    def run(self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any) -> list[Any]:
        variables = variables or {}
        zone = ZonePlan.from_dict(terms[0])

        def read_key(source: KeySource) -> str | None:
            if source.file:
                # The loader's own reader: it decrypts vault files. pylint: disable-next=protected-access
                return self._loader._get_file_contents(source.file)[0].decode('utf-8')
            own = source.host == variables.get('inventory_hostname')
            # Task variables (include_role vars) are visible for this host only; another host's come from hostvars.
            scope = variables if own else variables['hostvars'][source.host]
            if not source.variable or source.variable not in scope:
                raise AnsibleError(
                    'aop.cloudflare.per_hostname_aop: the private key of a certificate of zone %s is given by %s in %s, which is not '
                    'visible from %s (which configures the zone): give it in that host\'s inventory variables, or as a file '
                    '(per_hostname_aop_private_key_file)' % (zone.zone_key, source.host, source.variable, variables.get('inventory_hostname'))
                )
            value = self._templar.template(scope[source.variable])
            if source.index is not None:
                value = value[source.index].get('private_key')
            return value

        return uploads(zone, read_key)
