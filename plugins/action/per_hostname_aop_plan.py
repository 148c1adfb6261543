# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of aop.cloudflare.per_hostname_aop_plan (documented in plugins/modules/per_hostname_aop_plan.py)."""

from __future__ import annotations

import os
from typing import Any

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.aop.cloudflare.plugins.module_utils._api import CloudflareClient
from ansible_collections.aop.cloudflare.plugins.module_utils._errors import AopError
from ansible_collections.aop.cloudflare.plugins.module_utils._resources import lookup_zone_id
from ansible_collections.aop.cloudflare.plugins.module_utils._rules import DEFAULT_BASE_URL, ENV_API_EMAIL, ENV_API_KEY, ENV_API_TOKEN, ENV_BASE_URL
from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_plan import CREDENTIAL_NAMES, PREFIX, HostPlan, PlanError, plan_host, role_variables
from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_zone import assign

# Strategies that let each host run ahead: the hosts of a zone would not plan before the zone is merged.
RUN_AHEAD_STRATEGIES = ('free', 'host_pinned')


class ActionModule(ActionBase):
    """Runs on the controller with the task's variables; sends nothing to any host, and calls the API only to tell
    whether a zone named by name and a zone named by id are one."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('assign',))
    _requires_connection = False

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        try:
            if self._task.args.get('assign'):
                result.update(self.assign(str(self._task.args['assign']), task_vars))
            else:
                result.update(self.plan(task_vars))
        except AopError as exc:
            result.update(failed=True, **exc.report())
        result['changed'] = False
        return result

    def variables(self, task_vars: dict[str, Any]) -> dict[str, Any]:
        """The role's variables as this host sees them, templated (secrets are only checked, never returned)."""
        return {name: self._templar.template(task_vars[name]) for name in role_variables() if task_vars.get(name) is not None}

    def plan(self, task_vars: dict[str, Any]) -> dict[str, Any]:
        check_mode = bool(self._task.check_mode or self._play_context.check_mode)
        plan = plan_host(task_vars['inventory_hostname'], self.variables(task_vars), self.find_file, read_file=self.read_file, check_mode=check_mode)
        # Hosts merge only plans made by this same task, never one left from an earlier play.
        plan.planned_by = self._task._uuid  # pylint: disable=protected-access  # the task's identity, as ansible-core keeps it
        hostnames = sum(len(item.hostnames) for item in plan.certificates)
        return {
            'plan': plan.to_dict(),
            # The batch as the plan saw it: the merge must count a host of the zone that fails in the merge task before
            # this one merges, which ansible_play_batch by then leaves out.
            'batch': list(task_vars.get('ansible_play_batch') or [task_vars['inventory_hostname']]),
            'msg': 'zone %s: %d certificate(s), %d hostname(s), state %s' % (plan.zone_key, len(plan.certificates), hostnames, plan.state),
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
        """The bytes of a file, decrypted when Ansible Vault encrypted it, as the role's key lookup reads it too."""
        try:
            # The loader's own reader: it decrypts vault files. pylint: disable-next=protected-access
            return self._loader._get_file_contents(path)[0]
        except AnsibleError as exc:
            raise OSError(exc.message) from exc

    def assign(self, plan_variable: str, task_vars: dict[str, Any]) -> dict[str, Any]:
        hostvars = task_vars['hostvars']
        host = task_vars['inventory_hostname']
        own_result = hostvars[host][plan_variable]
        batch = list(own_result.get('batch') or task_vars.get('ansible_play_batch') or [host])
        self.refuse_unmergeable_runs(batch)
        own = HostPlan.from_dict(own_result['plan'])
        plans = {}
        for name in batch:
            registered = own_result if name == host else hostvars[name].get(plan_variable)
            plan = registered.get('plan') if isinstance(registered, dict) else None
            if plan and plan.get('planned_by') == own.planned_by:
                plans[name] = HostPlan.from_dict(plan)
        assignment = assign(host, plans, self.resolve_names(plans.values(), task_vars))
        if assignment.zone.settings['exclusive']:
            self.refuse_partial_exclusive(task_vars, batch, assignment.zone.zone_key)
        return {'configures': assignment.configures, 'zone': assignment.zone.to_dict(), 'msg': assignment.message}

    def refuse_unmergeable_runs(self, batch: list[str]) -> None:
        strategy = str(self._task.get_play().strategy or '').rsplit('.', 1)[-1]
        if strategy in RUN_AHEAD_STRATEGIES:
            raise PlanError(
                'the play runs with strategy %s, which lets each host run ahead: the hosts that name a zone could not be merged before '
                'it is configured, so one view would be applied and the rest lost. Run the role in a play with the linear strategy '
                '(serial batches work)' % strategy
            )
        if self._task.run_once and len(batch) > 1:
            raise PlanError(
                'run_once would run the role for %s alone and silently leave out what the other %d host(s) of this batch declare: remove '
                'run_once (the role already configures each zone once, merged from every host that names it)' % (batch[0], len(batch) - 1)
            )

    @staticmethod
    def refuse_partial_exclusive(task_vars: dict[str, Any], batch: list[str], zone: str) -> None:
        """exclusive voids what no host declares: only sound when every host of the play is in this run."""
        everyone = list(task_vars.get('ansible_play_hosts_all') or batch)
        if task_vars.get('ansible_limit') or set(batch) != set(everyone):
            raise PlanError(
                '%sexclusive is set for zone %s, and this run does not see every host of the play (%s): the hostnames of the hosts left out '
                'would be voided. Run the play without --limit and without serial, or leave %sexclusive off for this run'
                % (PREFIX, zone, '--limit' if task_vars.get('ansible_limit') else 'a serial batch of %d of %d hosts' % (len(batch), len(everyone)), PREFIX)
            )

    def resolve_names(self, plans: Any, task_vars: dict[str, Any]) -> dict[str, str]:
        """{zone name: id} when the batch names zones both by name and by id: then one lookup per name tells which are one."""
        plans = list(plans)
        names = sorted({plan.zone for plan in plans if plan.zone})
        if not names or not any(plan.zone_id for plan in plans):
            return {}
        variables = self.variables(task_vars)
        client = CloudflareClient(
            api_token=variables.get(PREFIX + 'api_token') or os.environ.get(ENV_API_TOKEN),
            api_key=variables.get(PREFIX + 'api_key') or os.environ.get(ENV_API_KEY),
            api_email=variables.get(PREFIX + 'api_email') or os.environ.get(ENV_API_EMAIL),
            base_url=variables.get(PREFIX + 'base_url') or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL,
            timeout=int(variables.get(PREFIX + 'timeout') or 30),
            validate_certs=bool(variables.get(PREFIX + 'validate_certs', True)),
            ca_path=variables.get(PREFIX + 'ca_path'),
            names=CREDENTIAL_NAMES,
        )
        return {name: lookup_zone_id(client, name) for name in names}
