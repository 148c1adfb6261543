# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The HTTP client: auth, envelope, errors, retries, rate-limit pacing, pagination and zone lookup."""

import email.utils
import os
import threading
import time

import pytest
import requests

from ansible_collections.aop.cloudflare.plugins.module_utils._api import CloudflareClient
from ansible_collections.aop.cloudflare.plugins.module_utils._errors import CloudflareError, InputError
from ansible_collections.aop.cloudflare.plugins.module_utils._resources import lookup_zone_id
from ansible_collections.aop.cloudflare.tests.unit.plugins.fake_cloudflare import (
    API_TOKEN,
    BASE_URL,
    CF_RAY,
    TLS_CLIENT_AUTH,
    ZONE_ID,
    ZONE_NAME,
    fail,
    ok,
    page,
    text,
)

SETTING = {'id': 'tls_client_auth', 'value': 'on', 'editable': True, 'modified_on': None}
CERTS_PATH = '/zones/%s/origin_tls_client_auth/hostnames/certificates' % ZONE_ID


@pytest.fixture
def slept():
    return []


@pytest.fixture
def client(cloudflare, slept):  # pylint: disable=unused-argument
    return CloudflareClient(api_token=API_TOKEN, sleep=slept.append)


# --- auth and envelope -----------------------------------------------------------------------------------------


def no_sleep(seconds: float) -> None:
    """Pauses are not the subject of the tests that pass this: none is taken."""
    del seconds


def test_an_api_token_is_sent_as_a_bearer_token(cloudflare, client):
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(SETTING))

    assert client.get(TLS_CLIENT_AUTH) == SETTING

    headers = cloudflare.calls[0].headers
    assert headers['Authorization'] == 'Bearer ' + API_TOKEN
    assert 'X-Auth-Key' not in headers
    assert headers['User-Agent'] == 'aop.cloudflare-ansible'


def test_a_global_api_key_is_sent_with_its_email(cloudflare):
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(SETTING))

    CloudflareClient(api_key='global-key', api_email='ops@example.com', sleep=no_sleep).get(TLS_CLIENT_AUTH)

    headers = cloudflare.calls[0].headers
    assert (headers['X-Auth-Key'], headers['X-Auth-Email']) == ('global-key', 'ops@example.com')
    assert 'Authorization' not in headers


@pytest.mark.parametrize('credentials', [{}, {'api_key': 'global-key'}, {'api_email': 'ops@example.com'}])
def test_incomplete_credentials_are_refused_before_any_call(cloudflare, credentials):
    with pytest.raises(InputError, match='no Cloudflare credentials: set api_token .*or api_key with api_email|api_key needs api_email'):
        CloudflareClient(**credentials)
    assert cloudflare.calls == []


def test_base_url_may_end_with_a_slash(cloudflare):
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(SETTING))

    CloudflareClient(api_token=API_TOKEN, base_url=BASE_URL + '/', sleep=no_sleep).get(TLS_CLIENT_AUTH)

    assert cloudflare.sent == ['GET ' + TLS_CLIENT_AUTH]


def test_request_returns_result_and_result_info(cloudflare, client):
    info = {'page': 1, 'per_page': 20, 'count': 0, 'total_count': 0}
    cloudflare.route('GET', CERTS_PATH, ok([], info))

    assert client.request('GET', CERTS_PATH) == ([], info)


def test_writes_send_their_body_as_json(cloudflare, client):
    cloudflare.route('PATCH', TLS_CLIENT_AUTH, ok(SETTING))

    client.request('PATCH', TLS_CLIENT_AUTH, body={'value': 'on'})

    assert cloudflare.writes == [('PATCH ' + TLS_CLIENT_AUTH, {'value': 'on'})]
    assert cloudflare.calls[0].headers['Content-Type'] == 'application/json'


