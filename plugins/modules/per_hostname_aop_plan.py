#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: per_hostname_aop_plan
short_description: Check the variables of the role aop.cloudflare.per_hostname_aop and plan its run (no API call)
version_added: 0.2.0
description:
  - The preflight of the role R(aop.cloudflare.per_hostname_aop,ansible_collections.aop.cloudflare.per_hostname_aop_role);
    it runs on the controller with the role's variables and calls no API. Not meant for playbooks of their own.
  - Without O(assign), checks every role variable it is given (zone, credentials, certificate sets, hostnames, files)
    and returns every problem at once, each naming its C(per_hostname_aop_*) variable, before any write. On success it
    returns RV(plan), which holds no private key and no token.
  - With O(state=present), each certificate and key go through the checks of M(aop.cloudflare.hostname_client_cert)
    that an upload and an adoption share (nothing here knows which it will be), among them what a standard TLS origin
    refuses on every pull.
  - With O(assign), after every host of the play ran the first form, decides which host configures each zone (the first
    in play order), and fails on every host that declares the same zone differently from another, naming both and the
    difference.
author:
  - aop.cloudflare maintainers (@aop-cloudflare)
attributes:
  action:
    description: Runs on the controller as an action plugin, with the task's variables.
    support: full
  check_mode:
    description: Can run in check mode.
    support: full
    details: Reads and checks only, so it does the same in check mode.
  diff_mode:
    description: Shows what changes with C(--diff).
    support: none
  idempotent:
    description: A second run reports no change.
    support: full
options:
  assign:
    description:
      - Name of the variable each host registered the plan in. When set, no other option may be.
    type: str
  state:
    description: As the role variable C(per_hostname_aop_state).
    type: str
  zone:
    description: As C(per_hostname_aop_zone).
    type: str
  zone_id:
    description: As C(per_hostname_aop_zone_id).
    type: str
  api_token:
    description: As C(per_hostname_aop_api_token); only whether it is set is used.
    type: str
  api_key:
    description: As C(per_hostname_aop_api_key); only whether it is set is used.
    type: str
  api_email:
    description: As C(per_hostname_aop_api_email).
    type: str
  base_url:
    description: As C(per_hostname_aop_base_url).
    type: str
  allow_plain_http:
    description: As C(per_hostname_aop_allow_plain_http).
    type: bool
  certificate:
    description: As C(per_hostname_aop_certificate).
    type: str
  certificate_file:
    description:
      - As C(per_hostname_aop_certificate_file). A relative path is looked up where Ansible looks up files (the role's
        and the playbook's C(files/), the playbook's directory), then in the working directory.
    type: path
  private_key:
    description: As C(per_hostname_aop_private_key); checked against the certificate, never returned.
    type: str
  private_key_file:
    description:
      - As C(per_hostname_aop_private_key_file), looked up as O(certificate_file). A file that Ansible Vault encrypted is
        decrypted (with the play's vault secrets); a key with a passphrase is refused, with how to convert it.
    type: path
  hostnames:
    description: As C(per_hostname_aop_hostnames).
    type: list
    elements: str
  certificates:
    description: As C(per_hostname_aop_certificates).
    type: list
    elements: dict
  tls_client_auth:
    description: As C(per_hostname_aop_tls_client_auth).
    type: str
  delete_released_certificates:
    description: As C(per_hostname_aop_delete_released_certificates).
    type: bool
  min_days_valid:
    description:
      - As C(per_hostname_aop_min_days_valid). With O(state=present), a certificate with fewer whole days left before
        it expires is refused.
    type: int
  timeout:
    description: As C(per_hostname_aop_timeout); checked to be 1 or more.
    type: int
  wait_timeout:
    description: As C(per_hostname_aop_wait_timeout); checked to be 1 or more.
    type: int
  read_concurrency:
    description: As C(per_hostname_aop_read_concurrency); checked to be 1 or more.
    type: int
notes:
  - Relative certificate and key paths resolve the same way for C(ansible-playbook aop.cloudflare.per_hostname_aop
    -e @vars.yml). The collection's playbook directory holds no keys, so they are found in the working directory.
seealso:
  - module: aop.cloudflare.hostname_client_cert
  - module: aop.cloudflare.hostname_aop
'''

EXAMPLES = r'''
# The role runs these two tasks itself; shown here as it does.
- name: Check the role's variables and plan this host's zone
  aop.cloudflare.per_hostname_aop_plan:
    state: present
    zone: example.com
    certificate_file: pki/app-client.crt
    private_key_file: pki/app-client.key
    hostnames: [app.example.com, api.example.com]
  register: per_hostname_aop__plan

- name: Decide which host configures each zone
  aop.cloudflare.per_hostname_aop_plan:
    assign: per_hostname_aop__plan
'''

RETURN = r'''
plan:
  description: The checked plan of one zone (without O(assign)). It holds no private key and no token.
  returned: success, without O(assign)
  type: dict
  contains:
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
      description: V(present) or V(absent).
      type: str
    sets:
      description: One entry per certificate set, in the order given.
      type: list
      elements: dict
      sample:
        - index: 0
          label: certificate for app.example.com and 1 more
          fingerprint_sha256: "8f:43:28:8a:d2:72:f3:10:3b:6f:b1:42:84:85:ea:30:14:c0:be:fe:98:a6:1a:84:e6:d6:bf:5f:fa:9e:6b:8b"
          expires_on: "2027-01-01T05:20:00Z"
          hostnames: [app.example.com, api.example.com]
    hostnames:
      description: Every hostname of every set.
      type: list
      elements: str
configures:
  description: Whether this host runs the zone's API tasks (with O(assign)).
  returned: success, with O(assign)
  type: bool
problems:
  description: Every mistake found, each naming its role variable.
  returned: failure
  type: list
  elements: str
'''
