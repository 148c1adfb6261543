"""Cloudflare's per-IP limit, "Client API per IP: 200/second" (developers.cloudflare.com/fundamentals/api/reference/limits/).

What Cloudflare answers past it is undocumented; the emulator's choice (assumed, tests/emulator/README.md): 429 with
the rate-limit error envelope and `Retry-After: 1`, no block beyond the sliding second, the refused call counted neither
in that second nor in the per-user budget. The rate limiters run on a fake clock here, so no test depends on how fast
the machine sends its calls.
"""

# pylint: disable=missing-function-docstring  # test names say what they check
# pylint: disable=redefined-outer-name  # pytest fixtures are parameters named like the fixtures

import http.client
import re
from urllib.parse import urlsplit

import pytest

from .helpers import new_emulator, token_headers

RATE_LIMITED = 10429


class FakeClock:  # pylint: disable=too-few-public-methods
    """A monotonic clock that moves only when a test moves it."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def emulator(clock):
    """conftest's emulator, with the rate limiters on the fake clock (api and control use this one)."""
    with new_emulator(clock=clock) as running:
        yield running


def statuses(api, calls):
    return [api.call("GET", "/zones").status_code for _call in range(calls)]


def remaining_budget(response):
    """`r` of the Ratelimit header: what is left of the per-user budget."""
    match = re.search(r";r=(\d+)", response.headers["Ratelimit"])
    assert match, response.headers["Ratelimit"]
    return int(match.group(1))


def assert_refused_by_the_ip_limit(response):
    assert response.status_code == 429, response.text
    assert response.headers["Retry-After"] == "1"
    # the same envelope as the per-user 429 (the api fixture has already checked it against the schema)
    assert response.json() == {
        "success": False,
        "errors": [{"code": RATE_LIMITED, "message": "Rate limited. Please wait and consider throttling your request speed"}],
        "messages": [],
        "result": None,
    }


def test_200_calls_within_a_second_pass_and_the_201st_is_refused(api, control, clock):
    assert control.config()["ip_rate_limit"] == 200  # Cloudflare's figure is the default
    for _call in range(200):
        assert api.call("GET", "/zones").status_code == 200
        clock.now += 0.004  # 200 calls spread over 0.8 s
    assert_refused_by_the_ip_limit(api.call("GET", "/zones"))
    clock.now += 0.19  # 0.99 s after the first call: still inside its second
    assert_refused_by_the_ip_limit(api.call("GET", "/zones"))


def test_calls_pass_again_once_a_second_has_passed(api, control, clock):
    control.config(ip_rate_limit=3)
    assert statuses(api, 4) == [200, 200, 200, 429]
    clock.now += 0.999
    assert statuses(api, 1) == [429]
    clock.now += 0.001
    assert statuses(api, 4) == [200, 200, 200, 429]


def test_the_second_slides(api, control, clock):
    control.config(ip_rate_limit=4)
    assert statuses(api, 2) == [200, 200]
    clock.now += 0.5
    assert statuses(api, 3) == [200, 200, 429]
    clock.now += 0.5  # the first two calls are a second old; the last two are not (a fixed window would free all four)
    assert statuses(api, 3) == [200, 200, 429]
    clock.now += 0.5
    assert statuses(api, 3) == [200, 200, 429]


def test_refused_calls_do_not_count_toward_the_second(api, control, clock):
    control.config(ip_rate_limit=2)
    assert statuses(api, 2) == [200, 200]
    clock.now += 0.5
    assert statuses(api, 5) == [429] * 5
    clock.now += 0.5  # were the refused calls counted, they would still fill this second
    assert statuses(api, 3) == [200, 200, 429]


def test_zero_turns_the_limit_off(api, control):
    control.config(ip_rate_limit=1)
    assert statuses(api, 2) == [200, 429]
    control.config(ip_rate_limit=0)
    assert statuses(api, 250) == [200] * 250  # all at the same instant of the fake clock


def test_a_refused_call_spends_none_of_the_per_user_budget(api, control, clock):
    control.config(rate_limit=3, rate_window=60, ip_rate_limit=2)
    assert [remaining_budget(api.call("GET", "/zones")) for _call in range(2)] == [2, 1]
    for _call in range(5):
        refused = api.call("GET", "/zones")
        assert_refused_by_the_ip_limit(refused)
        assert remaining_budget(refused) == 1
    clock.now += 1
    assert remaining_budget(api.call("GET", "/zones")) == 0  # the budget's third call: the five refused ones spent nothing
    blocked = api.call("GET", "/zones")  # and now the per-user budget's own 429, with its whole window
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "60"


def test_a_new_limit_or_a_reset_starts_a_fresh_second(api, control):
    control.config(ip_rate_limit=2)
    assert statuses(api, 3) == [200, 200, 429]
    control.config(void_mode="null")  # another knob changes nothing
    assert statuses(api, 1) == [429]
    control.config(ip_rate_limit=2)
    assert statuses(api, 3) == [200, 200, 429]
    control.reset()
    assert statuses(api, 3) == [200, 200, 429]


def test_each_client_address_has_its_own_limit(emulator, api, control):
    control.config(ip_rate_limit=2)
    assert statuses(api, 3) == [200, 200, 429]  # from 127.0.0.1
    url = urlsplit(emulator.base_url)
    other = http.client.HTTPConnection(url.hostname, url.port, timeout=10, source_address=("127.0.0.2", 0))
    try:
        for _call in range(2):
            other.request("GET", url.path + "/zones", headers=token_headers(emulator.credentials.api_token))
            response = other.getresponse()
            response.read()
            assert response.status == 200
    finally:
        other.close()
    assert statuses(api, 1) == [429]


def test_refused_calls_are_logged_like_other_429s(api, control, clock):
    control.config(rate_limit=2, rate_window=60, ip_rate_limit=1)
    assert statuses(api, 1) == [200]
    assert_refused_by_the_ip_limit(api.call("GET", "/zones"))
    clock.now += 1
    assert statuses(api, 1) == [200]  # the per-user budget's second and last call
    clock.now += 1
    blocked = api.call("GET", "/zones")
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "60"  # the per-user budget's 429
    log = control.requests()
    assert [(entry["method"], entry["path"], entry["query"], entry["status"], entry["fault"]) for entry in log] == [
        ("GET", "/client/v4/zones", "", 200, None),
        ("GET", "/client/v4/zones", "", 429, None),
    ] * 2