# --- errors ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'status, code, message, hint',
    [
        (401, 10000, 'Authentication error', 'the credentials were refused: check the API token, or the API key and its e-mail'),
        (403, 9109, 'Unauthorized to access requested resource', 'the API token needs "SSL and Certificates: Edit"'),
        (
            404,
            7003,
            'Could not route to /zones/x/settings, perhaps your object identifier is invalid?',
            'no such route at %s%s: check base_url, which for Cloudflare is https://api.cloudflare.com/client/v4' % (BASE_URL, TLS_CLIENT_AUTH),
        ),
    ],
)
def test_http_errors_carry_codes_messages_hint_and_cf_ray(cloudflare, client, status, code, message, hint):
    cloudflare.route('GET', TLS_CLIENT_AUTH, fail(status, (code, message)))

    with pytest.raises(CloudflareError) as error:
        client.get(TLS_CLIENT_AUTH)

    text_ = str(error.value)
    assert text_.startswith('GET %s failed: HTTP %d (' % (TLS_CLIENT_AUTH, status))
    assert hint in text_
    # Said to users of the modules and of the role alike, whose options and variables have other names.
    assert not [name for name in ('api_token', 'api_key', 'api_email', 'zone_id') if name in text_]
    assert 'Cloudflare error %d: %s' % (code, message) in text_
    assert text_.endswith('cf-ray ' + CF_RAY)
    assert error.value.codes == [code]
    assert error.value.to_dict() == {
        'method': 'GET',
        'path': TLS_CLIENT_AUTH,
        'status': status,
        'errors': [{'code': code, 'message': message}],
        'cf_ray': CF_RAY,
    }
    assert API_TOKEN not in text_ and API_TOKEN not in repr(error.value.to_dict())
    assert len(cloudflare.calls) == 1, 'a client error is not retried'


def test_success_false_is_an_error_even_with_http_200(cloudflare, client):
    cloudflare.route('PATCH', TLS_CLIENT_AUTH, fail(200, (1015, 'Unsupported plan')))

    with pytest.raises(CloudflareError, match='HTTP 200; Cloudflare error 1015: Unsupported plan') as error:
        client.request('PATCH', TLS_CLIENT_AUTH, body={'value': 'on'})
    assert error.value.has_code(1015)


def test_a_body_that_is_not_an_api_response_is_reported_with_status_and_cf_ray(cloudflare, client):
    cloudflare.route('GET', TLS_CLIENT_AUTH, text(400, '<html>Bad request</html>'))

    with pytest.raises(CloudflareError) as error:
        client.get(TLS_CLIENT_AUTH)

    assert str(error.value) == ('GET %s: HTTP 400 with a body that is not a Cloudflare API response; cf-ray %s' % (TLS_CLIENT_AUTH, CF_RAY))


# --- retries ---------------------------------------------------------------------------------------------------


def test_429_waits_what_retry_after_says_then_retries(cloudflare, client, slept):
    # Cloudflare's 429 also says the budget is spent; the wait must not be taken twice.
    blocked = fail(429, (10000, 'Rate limited'), headers={'Retry-After': '17', 'Ratelimit': '"default";r=0;t=17'})
    cloudflare.route('GET', TLS_CLIENT_AUTH, blocked, ok(SETTING))

    assert client.get(TLS_CLIENT_AUTH) == SETTING

    assert slept == [17.0]
    assert cloudflare.sent == ['GET ' + TLS_CLIENT_AUTH] * 2


def test_a_429_holds_back_every_client_of_the_credential(cloudflare, client, slept):
    # Another module process, on the same ledger: it must not run into the block either.
    other = CloudflareClient(api_token=API_TOKEN, sleep=slept.append)
    blocked = fail(429, (10000, 'Rate limited'), headers={'Retry-After': '17'})
    cloudflare.route('GET', TLS_CLIENT_AUTH, blocked, ok(SETTING))

    with pytest.raises(CloudflareError):
        client.request('GET', TLS_CLIENT_AUTH, retry=False)
    other.get(TLS_CLIENT_AUTH)

    assert slept == [17.0]
    assert cloudflare.sent == ['GET ' + TLS_CLIENT_AUTH] * 2


def test_retry_after_as_an_http_date(cloudflare, client, slept):
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    cloudflare.route('GET', TLS_CLIENT_AUTH, fail(429, (10000, 'Rate limited'), headers={'Retry-After': when}), ok(SETTING))

    client.get(TLS_CLIENT_AUTH)

    assert len(slept) == 1 and 27 <= slept[0] <= 30


def test_retry_after_of_a_busy_server_is_capped_at_a_minute(cloudflare, client, slept):
    cloudflare.route('GET', TLS_CLIENT_AUTH, fail(503, (10001, 'Service unavailable'), headers={'Retry-After': '300'}), ok(SETTING))

    client.get(TLS_CLIENT_AUTH)

    assert slept == [60.0]


def test_retry_after_of_a_429_is_waited_in_full(cloudflare, client, slept):
    # Cloudflare blocks every call for 5 minutes: a retry before that only meets the block again.
    cloudflare.route('GET', TLS_CLIENT_AUTH, fail(429, (10000, 'Rate limited'), headers={'Retry-After': '300'}), ok(SETTING))

    client.get(TLS_CLIENT_AUTH)

    assert slept == [300.0]


