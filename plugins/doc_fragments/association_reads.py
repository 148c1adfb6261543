# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""How the modules that read hostname associations read them: the listing, or one call per hostname."""


class ModuleDocFragment:

    DOCUMENTATION = r'''
options:
  association_reads:
    description:
      - How the zone's hostname associations are read.
      - V(auto) reads Cloudflare's association listing (C(GET /zones/{zone_id}/origin_tls_client_auth/hostnames) with
        C(status=all) and C(per_page=1000), every page; one call per 1,000 associations). When the listing cannot be
        used (the API answers 404, 405 or 400, an item lacks its hostname or its certificate id, or the pages do not add up), it
        falls back to one read per hostname for this run, and says so in RV(association_reads).
      - V(list) requires the listing and fails when it cannot be used. V(per_hostname) never uses it.
      - A hostname the listing does not show is confirmed with its own read (the listing's status filter does not
        name C(initializing)); a converged zone has none, so its check costs no more than the listing.
    type: str
    choices: [auto, list, per_hostname]
    default: auto
  read_concurrency:
    description:
      - How many hostnames are read at once when they are read one by one (see O(association_reads)).
      - Every call, from every thread and every module run on the controller, is paced by one shared budget (see the
        collection's README), so a higher value cannot exceed Cloudflare's rate limit; it can only spend the budget sooner.
      - Cloudflare also refuses more than 200 calls per second from one client address, so every call to one API
        address, from every credential and module run on the controller, is spaced to at most 150 per second.
    type: int
    default: 16
'''
