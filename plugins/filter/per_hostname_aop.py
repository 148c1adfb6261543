# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters the role aop.cloudflare.per_hostname_aop reshapes its module results with (documented in the .yml files)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_plan import association_config, certificates_to_delete, summary


class FilterModule:

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            'per_hostname_aop_config': association_config,
            'per_hostname_aop_released': certificates_to_delete,
            'per_hostname_aop_summary': summary,
        }
