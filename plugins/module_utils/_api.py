# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one HTTP client of this collection for Cloudflare's API v4 (private: not a public interface)."""

from __future__ import annotations

import random
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

REQUESTS_IMPORT_ERROR = None
try:
    import requests
except ImportError:
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.aop.cloudflare.plugins.module_utils._ratelimit import RateLimitLedger, retry_after_seconds
from ansible_collections.aop.cloudflare.plugins.module_utils._rules import normalize_zone

DEFAULT_BASE_URL = 'https://api.cloudflare.com/client/v4'
USER_AGENT = 'aop.cloudflare-ansible'

# Only verbs whose repetition cannot create a second object are retried after a failure that may have been applied;
# a POST is re-checked by its caller instead.
IDEMPOTENT_METHODS = frozenset(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'])
RETRY_STATUSES = frozenset([429, 502, 503, 504])
# Cloudflare answers 429 before doing anything: sending again is safe for every verb.
REFUSED_STATUSES = frozenset([429])
MAX_RETRIES = 5
BACKOFF_BASE_SECONDS = 1.0
MAX_DELAY_SECONDS = 60.0
# A list that never ends (a broken result_info) must not loop forever.
MAX_PAGES = 1000

# What to do about the failures a user can fix, said once for every module and the role (so naming no option).
STATUS_HINTS = {
    401: 'the credentials were refused: check the API token, or the API key and its e-mail',
    403: 'the credentials lack a permission: the API token needs "SSL and Certificates: Edit" and "Zone Settings: Edit" on this zone',
    404: 'not found: check the zone and the ids given, and that the credentials may read this zone',
    429: 'Cloudflare\'s rate limit (1,200 calls per 5 minutes) was exceeded: wait 5 minutes and run again',
}


class CloudflareError(Exception):
    """A failed API call, with what Cloudflare said about it. Never carries request bodies or credentials."""

    def __init__(
        self,
        message: str,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        errors: list[Any] | None = None,
        cf_ray: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.errors = errors or []
        self.cf_ray = cf_ray

    @property
    def codes(self) -> list[Any]:
        return [error.get('code') for error in self.errors if isinstance(error, dict)]

    def has_code(self, *codes: int) -> bool:
        return any(code in self.codes for code in codes)

    def to_dict(self) -> dict[str, Any]:
        return {
            'method': self.method,
            'path': self.path,
            'status': self.status,
            'errors': self.errors,
            'cf_ray': self.cf_ray,
        }

    def __str__(self) -> str:
        parts = [self.message]
        for error in self.errors:
            if isinstance(error, dict):
                parts.append('Cloudflare error %s: %s' % (error.get('code'), error.get('message')))
        if self.cf_ray:
            parts.append('cf-ray %s' % self.cf_ray)
        return '; '.join(parts)


def _backoff_seconds(attempt: int) -> float:
    """Exponential backoff with up to 25 % jitter, so that threads failing together do not retry together."""
    return BACKOFF_BASE_SECONDS * (2 ** (attempt - 1)) * (1 + random.random() / 4)


class CloudflareClient:
    """Authenticated session on the API: envelope, errors, retries, pacing, pagination and zone lookup, in one place.

    Every call is paced by a RateLimitLedger shared with the other module processes on the controller that use the
    same credential and base URL: its state lives in a private directory, aop-cloudflare-<uid> under the system's
    temporary directory, or in the directory the environment variable AOP_CLOUDFLARE_RATELIMIT_DIR names.
    Threads may share a client: each has its own requests.Session.
    """

    def __init__(
        self,
        api_token: str | None = None,
        api_key: str | None = None,
        api_email: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: int = 30,
        validate_certs: bool = True,
        ca_path: str | None = None,
        max_retries: int = MAX_RETRIES,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if api_token:
            headers = {'Authorization': 'Bearer %s' % api_token}
            credential = 'token %s' % api_token
        elif api_key and api_email:
            headers = {'X-Auth-Key': api_key, 'X-Auth-Email': api_email}
            credential = 'key %s %s' % (api_email, api_key)
        else:
            raise ValueError('Set api_token (or CLOUDFLARE_API_TOKEN), or both api_key and api_email (or CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL).')
        headers['User-Agent'] = USER_AGENT
        self.base_url = base_url.rstrip('/')
        self.timeout = timeout
        # requests verifies against a CA bundle when given its path, against its own bundle when given True.
        self.verify = (ca_path or True) if validate_certs else False
        self.max_retries = max_retries
        self.sleep = sleep
        self.ledger = RateLimitLedger('%s\n%s' % (self.base_url, credential), sleep=sleep)
        self._headers = headers
        self._local = threading.local()

    @property
    def session(self) -> requests.Session:
        """This thread's session: requests does not promise that one may be shared by threads."""
        session = getattr(self._local, 'session', None)
        if session is None:
            session = requests.Session()
            session.verify = self.verify
            session.headers.update(self._headers)
            self._local.session = session
        return session

    def request(self, method: str, path: str, params: dict[str, Any] | None = None, body: Any = None, retry: bool | None = None) -> tuple[Any, Any]:
        """Send one call and return (result, result_info); raise CloudflareError on any failure.

        retry=None: idempotent verbs are retried on 429, 502-504 and lost connections; a POST only on 429, since
        after any other failure it may have been applied (its caller reads back instead). retry=True: retried as an
        idempotent verb; retry=False: never retried.
        """
        if retry is None:
            statuses, retry_lost = (RETRY_STATUSES, True) if method in IDEMPOTENT_METHODS else (REFUSED_STATUSES, False)
        elif retry:
            statuses, retry_lost = RETRY_STATUSES, True
        else:
            statuses, retry_lost = frozenset(), False
        attempt, backoff = 0, 0.0
        while True:
            attempt += 1
            try:
                response = self._send(method, path, params, body, backoff)
            except requests.exceptions.SSLError as exc:
                # Not a passing fault: the same certificate would be refused again.
                raise CloudflareError(
                    '%s %s: the TLS certificate of %s could not be verified: give the CA bundle that signed it in ca_path '
                    '(a private endpoint or a TLS-inspecting proxy), or validate_certs=false for a local test endpoint only' % (method, path, self.base_url),
                    method=method,
                    path=path,
                ) from exc
            except (requests.ConnectionError, requests.Timeout) as exc:
                if not retry_lost or attempt > self.max_retries:
                    raise CloudflareError(
                        '%s %s: no response from %s after %d attempt(s) (%s)' % (method, path, self.base_url, attempt, exc.__class__.__name__),
                        method=method,
                        path=path,
                    ) from exc
                backoff = _backoff_seconds(attempt)
                continue
            if response.status_code not in statuses or attempt > self.max_retries:
                return self._unwrap(method, path, response, attempt)
            if response.status_code == 429:
                backoff = 0.0  # the ledger holds every call back until Retry-After has passed
            else:
                asked = retry_after_seconds(response.headers, self.ledger.clock())
                backoff = min(_backoff_seconds(attempt) if asked is None else asked, MAX_DELAY_SECONDS)

    def _send(self, method: str, path: str, params: dict[str, Any] | None, body: Any, backoff: float) -> requests.Response:
        """One call, once the ledger lets it go; the ledger hears its answer whatever happens."""
        sent_at = self.ledger.acquire(backoff)
        response = None
        try:
            # verify on each call too: requests lets REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE override a session's verify.
            response = self.session.request(method, self.base_url + path, params=params, json=body, timeout=self.timeout, verify=self.verify)
            return response
        finally:
            if response is None:
                self.ledger.release(sent_at)
            else:
                self.ledger.release(sent_at, response.headers, response.status_code)

    @staticmethod
    def _unwrap(method: str, path: str, response: requests.Response, attempt: int) -> tuple[Any, Any]:
        cf_ray = response.headers.get('cf-ray')
        try:
            payload = response.json()
        except ValueError:
            payload = None
        retried = ' after %d attempts' % attempt if attempt > 1 else ''
        if not isinstance(payload, dict):
            raise CloudflareError(
                '%s %s%s: HTTP %s with a body that is not a Cloudflare API response' % (method, path, retried, response.status_code),
                method=method,
                path=path,
                status=response.status_code,
                cf_ray=cf_ray,
            )
        if response.status_code >= 400 or payload.get('success') is False:
            hint = STATUS_HINTS.get(response.status_code)
            raise CloudflareError(
                '%s %s failed%s: HTTP %s%s' % (method, path, retried, response.status_code, ' (%s)' % hint if hint else ''),
                method=method,
                path=path,
                status=response.status_code,
                errors=payload.get('errors') or [],
                cf_ray=cf_ray,
            )
        return payload.get('result'), payload.get('result_info')

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request('GET', path, params=params)[0]

    def get_all(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """GET a list, following result_info pages if the API ever gives more than one."""
        params = dict(params or {})
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            result, info = self.request('GET', path, params=params)
            items.extend(result or [])
            info = info or {}
            total_pages = info.get('total_pages')
            if total_pages is None and info.get('total_count') is not None and info.get('per_page'):
                total_pages = -(-info['total_count'] // info['per_page'])
            if not result or total_pages is None or page >= total_pages or page >= MAX_PAGES:
                return items
            page += 1
            params['page'] = page

    def zone_id(self, name: str) -> str:
        """Resolve a zone name to its id."""
        name = normalize_zone(name)
        zones = [zone for zone in self.get_all('/zones', {'name': name}) if normalize_zone(zone.get('name')) == name]
        if len(zones) != 1:
            raise CloudflareError(
                'zone %r was not found (%d matches): check the name, or that the API token may read this zone, '
                'or give the zone\'s id instead' % (name, len(zones)),
                method='GET',
                path='/zones',
            )
        return zones[0]['id']
