# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The HTTP transport of this collection for Cloudflare's API v4: auth, envelope, errors, retries, pacing and pages
(private). It knows no route of the API: plugins/module_utils/_resources.py owns those."""

from __future__ import annotations

import json
import os
import random
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urljoin

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    import urllib3
    from requests.utils import get_environ_proxies
except ImportError:
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.aop.cloudflare.plugins.module_utils._errors import CloudflareError, InputError
from ansible_collections.aop.cloudflare.plugins.module_utils._ratelimit import RateLimitLedger, RateLimitWait, retry_after_seconds
from ansible_collections.aop.cloudflare.plugins.module_utils._rules import (
    DEFAULT_BASE_URL,
    clean_credential,
    credential_problem,
    credentials_problem,
    is_loopback,
)

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
# No answer of the API comes near this (a page of 1,000 associations is a few MB): a larger one is refused unread.
MAX_BODY_BYTES = 32 * 1024 * 1024
READ_CHUNK_BYTES = 65536

# How the modules name the credentials; the role's planner gives its variables instead.
CREDENTIAL_NAMES = {'api_token': 'api_token', 'api_key': 'api_key', 'api_email': 'api_email'}

# What to do about the failures a user can fix, said once for every module and the role (so naming no option).
STATUS_HINTS = {
    401: 'the credentials were refused: check the API token, or the API key and its e-mail',
    403: 'the credentials lack a permission: the API token needs "SSL and Certificates: Edit" and "Zone Settings: Edit" on this zone',
    404: 'not found: check the zone and the ids given, and that the credentials may read this zone',
    429: 'Cloudflare\'s rate limit (1,200 calls per 5 minutes) was exceeded: wait 5 minutes and run again',
}
NO_ROUTE = 7003


class _Lost(Exception):
    """No whole answer came: the connection failed, or the answer was not complete within the call's deadline."""


def _backoff_seconds(attempt: int) -> float:
    """Exponential backoff with up to 25 % jitter, so that threads failing together do not retry together."""
    return BACKOFF_BASE_SECONDS * (2 ** (attempt - 1)) * (1 + random.random() / 4)


def _trust(validate_certs: bool, ca_path: str | None) -> bool | str:
    """What TLS answers are verified against: nothing (validate_certs=false), ca_path, else REQUESTS_CA_BUNDLE or
    CURL_CA_BUNDLE as with requests itself, else the CA bundle requests ships (certifi's)."""
    if not validate_certs:
        return False
    return ca_path or os.environ.get('REQUESTS_CA_BUNDLE') or os.environ.get('CURL_CA_BUNDLE') or True


