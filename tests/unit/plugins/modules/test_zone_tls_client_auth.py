# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""zone_tls_client_auth: one read, and one PATCH only when the setting differs."""

import pytest

from ansible_collections.aop.cloudflare.plugins.module_utils._rules import endpoint_problem
from ansible_collections.aop.cloudflare.plugins.modules import zone_tls_client_auth
from ansible_collections.aop.cloudflare.tests.unit.plugins.fake_cloudflare import (
    API_TOKEN,
    CF_RAY,
    TLS_CLIENT_AUTH,
    ZONE_ID,
    ZONE_NAME,
    fail,
    ok,
    text,
)

ARGS = {'api_token': API_TOKEN, 'zone_id': ZONE_ID}


def setting(value, editable=True, modified_on='2026-01-01T00:00:00.000000Z'):
    return {'id': 'tls_client_auth', 'value': value, 'editable': editable, 'modified_on': modified_on}


def test_off_to_on(cloudflare, run_module):
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(setting('off')))
    cloudflare.route('PATCH', TLS_CLIENT_AUTH, ok(setting('on', modified_on='2026-11-27T08:10:00.123456Z')))

    result = run_module(zone_tls_client_auth, dict(ARGS, enabled=True), diff=True)

    assert cloudflare.sent == ['GET ' + TLS_CLIENT_AUTH, 'PATCH ' + TLS_CLIENT_AUTH]
    assert cloudflare.writes == [('PATCH ' + TLS_CLIENT_AUTH, {'value': 'on'})]
    assert result['changed'] is True
    assert result['setting'] == setting('on', modified_on='2026-11-27T08:10:00.123456Z')
    assert result['diff'] == {'before': {'value': 'off'}, 'after': {'value': 'on'}}
    assert result['zone_id'] == ZONE_ID
    result.assert_no_secret()


def test_on_to_off(cloudflare, run_module):
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(setting('on')))
    cloudflare.route('PATCH', TLS_CLIENT_AUTH, ok(setting('off')))

    result = run_module(zone_tls_client_auth, dict(ARGS, enabled=False))

    assert cloudflare.writes == [('PATCH ' + TLS_CLIENT_AUTH, {'value': 'off'})]
    assert result['changed'] is True and result['setting']['value'] == 'off'


@pytest.mark.parametrize('enabled, value', [(True, 'on'), (False, 'off')])
def test_already_as_wanted_is_one_read_and_no_change(cloudflare, run_module, enabled, value):
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(setting(value)))

    result = run_module(zone_tls_client_auth, dict(ARGS, enabled=enabled), diff=True)

    assert cloudflare.sent == ['GET ' + TLS_CLIENT_AUTH]
    assert result['changed'] is False and result['setting'] == setting(value)
    assert result['diff'] == {'before': {'value': value}, 'after': {'value': value}}


def test_check_mode_predicts_the_real_result(cloudflare, run_module):
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(setting('off')))
    cloudflare.route('PATCH', TLS_CLIENT_AUTH, ok(setting('on', modified_on='2026-11-27T08:10:00.123456Z')))

    predicted = run_module(zone_tls_client_auth, dict(ARGS, enabled=True), check_mode=True, diff=True)
    assert cloudflare.sent == ['GET ' + TLS_CLIENT_AUTH]
    real = run_module(zone_tls_client_auth, dict(ARGS, enabled=True), diff=True)

    assert predicted['changed'] is real['changed'] is True
    # modified_on is documented to keep its current value in check mode: only Cloudflare knows the new one.
    assert predicted['setting'] == dict(real['setting'], modified_on='2026-01-01T00:00:00.000000Z')
    assert predicted['diff'] == real['diff']


def test_a_zone_that_cannot_change_it_fails_without_writing(cloudflare, run_module):
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(setting('off', editable=False)))

    result = run_module(zone_tls_client_auth, dict(ARGS, enabled=True))

    assert cloudflare.sent == ['GET ' + TLS_CLIENT_AUTH]
    assert result.failed
    assert result['msg'] == ('tls_client_auth is not editable on this zone (its plan does not allow it): leave it as it is (off) or change the plan')


