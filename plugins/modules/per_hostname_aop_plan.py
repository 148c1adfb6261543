#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: per_hostname_aop_plan
short_description: Internal step of the role aop.cloudflare.per_hostname_aop (plan and merge), not for playbooks
version_added: 0.2.0
description:
  - The role R(aop.cloudflare.per_hostname_aop,ansible_collections.aop.cloudflare.per_hostname_aop_role)'s own first
    two steps; it runs on the controller with the task's variables. Use the role, not this.
  - Without O(assign), reads the role's variables (every C(per_hostname_aop_*) variable of the role's argument spec,
    from wherever they are set for this host), checks them all and returns every problem at once, each naming its
    variable, before any write. On success it returns RV(plan), what this host declares (the zone, its settings, each
    certificate (re-encoded from what was parsed, with its fingerprint, subject, issuer and expiry) with its hostnames,
    and where its private key is to be read). It holds no private key, no token and no file's text.
  - With C(per_hostname_aop_state=present) each certificate and key go through the checks of M(aop.cloudflare.hostname_client_cert)
    that an upload and an adoption share. In check mode a missing private key is no problem (nothing is uploaded).
  - With O(assign), merges the plans of the hosts of this batch that name the same zone (a name and an id of one zone
    are one zone; the names are then looked up, the only API call it makes) and returns RV(zone), the sum of what they
    declare; the first of them configures the zone. What cannot be merged fails every host of the zone, naming the
    hosts and the variable. The C(free) strategy, C(run_once) on the role, and C(per_hostname_aop_exclusive) in a run
    that does not see every host of the play are refused, each with the reason.
author:
  - aop.cloudflare maintainers (@aop-cloudflare)
attributes:
  action:
    description: Runs on the controller as an action plugin, with the task's variables.
    support: full
  check_mode:
    description: Can run in check mode.
    support: full
    details: Reads and checks only; in check mode a private key is not required.
  diff_mode:
    description: Shows what changes with C(--diff).
    support: none
  idempotent:
    description: A second run reports no change.
    support: full
options:
  assign:
    description:
      - Name of the variable each host registered its plan in. Without it, this host's plan is made.
    type: str
notes:
  - Relative certificate and key paths are looked up where Ansible looks up files (the role's and the playbook's
    C(files/), the playbook's directory), then in the working directory, so they resolve the same way for
    C(ansible-playbook aop.cloudflare.per_hostname_aop -e @vars.yml).
seealso:
  - module: aop.cloudflare.hostname_client_cert
  - module: aop.cloudflare.hostname_aop
'''

EXAMPLES = r'''
# The role runs these two tasks itself; shown here as it does, with the role's variables set on the task.
- name: Check the role's variables and plan what this host declares
  aop.cloudflare.per_hostname_aop_plan:
  vars:
    per_hostname_aop_zone: example.com
    per_hostname_aop_certificate_file: pki/app-client.crt
    per_hostname_aop_private_key_file: pki/app-client.key
    per_hostname_aop_hostnames: [app.example.com, api.example.com]
  register: per_hostname_aop__plan

- name: Merge what the hosts of each zone declare
  aop.cloudflare.per_hostname_aop_plan:
    assign: per_hostname_aop__plan
'''

RETURN = r'''
plan:
  description: What this host declares (without O(assign)). It holds no private key, no token and no file's text.
  returned: success, without O(assign)
  type: dict
  contains:
    host:
      description: The inventory host.
      type: str
      sample: web1.example.com
    zone:
      description: The zone name, normalized; V(null) when the zone was given by id.
      type: str
      sample: example.com
    zone_id:
      description: The zone id when it was given.
      type: str
    zone_key:
      description: What identifies the zone between hosts (its name, or its id).
      type: str
      sample: example.com
    state:
      description: V(present) or V(absent), for the hostnames and certificates this host declares.
      type: str
    settings:
      description:
        - The zone's settings as this host declares them (C(tls_client_auth), C(delete_released_certificates),
          C(exclusive), C(base_url), C(association_reads)).
      type: dict
    certificates:
      description: One entry per certificate this host declares.
      type: list
      elements: dict
      sample:
        - fingerprint: "8f:43:28:8a:d2:72:f3:10:3b:6f:b1:42:84:85:ea:30:14:c0:be:fe:98:a6:1a:84:e6:d6:bf:5f:fa:9e:6b:8b"
          subject: CN=app.example.com
          issuer: CN=Example Private CA
          not_after: "2027-01-01T05:20:00Z"
          hostnames: [app.example.com, api.example.com]
          key: {host: web1.example.com, file: /srv/pki/client.key}
          where: per_hostname_aop_certificate
batch:
  description:
    - The hosts of the batch when this host planned (without O(assign)). The merge counts every one of them that
      planned, also a host that fails in the merge task before this one merges.
  returned: success, without O(assign)
  type: list
  elements: str
  sample: [web1.example.com, web2.example.com]
zone:
  description:
    - The zone's plan, merged from every host of the batch that names it (with O(assign)), in the form of RV(plan)
      with C(certificates) merged (each once, with every host's hostnames), C(void_hostnames) (declared absent),
      C(retired) (certificates only declared absent), C(kept_declared) and C(hosts).
  returned: success, with O(assign)
  type: dict
configures:
  description: Whether this host runs the zone's API tasks (with O(assign)).
  returned: success, with O(assign)
  type: bool
problems:
  description: Every mistake found, each naming its role variable (or the hosts and the variable, for a zone that cannot be merged).
  returned: failure
  type: list
  elements: str
'''
