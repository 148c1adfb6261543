# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cloudflare's API faked at the transport: a requests adapter that answers scripted replies and records every call.

Everything above the adapter is real: the session, its headers, JSON encoding, the client's envelope handling,
retries and pagination. A test scripts replies per route and then asserts the exact calls that were made.
"""

import collections
import io
import json
import os
import threading

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3.response import HTTPResponse

BASE_URL = 'https://api.cloudflare.com/client/v4'
ZONE_ID = '023e105f4ecef8ad9ca31a8372d0c353'
ZONE_NAME = 'example.com'
CF_RAY = '8f1e2d3c4b5a6978-AMS'
API_TOKEN = 'unit-test-token-5f0c8a1e9b7d4c3a2e1f0d9c8b7a6e5f'

CERTIFICATES = '/zones/%s/origin_tls_client_auth/hostnames/certificates' % ZONE_ID
HOSTNAMES = '/zones/%s/origin_tls_client_auth/hostnames' % ZONE_ID
TLS_CLIENT_AUTH = '/zones/%s/settings/tls_client_auth' % ZONE_ID
CERT_ID = '2458ce5a-0c35-4c7f-82c7-8e9487d3ff60'
OTHER_CERT_ID = 'a8f1b3c2d4e5f60718293a4b5c6d7e8f'

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')

# What Cloudflare sends with every answer; a healthy rate-limit budget unless a test says otherwise.
DEFAULT_HEADERS = {
    'Content-Type': 'application/json',
    'cf-ray': CF_RAY,
    'Ratelimit': '"default";r=1199;t=300',
    'Ratelimit-Policy': '"default";q=1200;w=300',
}

Call = collections.namedtuple('Call', 'method path query body headers verify proxies')
Reply = collections.namedtuple('Reply', 'status body headers')


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding='utf-8') as handle:
        return json.load(handle)


def ok(result, result_info=None, headers=None):
    """A successful API answer in Cloudflare's envelope."""
    body = {'success': True, 'errors': [], 'messages': [], 'result': result}
    if result_info is not None:
        body['result_info'] = result_info
    return Reply(200, json.dumps(body), headers or {})


def fail(status, *errors, **kwargs):
    """A failed API answer: errors are (code, message) pairs."""
    body = {'success': False, 'errors': [{'code': code, 'message': message} for code, message in errors], 'messages': [], 'result': None}
    return Reply(status, json.dumps(body), kwargs.get('headers') or {})


def text(status, body, headers=None):
    """An answer that is not Cloudflare's envelope, e.g. the HTML page of a proxy's 502."""
    return Reply(status, body, dict({'Content-Type': 'text/html'}, **(headers or {})))


def page(result, number, total_pages, per_page=None):
    """One page of a list, with the result_info Cloudflare sends."""
    per_page = per_page or max(len(result), 1)
    return ok(
        result,
        {'page': number, 'per_page': per_page, 'count': len(result), 'total_pages': total_pages, 'total_count': per_page * (total_pages - 1) + len(result)},
    )


def certificate_object(pair, cert_id=CERT_ID, status='active', pem=None):
    """A hostname client certificate in the 2026 shape of the API (the private key is never returned)."""
    return {
        'id': cert_id,
        'certificate': pem or pair.cert_pem,
        'issuer': pair.issuer,
        'serial_number': pair.serial_number,
        'signature': pair.signature,
        'expires_on': pair.expires_on,
        'status': status,
        'uploaded_on': '2026-11-27T08:00:00.123456Z',
    }


def association(hostname, cert_id=CERT_ID, enabled=True, status='active', pair=None):
    """A hostname association as GET/PUT .../hostnames return it."""
    item = {
        'hostname': hostname,
        'cert_id': cert_id,
        'enabled': enabled,
        'status': status,
        'cert_status': 'active',
        'issuer': pair.issuer if pair else 'CN=Test RSA CA,O=aop.cloudflare tests',
        'serial_number': pair.serial_number if pair else '6743787633689793699141714808227354901',
        'signature': pair.signature if pair else 'SHA256WithRSA',
        'expires_on': pair.expires_on if pair else '2100-01-01T05:20:00Z',
        'created_at': '2026-11-27T08:00:00.000000Z',
        'updated_at': '2026-11-27T08:00:00.000000Z',
        'cert_uploaded_on': '2026-11-27T08:00:00.000000Z',
        'cert_updated_at': '2026-11-27T08:00:00.000000Z',
    }
    if pair:
        item['certificate'] = pair.cert_pem
    return item


def not_found():
    """Cloudflare's answer to the GET of a hostname without an association (1553; 1551 is a certificate's)."""
    return fail(404, (1553, 'Hostname association not found'))


class Trickle(io.BytesIO):
    """A body that comes one byte per read, as a server trickling its answer sends it."""

    def read1(self, _size=-1):
        return super().read1(1)

    def read(self, _size=-1):
        return super().read(1)


def trickle(status, text, headers=None):
    return Reply(status, Trickle(text.encode('utf-8')), headers or {})


def redirect(status, location):
    return Reply(status, '', {'Location': location, 'Content-Type': 'text/html'})


class FakeCloudflare(BaseAdapter):
    """Answers each (method, path) with its scripted replies in order, repeating the last; records every call.

    A route's path may carry a query ('/zones?name=example.com&page=2') to answer only that exact query.
    A reply may be an exception instance (e.g. requests.ConnectionError()): it is raised, as a transport would.
    """

    def __init__(self):
        super().__init__()
        self.routes = {}
        self.calls = []
        self._lock = threading.Lock()
        self._builder = HTTPAdapter()

    def route(self, method, path, *replies):
        assert replies, 'a route needs at least one reply'
        self.routes[(method, path)] = list(replies)
        return self

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        assert request.url.startswith(BASE_URL + '/'), 'call outside the API: %s' % request.url
        target = request.url[len(BASE_URL) :]
        path, _sep, query = target.partition('?')
        body = json.loads(request.body) if request.body else None
        with self._lock:
            self.calls.append(Call(request.method, path, query, body, dict(request.headers), verify, proxies))
            replies = self.routes.get((request.method, target)) or self.routes.get((request.method, path))
            if replies is None:
                raise AssertionError('unexpected call: %s %s' % (request.method, target))
            reply = replies.pop(0) if len(replies) > 1 else replies[0]
        if isinstance(reply, Exception):
            raise reply
        raw = HTTPResponse(
            body=reply.body if isinstance(reply.body, Trickle) else io.BytesIO(reply.body.encode('utf-8')),
            headers=dict(DEFAULT_HEADERS, **reply.headers),
            status=reply.status,
            preload_content=False,
            decode_content=False,
        )
        return self._builder.build_response(request, raw)

    def close(self):
        self._builder.close()

    # --- what the tests assert ---------------------------------------------------------------------------------

    @property
    def sent(self):
        """Every call as 'METHOD /path[?query]', in order."""
        return ['%s %s%s' % (call.method, call.path, '?' + call.query if call.query else '') for call in self.calls]

    @property
    def writes(self):
        """Every call that is not a GET, as ('METHOD /path', body)."""
        return [('%s %s' % (call.method, call.path), call.body) for call in self.calls if call.method != 'GET']


def mount(monkeypatch):
    """Route every requests.Session of the process to a new FakeCloudflare, so no test can reach a network."""
    fake = FakeCloudflare()
    monkeypatch.setattr(requests.Session, 'get_adapter', lambda session, url: fake)
    return fake