@pytest.mark.parametrize('status', [502, 503, 504])
def test_a_gateway_error_is_retried_after_a_backoff(cloudflare, client, slept, status):
    cloudflare.route('GET', TLS_CLIENT_AUTH, text(status, '<html>%d</html>' % status), ok(SETTING))

    assert client.get(TLS_CLIENT_AUTH) == SETTING

    assert cloudflare.sent == ['GET ' + TLS_CLIENT_AUTH] * 2
    assert len(slept) == 1 and 1.0 <= slept[0] <= 1.25


@pytest.mark.parametrize('status', [400, 500])
def test_other_errors_are_not_retried(cloudflare, client, slept, status):
    cloudflare.route('GET', TLS_CLIENT_AUTH, fail(status, (1000, 'Nope')), ok(SETTING))

    with pytest.raises(CloudflareError):
        client.get(TLS_CLIENT_AUTH)
    assert len(cloudflare.calls) == 1 and slept == []


@pytest.mark.parametrize('method', ['PUT', 'PATCH', 'DELETE'])
def test_idempotent_writes_are_retried(cloudflare, client, method):
    cloudflare.route(method, TLS_CLIENT_AUTH, fail(503, (10001, 'Service unavailable')), ok(SETTING))

    client.request(method, TLS_CLIENT_AUTH, body={'value': 'on'})

    assert cloudflare.writes == [('%s %s' % (method, TLS_CLIENT_AUTH), {'value': 'on'})] * 2


def test_exhausted_retries_say_how_many_attempts_were_made(cloudflare, client, slept):
    cloudflare.route('GET', TLS_CLIENT_AUTH, fail(503, (10001, 'Service unavailable')))

    with pytest.raises(CloudflareError) as error:
        client.get(TLS_CLIENT_AUTH)

    assert len(cloudflare.calls) == 6
    assert str(error.value) == ('GET %s failed after 6 attempts: HTTP 503; Cloudflare error 10001: Service unavailable; cf-ray %s' % (TLS_CLIENT_AUTH, CF_RAY))
    # Exponential backoff with up to 25 % jitter: 1, 2, 4, 8, 16 seconds.
    assert len(slept) == 5
    assert all(base <= seconds <= base * 1.25 for base, seconds in zip([1, 2, 4, 8, 16], slept))


def test_exhausted_retries_on_a_proxy_page_say_how_many_attempts_were_made(cloudflare, client):
    cloudflare.route('GET', TLS_CLIENT_AUTH, text(502, '<html>Bad gateway</html>'))

    with pytest.raises(CloudflareError) as error:
        client.get(TLS_CLIENT_AUTH)

    assert len(cloudflare.calls) == 6
    assert 'after 6 attempts' in str(error.value)
    assert 'HTTP 502' in str(error.value)


def test_connection_errors_are_retried_then_reported(cloudflare, client, slept):
    cloudflare.route('GET', TLS_CLIENT_AUTH, requests.ConnectionError('connection reset'))

    with pytest.raises(CloudflareError) as error:
        client.get(TLS_CLIENT_AUTH)

    assert len(cloudflare.calls) == 6 and len(slept) == 5
    assert str(error.value) == 'GET %s: no response from %s after 6 attempt(s) (ConnectionError)' % (TLS_CLIENT_AUTH, BASE_URL)
    assert error.value.status is None


def test_a_connection_error_then_success(cloudflare, client):
    cloudflare.route('GET', TLS_CLIENT_AUTH, requests.Timeout('read timed out'), ok(SETTING))

    assert client.get(TLS_CLIENT_AUTH) == SETTING
    assert len(cloudflare.calls) == 2


@pytest.mark.parametrize(
    'reply, expected',
    [
        (text(502, '<html>Bad gateway</html>'), 'POST %s: HTTP 502 with a body that is not a Cloudflare API response' % CERTS_PATH),
        (fail(503, (10001, 'Service unavailable')), 'POST %s failed: HTTP 503' % CERTS_PATH),
        (requests.ConnectionError('reset'), 'POST %s: no response from %s after 1 attempt(s)' % (CERTS_PATH, BASE_URL)),
        (requests.Timeout('read timed out'), 'POST %s: no response from %s after 1 attempt(s) (Timeout)' % (CERTS_PATH, BASE_URL)),
    ],
)
def test_a_post_that_may_have_been_applied_is_not_retried(cloudflare, client, slept, reply, expected):
    cloudflare.route('POST', CERTS_PATH, reply, ok({'id': 'x'}))

    with pytest.raises(CloudflareError) as error:
        client.request('POST', CERTS_PATH, body={'certificate': 'c', 'private_key': 'secret-key-text'})

    assert cloudflare.sent == ['POST ' + CERTS_PATH]
    assert slept == []
    assert str(error.value).startswith(expected)
    assert 'secret-key-text' not in str(error.value) and 'secret-key-text' not in repr(error.value.to_dict())