def test_zone_by_name(cloudflare, run_module):
    cloudflare.route('GET', '/zones', ok([{'id': ZONE_ID, 'name': ZONE_NAME, 'status': 'active'}]))
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(setting('on')))

    result = run_module(zone_tls_client_auth, {'api_token': API_TOKEN, 'zone': ZONE_NAME, 'enabled': True})

    assert cloudflare.sent == ['GET /zones?name=example.com', 'GET ' + TLS_CLIENT_AUTH]
    assert result['zone_id'] == ZONE_ID


def test_zone_and_zone_id_are_exclusive_and_one_is_required(cloudflare, run_module):
    both = run_module(zone_tls_client_auth, dict(ARGS, zone=ZONE_NAME, enabled=True))
    neither = run_module(zone_tls_client_auth, {'api_token': API_TOKEN, 'enabled': True})

    assert cloudflare.calls == []
    assert both.failed and 'mutually exclusive: zone_id|zone' in both['msg']
    assert neither.failed and 'one of the following is required: zone_id, zone' in neither['msg']


@pytest.mark.parametrize(
    'status, code, message, hint',
    [
        (401, 10000, 'Authentication error', 'check the API token'),
        (403, 9109, 'Unauthorized to access requested resource', '"Zone Settings: Edit"'),
        (404, 1001, 'Invalid zone identifier', 'check the zone'),
    ],
)
def test_api_errors_carry_codes_hint_and_cf_ray(cloudflare, run_module, status, code, message, hint):
    cloudflare.route('GET', TLS_CLIENT_AUTH, fail(status, (code, message)))

    result = run_module(zone_tls_client_auth, dict(ARGS, enabled=True))

    assert result.failed
    assert hint in result['msg'] and 'Cloudflare error %d: %s' % (code, message) in result['msg']
    assert 'HTTP %d' % status in result['msg'] and CF_RAY in result['msg']
    assert result['api_error']['errors'] == [{'code': code, 'message': message}]
    assert result['api_error']['cf_ray'] == CF_RAY
    result.assert_no_secret()


def test_a_busy_api_is_retried_and_the_patch_sent_once(cloudflare, run_module, sleeps):
    cloudflare.route('GET', TLS_CLIENT_AUTH, text(503, '<html>503</html>'), ok(setting('off')))
    cloudflare.route('PATCH', TLS_CLIENT_AUTH, fail(429, (10000, 'Rate limited'), headers={'Retry-After': '9'}), ok(setting('on')))

    result = run_module(zone_tls_client_auth, dict(ARGS, enabled=True))

    assert cloudflare.sent == ['GET ' + TLS_CLIENT_AUTH] * 2 + ['PATCH ' + TLS_CLIENT_AUTH] * 2
    assert len(sleeps) == 2 and 1.0 <= sleeps[0] <= 1.25 and sleeps[1] == 9.0
    assert result['changed'] is True


def test_the_rate_limit_pause_is_taken_before_the_next_call(cloudflare, run_module, sleeps):
    spent = ok(setting('off'), headers={'Ratelimit': '"default";r=0;t=7'})
    cloudflare.route('GET', TLS_CLIENT_AUTH, spent)
    cloudflare.route('PATCH', TLS_CLIENT_AUTH, ok(setting('on')))

    run_module(zone_tls_client_auth, dict(ARGS, enabled=True))

    assert cloudflare.sent == ['GET ' + TLS_CLIENT_AUTH, 'PATCH ' + TLS_CLIENT_AUTH]
    assert sleeps == [8.0], 'the whole reset time, plus a second because Cloudflare rounds it'


def test_retries_exhausted_say_how_many_attempts_were_made(cloudflare, run_module, sleeps):
    cloudflare.route('GET', TLS_CLIENT_AUTH, fail(503, (10001, 'Service unavailable')))

    result = run_module(zone_tls_client_auth, dict(ARGS, enabled=True))

    assert cloudflare.sent == ['GET ' + TLS_CLIENT_AUTH] * 6
    assert len(sleeps) == 5
    assert result.failed
    assert result['msg'] == ('GET %s failed after 6 attempts: HTTP 503; Cloudflare error 10001: Service unavailable; cf-ray %s' % (TLS_CLIENT_AUTH, CF_RAY))