class CloudflareClient:
    """Authenticated calls to the API: envelope, errors, retries, pacing and pagination, in one place.

    Every call is paced by a RateLimitLedger shared with the other module processes on the controller that use the
    same credential and base URL: its state lives in a private directory, aop-cloudflare-<uid> under the system's
    temporary directory, or in the directory the environment variable AOP_CLOUDFLARE_RATELIMIT_DIR names. The calls to
    one API address are also spaced, whatever their credential (Cloudflare's limit per client address).
    Threads may share a client: each has its own requests.Session.

    The environment of the controller is read for two things only: HTTPS_PROXY/HTTP_PROXY/NO_PROXY (never for a
    loopback endpoint) and REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE (see _trust). ~/.netrc is never read, and redirects are
    never followed: either could send the credentials, or an upload's key, somewhere else.
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
        names: Mapping[str, str] | None = None,
    ) -> None:
        names = names or CREDENTIAL_NAMES
        api_token, api_key, api_email = clean_credential(api_token), clean_credential(api_key), clean_credential(api_email)
        problems = [credential_problem(value, names[name]) for name, value in (('api_token', api_token), ('api_key', api_key), ('api_email', api_email))]
        problems.append(credentials_problem(api_token, api_key, api_email, names))
        if any(problems):
            raise InputError(*[problem for problem in problems if problem])
        if api_token:
            headers = {'Authorization': 'Bearer %s' % api_token}
            credential = 'token %s' % api_token
        else:
            headers = {'X-Auth-Key': str(api_key), 'X-Auth-Email': str(api_email)}
            credential = 'key %s %s' % (api_email, api_key)
        headers['User-Agent'] = USER_AGENT
        self.base_url = base_url.rstrip('/')
        self.timeout = timeout
        self.verify = _trust(validate_certs, ca_path)
        url = urllib3.util.parse_url(self.base_url)
        # A loopback endpoint is never reached through a proxy; another one through the environment's, as curl would.
        self.proxies = {} if is_loopback(url.host or '') else get_environ_proxies(self.base_url)
        self.max_retries = max_retries
        self.sleep = sleep
        self.ledger = RateLimitLedger('%s\n%s' % (self.base_url, credential), sleep=sleep, address='%s://%s' % (url.scheme, url.netloc))
        self._headers = headers
        self._local = threading.local()

    @property
    def session(self) -> requests.Session:
        """This thread's session: requests does not promise that one may be shared by threads."""
        session = getattr(self._local, 'session', None)
        if session is None:
            session = requests.Session()
            # No .netrc, no proxy or CA bundle from the environment behind our back: __init__ decided those.
            session.trust_env = False
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
                status, headers, content = self._send(method, path, params, body, backoff)
            except _Lost as exc:
                if not retry_lost or attempt > self.max_retries:
                    raise CloudflareError(
                        '%s %s: no response from %s after %d attempt(s) (%s)' % (method, path, self.base_url, attempt, exc),
                        method=method,
                        path=path,
                    ) from None
                backoff = _backoff_seconds(attempt)
                continue
            if status not in statuses or attempt > self.max_retries:
                return self._unwrap(method, path, status, headers, content, attempt)
            if status == 429:
                backoff = 0.0  # the ledger holds every call back until Retry-After has passed
            else:
                asked = retry_after_seconds(headers, self.ledger.clock())
                backoff = min(_backoff_seconds(attempt) if asked is None else asked, MAX_DELAY_SECONDS)

    def _send(self, method: str, path: str, params: dict[str, Any] | None, body: Any, backoff: float) -> tuple[int, Mapping[str, str], bytes]:
        """One call, once the ledger lets it go: (status, headers, body). The ledger hears its answer whatever happens.

        The call must end within about twice timeout, body included: requests' own timeout is per read, so a server
        trickling its answer would hold the run for ever.
        """
        try:
            sent_at = self.ledger.acquire(backoff)
        except RateLimitWait as exc:
            raise CloudflareError('%s %s: not sent: %s' % (method, path, exc), method=method, path=path) from None
        response = None
        try:
            deadline = time.monotonic() + self.timeout
            response = self.session.request(
                method,
                self.base_url + path,
                params=params,
                json=body,
                timeout=self.timeout,
                verify=self.verify,
                proxies=self.proxies,
                allow_redirects=False,
                stream=True,
            )
            return response.status_code, response.headers, self._read_body(method, path, response, deadline)
        except requests.exceptions.SSLError:
            # Not a passing fault: the same certificate would be refused again.
            raise CloudflareError(
                '%s %s: the TLS certificate of %s could not be verified: give the CA bundle that signed it in ca_path '
                '(a private endpoint or a TLS-inspecting proxy), or validate_certs=false for a local test endpoint only' % (method, path, self.base_url),
                method=method,
                path=path,
            ) from None
        except (requests.ConnectionError, requests.Timeout, urllib3.exceptions.HTTPError) as exc:
            raise _Lost(exc.__class__.__name__) from None
        except (requests.RequestException, ValueError) as exc:
            # Only the class: requests quotes what it refused (a header value may be a credential).
            raise CloudflareError('%s %s: the call could not be made (%s)' % (method, path, exc.__class__.__name__), method=method, path=path) from None
        finally:
            if response is None:
                self.ledger.release(sent_at)
            else:
                response.close()
                self.ledger.release(sent_at, response.headers, response.status_code)

    @staticmethod
    def _read_body(method: str, path: str, response: requests.Response, deadline: float) -> bytes:
        raw = response.raw
        # read1 returns what one read of the socket gave, so the deadline is checked between reads (urllib3 2).
        read = getattr(raw, 'read1', None) or raw.read
        chunks: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() > deadline:
                raise _Lost('the answer was not complete within the timeout')
            chunk = read(READ_CHUNK_BYTES, decode_content=True)
            if not chunk:
                return b''.join(chunks)
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise CloudflareError(
                    '%s %s: the answer is larger than %d MiB, which no answer of the API is: check base_url' % (method, path, MAX_BODY_BYTES // 1048576),
                    method=method,
                    path=path,
                    status=response.status_code,
                )
            chunks.append(chunk)

    def _unwrap(self, method: str, path: str, status: int, headers: Mapping[str, str], content: bytes, attempt: int) -> tuple[Any, Any]:
        cf_ray = headers.get('cf-ray')
        retried = ' after %d attempts' % attempt if attempt > 1 else ''
        if 300 <= status < 400:
            target = urllib3.util.parse_url(urljoin(self.base_url + path, headers.get('Location') or '')).host
            raise CloudflareError(
                '%s %s: HTTP %d, a redirect to %s, which is not followed (it could carry the credentials elsewhere): set base_url '
                'to the API\'s own address' % (method, path, status, target or 'nowhere'),
                method=method,
                path=path,
                status=status,
                cf_ray=cf_ray,
            )
        try:
            payload = json.loads(content.decode('utf-8'))
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise CloudflareError(
                '%s %s%s: HTTP %s with a body that is not a Cloudflare API response' % (method, path, retried, status),
                method=method,
                path=path,
                status=status,
                cf_ray=cf_ray,
            )
        errors: list[Any] = payload['errors'] if isinstance(payload.get('errors'), list) else []
        if status >= 400 or payload.get('success') is False:
            hint = STATUS_HINTS.get(status)
            if status == 404 and any(isinstance(error, dict) and error.get('code') == NO_ROUTE for error in errors):
                # Every path is built here from checked ids: no route means the base URL is not the API's.
                hint = 'no such route at %s%s: check base_url, which for Cloudflare is %s' % (self.base_url, path, DEFAULT_BASE_URL)
            raise CloudflareError(
                '%s %s failed%s: HTTP %s%s' % (method, path, retried, status, ' (%s)' % hint if hint else ''),
                method=method,
                path=path,
                status=status,
                errors=errors,
                cf_ray=cf_ray,
            )
        return payload.get('result'), payload.get('result_info')

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request('GET', path, params=params)[0]

    def pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[tuple[Any, dict[str, Any]]]:
        """(result, result_info) of each page of a list, following result_info while it says there are more."""
        params = dict(params or {})
        page = int(params.get('page') or 1)
        while True:
            result, info = self.request('GET', path, params=params)
            info = info if isinstance(info, dict) else {}
            yield result, info
            total_pages = info.get('total_pages')
            if total_pages is None and info.get('total_count') is not None and info.get('per_page'):
                total_pages = -(-info['total_count'] // info['per_page'])
            if not result or not isinstance(total_pages, int) or page >= total_pages or page >= MAX_PAGES:
                return
            page += 1
            params['page'] = page

    def get_all(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """GET a list, every page of it."""
        items: list[dict[str, Any]] = []
        for result, _info in self.pages(path, params):
            items.extend(result or [])
        return items