def test_a_post_refused_with_429_is_retried_after_retry_after(cloudflare, client, slept):
    # Cloudflare refuses it before doing anything: sending it again cannot upload twice.
    blocked = fail(429, (10000, 'Rate limited'), headers={'Retry-After': '9'})
    cloudflare.route('POST', CERTS_PATH, blocked, ok({'id': 'x'}))

    assert client.request('POST', CERTS_PATH, body={'certificate': 'c'}) == ({'id': 'x'}, None)

    assert cloudflare.sent == ['POST ' + CERTS_PATH] * 2
    assert slept == [9.0]


def test_a_post_refused_with_429_every_time_gives_up_after_the_retries(cloudflare, client, slept):
    cloudflare.route('POST', CERTS_PATH, fail(429, (10000, 'Rate limited'), headers={'Retry-After': '9'}))

    with pytest.raises(CloudflareError) as error:
        client.request('POST', CERTS_PATH, body={'certificate': 'c'})

    assert len(cloudflare.calls) == 6 and slept == [9.0] * 5
    assert str(error.value).startswith('POST %s failed after 6 attempts: HTTP 429 (Cloudflare\'s rate limit' % CERTS_PATH)


@pytest.mark.parametrize(
    'reply', [fail(429, (10000, 'Rate limited'), headers={'Retry-After': '9'}), fail(503, (10001, 'Service unavailable')), requests.ConnectionError('reset')]
)
def test_retry_false_never_retries(cloudflare, client, reply):
    cloudflare.route('GET', TLS_CLIENT_AUTH, reply, ok(SETTING))

    with pytest.raises(CloudflareError):
        client.request('GET', TLS_CLIENT_AUTH, retry=False)
    assert len(cloudflare.calls) == 1


def test_retry_true_retries_a_post_its_caller_knows_to_be_repeatable(cloudflare, client):
    cloudflare.route('POST', CERTS_PATH, text(502, '<html>Bad gateway</html>'), requests.ConnectionError('reset'), ok({'id': 'x'}))

    assert client.request('POST', CERTS_PATH, body={'certificate': 'c'}, retry=True)[0] == {'id': 'x'}
    assert len(cloudflare.calls) == 3


def test_a_call_without_an_answer_does_not_hold_the_budget(cloudflare, client):
    # The first call of a fresh ledger is its probe: nothing else may go until it is accounted for.
    cloudflare.route('POST', CERTS_PATH, requests.ConnectionError('reset'))
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(SETTING))

    with pytest.raises(CloudflareError):
        client.request('POST', CERTS_PATH, body={'certificate': 'c'})

    assert client.ledger.try_acquire() == 0


# --- rate-limit pacing -----------------------------------------------------------------------------------------


def test_a_spent_rate_limit_budget_pauses_before_the_next_call(cloudflare):
    events = []
    client = CloudflareClient(api_token=API_TOKEN, sleep=lambda seconds: events.append((seconds, len(cloudflare.calls))))
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(SETTING, headers={'Ratelimit': '"default";r=0;t=7'}), ok(SETTING))

    client.get(TLS_CLIENT_AUTH)
    assert events == [], 'no pause is taken until there is a next call'
    client.get(TLS_CLIENT_AUTH)
    client.get(TLS_CLIENT_AUTH)

    assert events == [(8.0, 1)], 'one pause, after the first call and before the second: t and a second of margin'


def test_a_retry_waits_once_for_the_longer_of_backoff_and_rate_limit_pause(cloudflare, client, slept):
    busy = fail(503, (10001, 'Service unavailable'), headers={'Ratelimit': '"default";r=0;t=7'})
    cloudflare.route('GET', TLS_CLIENT_AUTH, busy, ok(SETTING))

    client.get(TLS_CLIENT_AUTH)

    assert slept == [8.0]


