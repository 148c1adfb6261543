# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters the role aop.cloudflare.per_hostname_aop reshapes its module results with (documented in the .yml files)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_steps import association_config, cleanup, summary
from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_zone import ZonePlan


def per_hostname_aop_config(zone: Mapping[str, Any], certificates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return association_config(ZonePlan.from_dict(zone), certificates)


def per_hostname_aop_cleanup(zone: Mapping[str, Any], certificates: Mapping[str, Any], associations: Mapping[str, Any]) -> dict[str, Any]:
    return cleanup(ZonePlan.from_dict(zone), certificates, associations)


def per_hostname_aop_summary(
    zone: Mapping[str, Any], certificates: Mapping[str, Any], associations: Mapping[str, Any], tidy: Mapping[str, Any], full: bool = False
) -> list[str]:
    return summary(ZonePlan.from_dict(zone), certificates, associations, tidy, full=full)


class FilterModule:

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            'per_hostname_aop_config': per_hostname_aop_config,
            'per_hostname_aop_cleanup': per_hostname_aop_cleanup,
            'per_hostname_aop_summary': per_hostname_aop_summary,
        }
