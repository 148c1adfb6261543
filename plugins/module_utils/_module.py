# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What every module of the collection shares: options, client, zone, waiting and failure reporting (private)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.aop.cloudflare.plugins.module_utils._api import (
    DEFAULT_BASE_URL,
    REQUESTS_IMPORT_ERROR,
    CloudflareClient,
    CloudflareError,
)
from ansible_collections.aop.cloudflare.plugins.module_utils._certificate import (
    CRYPTOGRAPHY_IMPORT_ERROR,
    CertificateError,
)
from ansible_collections.aop.cloudflare.plugins.module_utils._rules import (
    HOSTNAME_PATTERN,
    ZONE_ID_PATTERN,
    endpoint_problem,
    normalize_hostname,
    normalize_zone,
)

# Documented in plugins/doc_fragments/connection.py; keep the two in step.
CONNECTION_ARGUMENT_SPEC = {
    'api_token': {'type': 'str', 'no_log': True, 'fallback': (env_fallback, ['CLOUDFLARE_API_TOKEN'])},
    'api_key': {'type': 'str', 'no_log': True, 'fallback': (env_fallback, ['CLOUDFLARE_API_KEY'])},
    'api_email': {'type': 'str', 'fallback': (env_fallback, ['CLOUDFLARE_EMAIL'])},
    'base_url': {'type': 'str', 'default': DEFAULT_BASE_URL, 'fallback': (env_fallback, ['CLOUDFLARE_BASE_URL'])},
    'timeout': {'type': 'int', 'default': 30},
    'validate_certs': {'type': 'bool', 'default': True},
    'ca_path': {'type': 'path'},
    'allow_plain_http': {'type': 'bool', 'default': False},
    'zone_id': {'type': 'str'},
    'zone': {'type': 'str'},
}

# Documented in plugins/doc_fragments/read_concurrency.py: the modules that read hostnames one by one. At 16, a full
# zone (1,000 hostnames) is read in a few seconds; the shared rate budget bounds it, whatever the value.
READ_CONCURRENCY_ARGUMENT_SPEC = {'read_concurrency': {'type': 'int', 'default': 16}}

WAIT_POLL_MIN_SECONDS = 1.0
WAIT_POLL_MAX_SECONDS = 10.0
# Statuses Cloudflare will not move on from by itself.
FAILED_STATUSES = frozenset(['deployment_timed_out', 'deletion_timed_out'])


class WaitError(Exception):
    """A resource did not reach the awaited status, in time or at all."""


def build_module(
    argument_spec: dict[str, Any], mutually_exclusive: list[Any] | None = None, required_one_of: list[Any] | None = None, **kwargs: Any
) -> AnsibleModule:
    """An AnsibleModule with the shared connection and zone options, check mode on, dependencies checked."""
    spec = dict(CONNECTION_ARGUMENT_SPEC)
    spec.update(argument_spec)
    module = AnsibleModule(
        argument_spec=spec,
        mutually_exclusive=[('zone_id', 'zone')] + (mutually_exclusive or []),
        required_one_of=[('zone_id', 'zone')] + (required_one_of or []),
        supports_check_mode=True,
        **kwargs,
    )
    if REQUESTS_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
    if CRYPTOGRAPHY_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib('cryptography'), exception=CRYPTOGRAPHY_IMPORT_ERROR)
    return module


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
            problem = endpoint_problem(self.params['base_url'], self.params['allow_plain_http'])
            if problem:
                self.module.fail_json(msg=problem)
            if self.params['timeout'] < 1:
                self.module.fail_json(msg='timeout must be 1 or more (seconds to wait for each answer); it is %d' % self.params['timeout'])
            try:
                client = CloudflareClient(
                    api_token=self.params['api_token'],
                    api_key=self.params['api_key'],
                    api_email=self.params['api_email'],
                    base_url=self.params['base_url'],
                    timeout=self.params['timeout'],
                    validate_certs=self.params['validate_certs'],
                    ca_path=self.params['ca_path'],
                )
            except ValueError as exc:
                self.module.fail_json(msg=str(exc))
            self._client = client
        return self._client

    @property
    def zone_id(self) -> str:
        if self._zone_id is None:
            # Checked before any call: both end up in a URL.
            zone_id, zone = self.params['zone_id'], self.params['zone']
            if zone_id is not None and not ZONE_ID_PATTERN.match(zone_id):
                self.module.fail_json(
                    msg='zone_id: %r is not a zone id (32 hexadecimal characters, on the zone\'s overview page); or give the zone\'s name in zone' % zone_id
                )
            if zone_id is None and not HOSTNAME_PATTERN.match(normalize_zone(zone)):
                self.module.fail_json(msg='zone: %r is not a zone name (e.g. example.com)' % zone)
            self._zone_id = zone_id or self.client.zone_id(zone)
        return self._zone_id

    def apply(self) -> dict[str, Any]:
        raise NotImplementedError

    def check_read_concurrency(self) -> None:
        if self.params['read_concurrency'] < 1:
            self.module.fail_json(msg='read_concurrency must be 1 or more (it is %d)' % self.params['read_concurrency'])

    def checked_hostnames(self, given: Iterable[tuple[str, str]]) -> list[str]:
        """[(option, hostname as given)] -> the hostnames as Cloudflare stores them, each checked before any call: a
        valid name (it goes into a URL), declared once, and inside the zone when the zone is given by name (a hostname
        of another zone would only read as absent)."""
        self.check_read_concurrency()
        zone = normalize_zone(self.params['zone']) if self.params['zone'] else None
        seen: dict[str, str] = {}  # hostname -> the option that declared it
        for option, value in given:
            hostname = normalize_hostname(value)
            if not HOSTNAME_PATTERN.match(hostname):
                self.module.fail_json(msg='%s: %r is not a valid hostname (e.g. app.example.com)' % (option, value))
            if hostname in seen:
                self.module.fail_json(msg='%s: hostname %s is also declared at %s; declare each hostname once' % (option, hostname, seen[hostname]))
            if zone and hostname != zone and not hostname.endswith('.' + zone):
                self.module.fail_json(msg='%s: %s is not in the zone %s: name hostnames of this zone only' % (option, hostname, zone))
            seen[hostname] = option
        return list(seen)

    def run(self) -> None:
        try:
            result = self.apply()
        except (CertificateError, WaitError) as exc:
            self.module.fail_json(msg=str(exc))
        except CloudflareError as exc:
            self.module.fail_json(msg=str(exc), api_error=exc.to_dict())
        # Returned so that later tasks can pass zone_id and skip the zone lookup.
        result['zone_id'] = self.zone_id
        self.module.exit_json(**result)

    def wait_for(self, read: Callable[[], tuple[Any, str | None]], wanted: Collection[str], timeout: float, what: str) -> Any:
        """Poll read() -> (value, status) until status is in wanted; return the last value.

        Time is counted in the pauses taken, so a test's fake sleep cannot make this loop forever.
        """
        waited, interval = 0.0, WAIT_POLL_MIN_SECONDS
        while True:
            value, status = read()
            if status in wanted:
                return value
            if status in FAILED_STATUSES:
                raise WaitError('Cloudflare reports %s for %s: delete it (state=absent) and upload it again' % (status, what))
            if waited + interval > timeout:
                raise WaitError(
                    '%s is still %s after %d seconds: raise wait_timeout, or run again later '
                    '(the run converges from where it stopped)' % (what, status, waited)
                )
            self.client.sleep(interval)
            waited += interval
            interval = min(interval * 2, WAIT_POLL_MAX_SECONDS)