def test_a_budget_with_more_than_the_reserve_left_does_not_pause(cloudflare, client, slept):
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(SETTING, headers={'Ratelimit': '"default";r=11;t=7'}))

    client.get(TLS_CLIENT_AUTH)
    client.get(TLS_CLIENT_AUTH)

    assert slept == []


def test_a_budget_down_to_the_reserve_pauses_for_calls_still_in_flight(cloudflare, client, slept):
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(SETTING, headers={'Ratelimit': '"default";r=10;t=240'}), ok(SETTING))

    client.get(TLS_CLIENT_AUTH)
    client.get(TLS_CLIENT_AUTH)

    assert slept == [241.0], 'the whole reset time, even past the 60 s retry cap: a shorter pause meets the block'


def test_a_budget_spent_by_another_process_pauses_this_one(cloudflare, client, slept):
    other = CloudflareClient(api_token=API_TOKEN, sleep=no_sleep)
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(SETTING, headers={'Ratelimit': '"default";r=10;t=30'}), ok(SETTING))

    other.get(TLS_CLIENT_AUTH)
    client.get(TLS_CLIENT_AUTH)

    assert slept == [31.0]


def test_other_credentials_have_a_budget_of_their_own(cloudflare, client, slept):
    other = CloudflareClient(api_key='global-key', api_email='ops@example.com', sleep=slept.append)
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(SETTING, headers={'Ratelimit': '"default";r=10;t=30'}), ok(SETTING))

    other.get(TLS_CLIENT_AUTH)
    client.get(TLS_CLIENT_AUTH)

    assert slept == []


def test_the_ledger_holds_no_credential(cloudflare):
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(SETTING))
    CloudflareClient(api_token=API_TOKEN, sleep=no_sleep).get(TLS_CLIENT_AUTH)
    CloudflareClient(api_key='global-key-5f0c8a1e9b7d', api_email='ops@example.com', sleep=no_sleep).get(TLS_CLIENT_AUTH)

    directory = os.environ['AOP_CLOUDFLARE_RATELIMIT_DIR']
    names = os.listdir(directory)
    assert len(names) == 3, 'a budget per credential, and the spacing of the address both call'
    for name in names:
        with open(os.path.join(directory, name), encoding='utf-8') as handle:
            saved = name + handle.read()
        assert API_TOKEN not in saved and 'global-key-5f0c8a1e9b7d' not in saved and 'ops@example.com' not in saved


# --- threads ---------------------------------------------------------------------------------------------------