@pytest.mark.parametrize(
    'args, message',
    [
        ({'zone_id': '../../accounts'}, "zone_id: '../../accounts' is not a zone id (32 hexadecimal characters"),
        ({'zone_id': ZONE_ID + '?x=1'}, 'is not a zone id'),
        ({'zone': 'example.com/../x'}, "zone: 'example.com/../x' is not a zone name"),
        ({'zone_id': ZONE_ID, 'base_url': 'api.cloudflare.com/client/v4'}, "base_url: 'api.cloudflare.com/client/v4' is not an http(s) URL"),
        (
            {'zone_id': ZONE_ID, 'base_url': 'http://api.example.net/client/v4'},
            'base_url: http://api.example.net/client/v4 is plain HTTP to another machine, which would send the API credentials',
        ),
        ({'zone_id': ZONE_ID, 'timeout': 0}, 'timeout must be a whole number, 1 or more (seconds to wait for each answer); it is 0'),
    ],
    ids=['zone-id-path', 'zone-id-query', 'zone-name-path', 'no-scheme', 'plain-http', 'zero-timeout'],
)
def test_identifiers_and_endpoints_that_would_leave_the_api_are_refused_before_any_call(cloudflare, run_module, args, message):
    result = run_module(zone_tls_client_auth, dict({'api_token': API_TOKEN, 'enabled': True}, **args))

    assert cloudflare.calls == []
    assert result.failed and message in result['msg']
    result.assert_no_secret()


@pytest.mark.parametrize(
    'base_url, allow',
    [
        ('http://127.0.0.1:8080/client/v4', False),
        ('http://[::1]/client/v4', False),
        ('http://localhost/client/v4', False),
        ('http://proxy.internal/client/v4', True),
        ('https://api.cloudflare.com/client/v4', False),
    ],
)
def test_plain_http_is_allowed_to_loopback_or_when_asked(base_url, allow):
    assert endpoint_problem(base_url, allow) is None


@pytest.mark.usefixtures('cloudflare')
def test_an_unexpected_failure_is_reported_by_its_class_and_frames_never_its_text(run_module, monkeypatch):
    """The last guard of run(): an exception's text may quote a header or a key, so only its class is shown."""

    def broken(_self):
        raise RuntimeError('Bearer %s' % API_TOKEN)

    monkeypatch.setattr(zone_tls_client_auth.ZoneTlsClientAuth, 'apply', broken)

    result = run_module(zone_tls_client_auth, dict(ARGS, enabled=True))

    assert result.failed and result['msg'] == (
        'aop.cloudflare failed unexpectedly (RuntimeError): please report it, with where it happened (run again with ANSIBLE_DISPLAY_TRACEBACK=error)'
    )
    assert 'Bearer' not in result.printed
    result.assert_no_secret()


@pytest.mark.parametrize('zone_id', [ZONE_ID + '\n', ' ' + ZONE_ID, ZONE_ID.upper() + 'x'])
def test_a_zone_id_with_anything_around_it_is_refused_before_any_call(cloudflare, run_module, zone_id):
    result = run_module(zone_tls_client_auth, {'api_token': API_TOKEN, 'zone_id': zone_id, 'enabled': True})

    assert result.failed and result['msg'].startswith('zone_id: %r is not a zone id (32 hexadecimal characters' % zone_id)
    assert cloudflare.calls == []


def test_the_result_says_what_the_rate_limit_cost(cloudflare, run_module):
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(setting('on')))

    result = run_module(zone_tls_client_auth, dict(ARGS, enabled=True))

    assert result['rate_limit'] == {'calls': 1, 'waited_seconds': 0.0}
    assert 'warnings' not in result


def test_a_run_paced_for_more_than_ten_seconds_says_so(cloudflare, run_module, sleeps):
    """A spent budget (Ratelimit r at the reserve) holds the next call back until the window's end, 30 s here."""
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(setting('off'), headers={'Ratelimit': '"default";r=10;t=30'}))
    cloudflare.route('PATCH', TLS_CLIENT_AUTH, ok(setting('on')))

    result = run_module(zone_tls_client_auth, dict(ARGS, enabled=True))

    assert not result.failed and result['rate_limit']['calls'] == 2
    assert result['rate_limit']['waited_seconds'] >= 30 and sum(sleeps) >= 30
    assert "waited %d s for Cloudflare's rate limit (1,200 calls per 5 minutes per user" % result['rate_limit']['waited_seconds'] in str(result['warnings'])
