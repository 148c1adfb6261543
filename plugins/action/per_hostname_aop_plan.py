# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of aop.cloudflare.per_hostname_aop_plan (documented in plugins/modules/per_hostname_aop_plan.py)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_plan import PlanError, assign_zone, plan_zone

VARIABLES = (
    'state',
    'zone',
    'zone_id',
    'api_token',
    'api_key',
    'api_email',
    'base_url',
    'certificate',
    'certificate_file',
    'private_key',
    'private_key_file',
    'hostnames',
    'certificates',
    'tls_client_auth',
    'delete_released_certificates',
    'min_days_valid',
    'allow_plain_http',
    'timeout',
    'wait_timeout',
    'read_concurrency',
)


class ActionModule(ActionBase):
    """Runs on the controller with the task's variables; sends nothing to any host or API."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(VARIABLES + ('assign',))
    _requires_connection = False

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self._task.args
        try:
            if args.get('assign'):
                result.update(self.assign(str(args['assign']), task_vars))
            else:
                result.update(self.plan(args))
        except PlanError as exc:
            result.update(failed=True, msg='aop.cloudflare.per_hostname_aop: %s' % '; '.join(exc.problems), problems=exc.problems)
        result['changed'] = False
        return result

    def plan(self, args: Mapping[str, Any]) -> dict[str, Any]:
        variables = {'per_hostname_aop_' + name: args.get(name) for name in VARIABLES}
        plan = plan_zone(variables, self.find_file, read_file=self.read_file)
        # Hosts compare plans only with plans made by this same task, never with one left from an earlier play.
        plan['planned_by'] = self._task._uuid  # pylint: disable=protected-access  # the task's identity, as ansible-core keeps it
        return {
            'plan': plan,
            'msg': 'zone %s: %d certificate(s), %d hostname(s), state %s' % (plan['zone_key'], len(plan['sets']), len(plan['hostnames']), plan['state']),
        }

    def find_file(self, path: str) -> tuple[str | None, list[str]]:
        """(absolute path or None, places searched): as Ansible finds files (role, playbook), then the working directory."""
        path = os.path.expanduser(path)
        if os.path.isabs(path):
            return (path if os.path.isfile(path) else None), [path]
        try:
            return self._find_needle('files', path), []
        except AnsibleError:
            searched = list(self._task.get_search_path())
        in_working_directory = os.path.join(os.getcwd(), path)
        if os.path.isfile(in_working_directory):
            return in_working_directory, []
        return None, searched + [os.getcwd()]

    def read_file(self, path: str) -> bytes:
        """The bytes of a file, decrypted when Ansible Vault encrypted it, as the role's key lookups read it too."""
        try:
            # The loader's own reader: it decrypts vault files. pylint: disable-next=protected-access
            return self._loader._get_file_contents(path)[0]
        except AnsibleError as exc:
            raise OSError(exc.message) from exc

    def assign(self, plan_variable: str, task_vars: dict[str, Any]) -> dict[str, Any]:
        hostvars = task_vars['hostvars']
        host = task_vars['inventory_hostname']
        own = hostvars[host][plan_variable]
        plans = {}
        for name in task_vars.get('ansible_play_batch') or [host]:
            registered = hostvars[name].get(plan_variable) or {} if name != host else own
            plan = registered.get('plan') if isinstance(registered, dict) else None
            if plan and plan.get('planned_by') == own['plan']['planned_by']:
                plans[name] = plan
        configures, message = assign_zone(host, plans)
        return {'configures': configures, 'zone_key': own['plan']['zone_key'], 'msg': message}
