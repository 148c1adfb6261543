# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What every module of the collection shares: options, secrets kept out of output, client, zone, and the one exit
(private). Modules raise AopError (or a subclass); run() reports it."""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from typing import Any

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.aop.cloudflare.plugins.module_utils._api import REQUESTS_IMPORT_ERROR, CloudflareClient
from ansible_collections.aop.cloudflare.plugins.module_utils._certificate import CRYPTOGRAPHY_IMPORT_ERROR, pem_blocks
from ansible_collections.aop.cloudflare.plugins.module_utils._errors import AopError, InputError
from ansible_collections.aop.cloudflare.plugins.module_utils._resources import ZoneResources, lookup_zone_id
from ansible_collections.aop.cloudflare.plugins.module_utils._rules import (
    DEFAULT_BASE_URL,
    ENV_API_EMAIL,
    ENV_API_KEY,
    ENV_API_TOKEN,
    ENV_BASE_URL,
    endpoint_problem,
    hostname_problem,
    in_zone_problem,
    normalize_hostname,
    normalize_zone,
    number_problem,
    zone_problem,
)

# Documented in plugins/doc_fragments/connection.py; keep the two in step.
CONNECTION_ARGUMENT_SPEC = {
    'api_token': {'type': 'str', 'no_log': True, 'fallback': (env_fallback, [ENV_API_TOKEN])},
    'api_key': {'type': 'str', 'no_log': True, 'fallback': (env_fallback, [ENV_API_KEY])},
    'api_email': {'type': 'str', 'fallback': (env_fallback, [ENV_API_EMAIL])},
    'base_url': {'type': 'str', 'default': DEFAULT_BASE_URL, 'fallback': (env_fallback, [ENV_BASE_URL])},
    'timeout': {'type': 'int', 'default': 30},
    'validate_certs': {'type': 'bool', 'default': True},
    'ca_path': {'type': 'path'},
    'allow_plain_http': {'type': 'bool', 'default': False},
    'zone_id': {'type': 'str'},
    'zone': {'type': 'str'},
}

# Documented in plugins/doc_fragments/association_reads.py: the modules that read associations. At 16, a
# full zone (1,000 hostnames) is read in a few seconds; the shared rate budget bounds it, whatever the value.
ASSOCIATION_READS_ARGUMENT_SPEC = {
    'read_concurrency': {'type': 'int', 'default': 16},
    'association_reads': {'type': 'str', 'choices': ['auto', 'list', 'per_hostname'], 'default': 'auto'},
}

# A wait for the rate budget longer than this is worth a warning: a run paced for minutes must not look hung.
PACING_WARNING_SECONDS = 10.0

# Where a module may be given secrets: the options themselves (no_log already) and certificate options that a careless
# user may fill from a bundle that also holds the key.
SECRET_OPTIONS = ('api_token', 'api_key', 'private_key')
CERTIFICATE_OPTIONS = ('certificate',)


def build_module(
    argument_spec: dict[str, Any], mutually_exclusive: list[Any] | None = None, required_one_of: list[Any] | None = None, **kwargs: Any
) -> AnsibleModule:
    """An AnsibleModule with the shared connection and zone options, check mode on, secrets registered, dependencies
    checked."""
    spec = dict(CONNECTION_ARGUMENT_SPEC)
    spec.update(argument_spec)
    module = AnsibleModule(
        argument_spec=spec,
        mutually_exclusive=[('zone_id', 'zone')] + (mutually_exclusive or []),
        required_one_of=[('zone_id', 'zone')] + (required_one_of or []),
        supports_check_mode=True,
        **kwargs,
    )
    keep_secrets_out_of_output(module)
    if REQUESTS_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
    if CRYPTOGRAPHY_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib('cryptography'), exception=CRYPTOGRAPHY_IMPORT_ERROR)
    return module


def keep_secrets_out_of_output(module: AnsibleModule) -> None:
    """Register every form of a secret the output could show: Ansible masks only the exact values of no_log options,
    so a credential whose final newline is stripped, or a key block inside a certificate option, would slip through."""
    for name, value in _option_values(module.params):
        if not isinstance(value, str) or not value:
            continue
        if name in SECRET_OPTIONS:
            module.no_log_values.update(form for form in (value, value.strip()) if form)
        elif name in CERTIFICATE_OPTIONS:
            module.no_log_values.update(block for block in pem_blocks(value) if 'CERTIFICATE-----' not in block.splitlines()[0])


def _option_values(params: dict[str, Any]) -> Iterable[tuple[str, Any]]:
    """(option name, value) of every option, those inside lists of dicts included (certificates[].private_key)."""
    for name, value in params.items():
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    yield from _option_values(item)
        else:
            yield name, value


class CloudflareModule:
    """Base of the modules: subclasses implement apply() and return the result dict (with 'changed')."""

    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self._client: CloudflareClient | None = None
        self._zone_id: str | None = None

    @property
    def client(self) -> CloudflareClient:
        if self._client is None:
            problems = [
                endpoint_problem(self.params['base_url'], self.params['allow_plain_http']),
                number_problem(self.params['timeout'], 'timeout', 1, 'seconds to wait for each answer'),
            ]
            if any(problems):
                raise InputError(*[problem for problem in problems if problem])
            self._client = CloudflareClient(
                api_token=self.params['api_token'],
                api_key=self.params['api_key'],
                api_email=self.params['api_email'],
                base_url=self.params['base_url'],
                timeout=self.params['timeout'],
                validate_certs=self.params['validate_certs'],
                ca_path=self.params['ca_path'],
            )
        return self._client

    @property
    def zone_id(self) -> str:
        if self._zone_id is None:
            # Checked before any call: both end up in a URL.
            problem = zone_problem(self.params['zone'], self.params['zone_id'], 'zone', 'zone_id')
            if problem:
                raise InputError(problem)
            self._zone_id = self.params['zone_id'] or lookup_zone_id(self.client, self.params['zone'])
        return self._zone_id

    @property
    def resources(self) -> ZoneResources:
        return ZoneResources(self.client, self.zone_id)

    def apply(self) -> dict[str, Any]:
        raise NotImplementedError

    def check_read_concurrency(self) -> None:
        problem = number_problem(self.params['read_concurrency'], 'read_concurrency', 1, 'hostnames read at once')
        if problem:
            raise InputError(problem)

    def checked_hostnames(self, given: Iterable[tuple[str, str]]) -> list[str]:
        """[(option, hostname as given)] -> the hostnames as Cloudflare stores them, each checked before any call: a
        valid name (it goes into a URL), declared once, and inside the zone when the zone is given by name. Every
        problem is reported at once."""
        self.check_read_concurrency()
        zone = normalize_zone(self.params['zone']) if self.params['zone'] else None
        seen: dict[str, str] = {}  # hostname -> the option that declared it
        problems = []
        for option, value in given:
            hostname = normalize_hostname(value)
            problem = hostname_problem(value, option) or in_zone_problem(hostname, zone, option)
            if problem is None and hostname in seen:
                problem = '%s: hostname %s is also declared at %s; declare each hostname once' % (option, hostname, seen[hostname])
            if problem:
                problems.append(problem)
            seen.setdefault(hostname, option)
        if problems:
            raise InputError(*problems)
        return list(seen)

    def run(self) -> None:
        """The one exit: the result, or the failure with its message (and the API's error where there is one); either
        way with what Cloudflare's rate limit cost."""
        try:
            result = self.apply()
            # Returned so that later tasks can pass zone_id and skip the zone lookup.
            result['zone_id'] = self.zone_id
        except AopError as exc:
            self.module.fail_json(**exc.report(), **self.pacing())
        except Exception as exc:  # pylint: disable=broad-exception-caught  # the last guard: no option value may be echoed
            # The frames only: the exception's text may quote what it failed on (a header, a key).
            self.module.fail_json(
                msg='aop.cloudflare failed unexpectedly (%s): please report it, with where it happened (run again with ANSIBLE_DISPLAY_TRACEBACK=error)'
                % exc.__class__.__name__,
                exception=''.join(traceback.format_tb(exc.__traceback__)),
            )
        self.module.exit_json(**result, **self.pacing())

    def pacing(self) -> dict[str, Any]:
        """rate_limit: the calls made and the seconds the shared budget held them back; a warning when that was long."""
        if self._client is None:
            return {}
        ledger = self._client.ledger
        waited = round(ledger.waited_seconds, 1)
        if waited > PACING_WARNING_SECONDS:
            self.module.warn(
                'waited %d s for Cloudflare\'s rate limit (1,200 calls per 5 minutes per user, shared by every run and tool with these '
                'credentials): the run is paced, not hung. Fewer hostnames read one by one (association_reads) cost fewer calls' % waited
            )
        return {'rate_limit': {'calls': ledger.calls, 'waited_seconds': waited}}
