# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The option of the modules that read hostnames one by one."""


class ModuleDocFragment:

    DOCUMENTATION = r'''
options:
  read_concurrency:
    description:
      - How many hostnames are read at once. Cloudflare has no call that lists a zone's associations, so each hostname
        costs one read; on a zone of 1,000 hostnames the reads are most of the run's time.
      - Every call, from every thread and every module run on the controller, is paced by one shared budget (see the
        collection's README), so a higher value cannot exceed Cloudflare's rate limit; it can only spend the budget sooner.
      - Cloudflare also limits each client address to 200 calls per second.
    type: int
    default: 16
'''
