# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What every attribute of the modules means; each module says how far it supports it."""


class ModuleDocFragment:

    DOCUMENTATION = r'''
attributes:
  check_mode:
    description: Can run in check mode and predict the change and the result without writing anything.
  diff_mode:
    description: Shows what changes (or would change in check mode) when run with C(--diff); never secrets.
  idempotent:
    description: A second run with the same options reports no change and sends no write.
  action_group:
    description: Part of the action group V(aop.cloudflare.all), so O(ignore:api_token) and the other connection
      options can be set once with C(module_defaults).
    support: full
    membership:
      - aop.cloudflare.all
'''

    # Modules that only read: check mode returns what a real run returns, there is no diff, nothing changes.
    INFO_MODULE = r'''
attributes:
  check_mode:
    support: full
    details: Reads the same way in check mode and returns the same result.
  diff_mode:
    support: none
    details: Nothing changes, so there is nothing to show.
  idempotent:
    support: full
'''
