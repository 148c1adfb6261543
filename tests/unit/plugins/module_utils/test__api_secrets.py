# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What an attacker or a careless user tries on the transport: credentials with a newline, redirects, proxies, .netrc,
URLs that parsers read differently, trickled and oversized answers, and exceptions that quote what they refused."""

import json

import pytest
import requests

from ansible_collections.aop.cloudflare.plugins.module_utils import _api
from ansible_collections.aop.cloudflare.plugins.module_utils._api import CloudflareClient
from ansible_collections.aop.cloudflare.plugins.module_utils._errors import CloudflareError, InputError
from ansible_collections.aop.cloudflare.plugins.module_utils._rules import endpoint_problem
from ansible_collections.aop.cloudflare.tests.unit.plugins.fake_cloudflare import API_TOKEN, TLS_CLIENT_AUTH, ok, redirect, trickle

SETTING = {'id': 'tls_client_auth', 'value': 'on', 'editable': True, 'modified_on': None}


def client_of(**given):
    return CloudflareClient(sleep=lambda _seconds: None, **dict({'api_token': API_TOKEN}, **given))


@pytest.mark.parametrize('given', [API_TOKEN + '\n', API_TOKEN + '\r\n', '  %s  \n' % API_TOKEN])
def test_a_token_read_from_a_file_or_block_scalar_loses_its_final_newline(cloudflare, given):
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(SETTING))

    client_of(api_token=given).get(TLS_CLIENT_AUTH)

    assert cloudflare.calls[0].headers['Authorization'] == 'Bearer ' + API_TOKEN


@pytest.mark.parametrize('name', ['api_token', 'api_key'])
@pytest.mark.parametrize('inside', ['\n', ' ', '\t', '\x00', '\u00e9'])
def test_a_credential_with_a_break_inside_is_refused_without_being_quoted(cloudflare, name, inside):
    secret = 'secret-part-one' + inside + 'secret-part-two'
    given = {name: secret, 'api_email': 'ops@example.com'} if name == 'api_key' else {name: secret}

    with pytest.raises(InputError) as error:
        CloudflareClient(sleep=lambda _seconds: None, **dict({'api_token': None}, **given))

    assert str(error.value).startswith('%s holds a space, a line break or another character no Cloudflare credential has' % name)
    assert 'secret-part' not in str(error.value)
    assert cloudflare.calls == []


@pytest.mark.parametrize('status', [301, 302, 303, 307, 308])
@pytest.mark.parametrize('method', ['GET', 'POST'])
def test_a_redirect_is_not_followed_and_names_the_status_and_the_target_host(cloudflare, status, method):
    cloudflare.route(method, TLS_CLIENT_AUTH, redirect(status, 'http://collector.example.net:8443/steal'))

    with pytest.raises(CloudflareError) as error:
        client_of().request(method, TLS_CLIENT_AUTH, body={'private_key': 'never sent twice'})

    assert len(cloudflare.calls) == 1, 'not followed'
    assert str(error.value).startswith('%s %s: HTTP %d, a redirect to collector.example.net, which is not followed' % (method, TLS_CLIENT_AUTH, status))


def test_the_proxy_of_the_environment_carries_calls_to_cloudflare_and_never_to_loopback(monkeypatch):
    monkeypatch.setenv('HTTPS_PROXY', 'http://proxy.corp.example:3128')
    monkeypatch.setenv('HTTP_PROXY', 'http://proxy.corp.example:3128')
    monkeypatch.delenv('NO_PROXY', raising=False)
    monkeypatch.delenv('no_proxy', raising=False)

    assert client_of().proxies['https'] == 'http://proxy.corp.example:3128'
    for loopback in ('http://127.0.0.1:8080/client/v4', 'http://localhost:8080/client/v4', 'http://[::1]:8080/client/v4'):
        assert client_of(base_url=loopback).proxies == {}, loopback


def test_the_proxy_chosen_is_the_one_used(cloudflare, monkeypatch):
    monkeypatch.setenv('HTTPS_PROXY', 'http://proxy.corp.example:3128')
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(SETTING))

    client_of().get(TLS_CLIENT_AUTH)

    assert cloudflare.calls[0].proxies['https'] == 'http://proxy.corp.example:3128'


def test_a_netrc_never_replaces_the_token(cloudflare, monkeypatch, tmp_path):
    (tmp_path / '.netrc').write_text('machine api.cloudflare.com login someone password other-secret\n')
    (tmp_path / '.netrc').chmod(0o600)
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.setenv('NETRC', str(tmp_path / '.netrc'))
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(SETTING))

    client_of().get(TLS_CLIENT_AUTH)

    assert cloudflare.calls[0].headers['Authorization'] == 'Bearer ' + API_TOKEN


@pytest.mark.parametrize(
    'url',
    [
        'http://192.0.2.2:43939\\@127.0.0.1/client/v4',
        'http://user:pass@127.0.0.1/client/v4',
        'https://api.cloudflare.com/client/v4?x=1',
        'https://api.cloudflare.com/client/v4#x',
        'https://api.cloudflare.com /client/v4',
        'https://api.cloudflare.com/client/v4\n',
    ],
)
def test_a_base_url_another_parser_could_read_otherwise_is_refused(url):
    assert str(endpoint_problem(url, False)).startswith("base_url: %r is not a plain http(s) URL: give scheme, host, optional port and path only" % url)


def test_a_trickled_answer_ends_at_the_call_s_deadline_and_is_retried_as_lost(cloudflare, monkeypatch):
    """requests' timeout is per read: a server sending a byte per read would hold a call for ever without a deadline."""
    ticks = iter(range(0, 100000, 3))
    monkeypatch.setattr(_api.time, 'monotonic', lambda: float(next(ticks)))
    body = json.dumps({'success': True, 'errors': [], 'messages': [], 'result': SETTING})
    cloudflare.route('GET', TLS_CLIENT_AUTH, *[trickle(200, body) for _attempt in range(6)])

    with pytest.raises(CloudflareError) as error:
        client_of(timeout=10).get(TLS_CLIENT_AUTH)

    assert str(error.value) == 'GET %s: no response from %s after 6 attempt(s) (the answer was not complete within the timeout)' % (
        TLS_CLIENT_AUTH,
        _api.DEFAULT_BASE_URL,
    )
    assert len(cloudflare.calls) == 6


