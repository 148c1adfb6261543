# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one HTTP client of this collection for Cloudflare's API v4 (private: not a public interface)."""

import email.utils
import random
import re
import threading
import time
import traceback

REQUESTS_IMPORT_ERROR = None
try:
    import requests
except ImportError:
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

DEFAULT_BASE_URL = 'https://api.cloudflare.com/client/v4'
USER_AGENT = 'aop.cloudflare-ansible'

# Only verbs whose repetition cannot create a second object are retried; a POST is re-checked by its caller.
IDEMPOTENT_METHODS = frozenset(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'])
RETRY_STATUSES = frozenset([429, 502, 503, 504])
MAX_RETRIES = 5
BACKOFF_BASE_SECONDS = 1.0
MAX_DELAY_SECONDS = 60.0
# Cloudflare's budget refills over a 5-minute window; a shorter pause would run into its 5-minute block.
MAX_RATELIMIT_PAUSE_SECONDS = 300.0
# Calls kept in hand when pausing: modules read with a few threads, whose calls in flight must not overrun the budget.
RATELIMIT_RESERVE = 10
# A list that never ends (a broken result_info) must not loop forever.
MAX_PAGES = 1000

_RATELIMIT_FIELD = re.compile(r';\s*([a-z]+)=(\d+)')

# What to do about the failures a user can fix, said once for every module.
STATUS_HINTS = {
    401: 'the credentials were refused: check api_token, or api_key with api_email',
    403: 'the credentials lack a permission: the API token needs "SSL and Certificates: Edit" and '
         '"Zone Settings: Edit" on this zone',
    404: 'not found: check zone_id (or zone) and the ids given, and that the API token may read this zone',
    429: 'Cloudflare\'s rate limit (1,200 calls per 5 minutes) was exceeded: wait 5 minutes and run again',
}


class CloudflareError(Exception):
    """A failed API call, with what Cloudflare said about it. Never carries request bodies or credentials."""

    def __init__(self, message, method=None, path=None, status=None, errors=None, cf_ray=None):
        super(CloudflareError, self).__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.errors = errors or []
        self.cf_ray = cf_ray

    @property
    def codes(self):
        return [error.get('code') for error in self.errors if isinstance(error, dict)]

    def has_code(self, *codes):
        return any(code in self.codes for code in codes)

    def to_dict(self):
        return {
            'method': self.method,
            'path': self.path,
            'status': self.status,
            'errors': self.errors,
            'cf_ray': self.cf_ray,
        }

    def __str__(self):
        parts = [self.message]
        for error in self.errors:
            if isinstance(error, dict):
                parts.append('Cloudflare error %s: %s' % (error.get('code'), error.get('message')))
        if self.cf_ray:
            parts.append('cf-ray %s' % self.cf_ray)
        return '; '.join(parts)


def _retry_after_seconds(response):
    """Seconds the server asked us to wait, from Retry-After (seconds or an HTTP date), or None."""
    value = response.headers.get('Retry-After')
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _ratelimit_pause(response):
    """Seconds to pause before the next call so that the budget is never exceeded (Cloudflare blocks for 5 minutes)."""
    fields = dict(_RATELIMIT_FIELD.findall(response.headers.get('Ratelimit', '')))
    if 'r' in fields and 't' in fields and int(fields['r']) <= RATELIMIT_RESERVE:
        return min(float(fields['t']), MAX_RATELIMIT_PAUSE_SECONDS)
    return 0.0


class CloudflareClient(object):
    """Authenticated session on the API: envelope, errors, retries, pagination and zone lookup, in one place."""

    def __init__(self, api_token=None, api_key=None, api_email=None, base_url=DEFAULT_BASE_URL, timeout=30,
                 validate_certs=True, max_retries=MAX_RETRIES, sleep=time.sleep):
        if api_token:
            headers = {'Authorization': 'Bearer %s' % api_token}
        elif api_key and api_email:
            headers = {'X-Auth-Key': api_key, 'X-Auth-Email': api_email}
        else:
            raise ValueError('Set api_token (or CLOUDFLARE_API_TOKEN), or both api_key and api_email '
                             '(or CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL).')
        self.base_url = base_url.rstrip('/')
        self.timeout = timeout
        self.max_retries = max_retries
        self.sleep = sleep
        self.session = requests.Session()
        self.session.verify = validate_certs
        self.session.headers.update(headers)
        self.session.headers['User-Agent'] = USER_AGENT
        self._pause = 0.0
        self._pause_lock = threading.Lock()

    def request(self, method, path, params=None, body=None, retry=None):
        """Send one call and return (result, result_info); raise CloudflareError on any failure.

        retry defaults to True for idempotent verbs only: a POST that failed ambiguously may have been applied.
        """
        if retry is None:
            retry = method in IDEMPOTENT_METHODS
        attempt = 0
        while True:
            attempt += 1
            delay = None
            try:
                response = self._send(method, path, params, body)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if not retry or attempt > self.max_retries:
                    raise CloudflareError(
                        '%s %s: no response from %s after %d attempt(s) (%s)' % (
                            method, path, self.base_url, attempt, exc.__class__.__name__),
                        method=method, path=path)
            else:
                if response.status_code not in RETRY_STATUSES or not retry or attempt > self.max_retries:
                    return self._unwrap(method, path, response, attempt)
                delay = _retry_after_seconds(response)
            if delay is None:
                delay = BACKOFF_BASE_SECONDS * (2 ** (attempt - 1)) * (1 + random.random() / 4)
            # This wait also covers the rate-limit pause the same answer asked for: wait once, the longer of the two.
            delay, self._pause = max(min(delay, MAX_DELAY_SECONDS), self._pause), 0.0
            self.sleep(delay)

    def _send(self, method, path, params, body):
        # Under the lock, so that threads sharing this client all hold back while the budget refills.
        with self._pause_lock:
            if self._pause:
                self.sleep(self._pause)
                self._pause = 0.0
        response = self.session.request(method, self.base_url + path, params=params, json=body, timeout=self.timeout)
        # Only ever raised here: a thread whose answer left the server earlier must not cancel a pause another asked for.
        self._pause = max(self._pause, _ratelimit_pause(response))
        return response

    @staticmethod
    def _unwrap(method, path, response, attempt):
        cf_ray = response.headers.get('cf-ray')
        try:
            payload = response.json()
        except ValueError:
            payload = None
        retried = ' after %d attempts' % attempt if attempt > 1 else ''
        if not isinstance(payload, dict):
            raise CloudflareError(
                '%s %s%s: HTTP %s with a body that is not a Cloudflare API response' % (method, path, retried, response.status_code),
                method=method, path=path, status=response.status_code, cf_ray=cf_ray)
        if response.status_code >= 400 or payload.get('success') is False:
            hint = STATUS_HINTS.get(response.status_code)
            raise CloudflareError(
                '%s %s failed%s: HTTP %s%s' % (method, path, retried, response.status_code, ' (%s)' % hint if hint else ''),
                method=method, path=path, status=response.status_code,
                errors=payload.get('errors') or [], cf_ray=cf_ray)
        return payload.get('result'), payload.get('result_info')

    def get(self, path, params=None):
        return self.request('GET', path, params=params)[0]

    def get_all(self, path, params=None):
        """GET a list, following result_info pages if the API ever gives more than one."""
        params = dict(params or {})
        items, page = [], 1
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

    def zone_id(self, name):
        """Resolve a zone name to its id."""
        name = name.strip().lower().rstrip('.')
        zones = [zone for zone in self.get_all('/zones', {'name': name}) if (zone.get('name') or '').lower() == name]
        if len(zones) != 1:
            raise CloudflareError(
                'zone %r was not found (%d matches): check the name, or that the API token may read this zone, '
                'or give zone_id instead' % (name, len(zones)), method='GET', path='/zones')
        return zones[0]['id']