def test_each_thread_has_a_session_of_its_own(cloudflare):
    client = CloudflareClient(api_token=API_TOKEN, validate_certs=False, sleep=no_sleep)
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok(SETTING))
    sessions = []

    def call():
        client.get(TLS_CLIENT_AUTH)
        sessions.append(client.session)

    threads = [threading.Thread(target=call) for _index in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    call()
    call()

    assert len(sessions) == 5 and len({id(session) for session in sessions}) == 4, 'one per thread, kept'
    assert all(session.verify is False for session in sessions)
    assert all(sent.headers['Authorization'] == 'Bearer ' + API_TOKEN for sent in cloudflare.calls)
    assert all(sent.headers['User-Agent'] == 'aop.cloudflare-ansible' for sent in cloudflare.calls)


# --- pagination and zone lookup --------------------------------------------------------------------------------


def test_get_all_follows_three_pages(cloudflare, client):
    cloudflare.route('GET', CERTS_PATH + '?per=x', ok([]))  # never used: the query must match exactly
    cloudflare.route('GET', CERTS_PATH, page([{'id': '1'}, {'id': '2'}], 1, 3))
    cloudflare.route('GET', CERTS_PATH + '?page=2', page([{'id': '3'}, {'id': '4'}], 2, 3))
    cloudflare.route('GET', CERTS_PATH + '?page=3', page([{'id': '5'}], 3, 3, per_page=2))

    assert [item['id'] for item in client.get_all(CERTS_PATH)] == ['1', '2', '3', '4', '5']
    assert cloudflare.sent == ['GET ' + CERTS_PATH, 'GET %s?page=2' % CERTS_PATH, 'GET %s?page=3' % CERTS_PATH]


def test_get_all_counts_pages_from_total_count_when_total_pages_is_missing(cloudflare, client):
    def counted(items, number):
        return ok(items, {'page': number, 'per_page': 2, 'count': len(items), 'total_count': 5})

    cloudflare.route('GET', CERTS_PATH, counted([{'id': '1'}, {'id': '2'}], 1))
    cloudflare.route('GET', CERTS_PATH + '?page=2', counted([{'id': '3'}, {'id': '4'}], 2))
    cloudflare.route('GET', CERTS_PATH + '?page=3', counted([{'id': '5'}], 3))

    assert len(client.get_all(CERTS_PATH)) == 5
    assert len(cloudflare.calls) == 3


def test_get_all_reads_one_page_when_there_is_no_result_info(cloudflare, client):
    cloudflare.route('GET', CERTS_PATH, ok([{'id': '1'}]))

    assert client.get_all(CERTS_PATH) == [{'id': '1'}]
    assert len(cloudflare.calls) == 1


def test_get_all_stops_at_an_empty_page(cloudflare, client):
    cloudflare.route('GET', CERTS_PATH, page([{'id': '1'}], 1, 5))
    cloudflare.route('GET', CERTS_PATH + '?page=2', page([], 2, 5))

    assert client.get_all(CERTS_PATH) == [{'id': '1'}]
    assert len(cloudflare.calls) == 2


def test_zone_lookup_follows_pages_and_keeps_the_exact_name(cloudflare, client):
    cloudflare.route('GET', '/zones?name=example.com', page([{'id': 'a' * 32, 'name': 'sub.example.com'}], 1, 3))
    cloudflare.route('GET', '/zones?name=example.com&page=2', page([{'id': 'b' * 32, 'name': 'example.com.au'}], 2, 3))
    cloudflare.route('GET', '/zones?name=example.com&page=3', page([{'id': ZONE_ID, 'name': ZONE_NAME}], 3, 3))

    assert lookup_zone_id(client, ZONE_NAME) == ZONE_ID
    assert cloudflare.sent == ['GET /zones?name=example.com', 'GET /zones?name=example.com&page=2', 'GET /zones?name=example.com&page=3']


def test_zone_lookup_ignores_case_and_a_trailing_dot(cloudflare, client):
    cloudflare.route('GET', '/zones?name=example.com', ok([{'id': ZONE_ID, 'name': ZONE_NAME}]))

    assert lookup_zone_id(client, ' Example.COM. ') == ZONE_ID
    assert cloudflare.sent == ['GET /zones?name=example.com']


def test_a_zone_that_does_not_exist_is_a_clear_error(cloudflare, client):
    cloudflare.route('GET', '/zones', ok([], {'page': 1, 'per_page': 20, 'count': 0, 'total_count': 0, 'total_pages': 0}))

    with pytest.raises(CloudflareError) as error:
        lookup_zone_id(client, 'missing.example')

    assert str(error.value).startswith("zone 'missing.example' was not found (0 matches)")
    assert "give the zone's id instead" in str(error.value)
    assert cloudflare.sent == ['GET /zones?name=missing.example']


def test_a_certificate_that_cannot_be_verified_is_not_retried_and_says_how_to_fix_it(cloudflare, client, slept):
    cloudflare.route('GET', TLS_CLIENT_AUTH, requests.exceptions.SSLError('certificate verify failed'))

    with pytest.raises(CloudflareError) as error:
        client.request('GET', TLS_CLIENT_AUTH)

    assert len(cloudflare.calls) == 1 and slept == []
    assert 'could not be verified: give the CA bundle that signed it in ca_path' in str(error.value)


# The default trust may come from REQUESTS_CA_BUNDLE (as with requests itself); ca_path and validate_certs=false win over it.
@pytest.mark.parametrize(
    'validate_certs, ca_path, verify',
    [
        (True, None, '/etc/ssl/certs/ca-certificates.crt'),
        (True, '/etc/pki/private-ca.pem', '/etc/pki/private-ca.pem'),
        (False, '/etc/pki/private-ca.pem', False),
    ],
)
def test_tls_is_verified_against_the_given_ca_bundle_whatever_the_environment_says(cloudflare, monkeypatch, validate_certs, ca_path, verify):
    # requests lets these override a session's own verify setting; they must not override the module's options.
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/etc/ssl/certs/ca-certificates.crt')
    monkeypatch.setenv('CURL_CA_BUNDLE', '/etc/ssl/certs/ca-certificates.crt')
    cloudflare.route('GET', TLS_CLIENT_AUTH, ok({'id': 'tls_client_auth', 'value': 'on'}))

    CloudflareClient(api_token=API_TOKEN, validate_certs=validate_certs, ca_path=ca_path, sleep=lambda _: None).request('GET', TLS_CLIENT_AUTH)

    assert cloudflare.calls[0].verify == verify