def test_an_answer_larger_than_any_answer_of_the_api_is_refused_unread(cloudflare, monkeypatch):
    monkeypatch.setattr(_api, 'MAX_BODY_BYTES', 1024)
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok({'padding': 'x' * 4096}))

    with pytest.raises(CloudflareError) as error:
        client_of().get(TLS_CLIENT_AUTH)

    assert str(error.value).startswith('GET %s: the answer is larger than' % TLS_CLIENT_AUTH)


@pytest.mark.parametrize(
    'raised',
    [
        requests.exceptions.InvalidHeader(
            "Invalid leading whitespace, reserved character(s), or return character(s) in header value: 'Bearer secret-value\\n'"
        ),
        requests.exceptions.InvalidURL('Failed to parse: secret-value'),
        ValueError('secret-value'),
        requests.exceptions.ChunkedEncodingError('secret-value'),
    ],
)
def test_an_exception_of_requests_is_reported_by_its_class_never_its_text(cloudflare, raised):
    cloudflare.route('GET', TLS_CLIENT_AUTH, raised)

    with pytest.raises(CloudflareError) as error:
        client_of().request('GET', TLS_CLIENT_AUTH, retry=False)

    assert 'secret-value' not in str(error.value)
    assert error.value.__cause__ is None and error.value.__suppress_context__, 'not chained: a traceback would show the text'
    assert str(error.value) == 'GET %s: the call could not be made (%s)' % (TLS_CLIENT_AUTH, raised.__class__.__name__)
    assert 'secret-value' not in repr(error.value.to_dict())
