"""Knobs, faults, rate limit, latency, request log, reset and state dump of the emulator."""

# pylint: disable=missing-function-docstring  # test names say what they check
# pylint: disable=redefined-outer-name  # pytest fixtures are parameters named like the fixtures

import json
import time

import pytest
import requests

from .helpers import association, certificates_path, hostnames_path, setting_path


def ratelimit_fields(response):
    """{'r': remaining, 't': reset} from the Ratelimit header, and the policy's {'q', 'w'}."""

    def parse(header):
        name, *params = header.split(";")
        assert name == '"default"'
        return {key: int(value) for key, value in (param.split("=") for param in params)}

    return parse(response.headers["Ratelimit"]), parse(response.headers["Ratelimit-Policy"])


# ----- rate limit -------------------------------------------------------------------------------------------------


def test_rate_limit_headers_on_every_response(api, control, zone_id):
    control.config(rate_limit=100, rate_window=60)
    first = api.call("GET", "/zones")
    remaining, policy = ratelimit_fields(first)
    assert policy == {"q": 100, "w": 60}
    assert remaining["r"] == 99 and 0 < remaining["t"] <= 60
    assert ratelimit_fields(api.call("GET", "/nope"))[0]["r"] == 98
    assert ratelimit_fields(api.call("GET", certificates_path(zone_id)))[0]["r"] == 97


def test_exceeding_the_budget_blocks_every_call(api, control, zone_id):
    control.config(rate_limit=3, rate_window=60)
    for expected in (2, 1, 0):
        assert ratelimit_fields(api.call("GET", "/zones"))[0]["r"] == expected
    blocked = api.call("GET", "/zones")
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "60"
    assert blocked.json()["errors"][0]["code"] == 10429
    assert ratelimit_fields(blocked)[0]["r"] == 0
    # every endpoint, write or read, stays blocked; the control API does not
    assert api.call("PATCH", setting_path(zone_id), json={"value": "on"}).status_code == 429
    assert api.call("GET", certificates_path(zone_id)).status_code == 429
    assert control.config()["rate_limit"] == 3
    control.config(rate_limit=1200)  # a new budget lifts the block
    assert api.call("GET", "/zones").status_code == 200


def test_block_ends_after_the_window(api, control):
    control.config(rate_limit=1, rate_window=0.3)
    assert api.call("GET", "/zones").status_code == 200
    blocked = api.call("GET", "/zones")
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "1"
    time.sleep(0.35)
    assert api.call("GET", "/zones").status_code == 200


# ----- faults -----------------------------------------------------------------------------------------------------


def test_429_fault_hits_only_matching_requests(api, control, zone_id):
    control.fault(method="PATCH", path=r"/settings/tls_client_auth$", kind="429", retry_after=7)
    assert api.call("GET", setting_path(zone_id)).status_code == 200
    response = api.call("PATCH", setting_path(zone_id), json={"value": "on"})
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    assert api.ok("GET", setting_path(zone_id))["value"] == "off"  # nothing applied
    assert api.ok("PATCH", setting_path(zone_id), json={"value": "on"})["value"] == "on"


@pytest.mark.parametrize("kind, status", [("502", 502), ("503", 503)])
def test_5xx_faults(api, control, kind, status):
    control.fault(method="GET", path="/zones", kind=kind, count=2, retry_after=3)
    for _attempt in range(2):
        response = api.call("GET", "/zones")
        assert response.status_code == status
        assert response.json()["success"] is False
    assert (response.headers.get("Retry-After") == "3") == (kind == "503")
    assert api.call("GET", "/zones").status_code == 200


def test_drop_before_commit_applies_nothing(api, control, zone_id, ec_ca):
    control.fault(method="POST", path="/hostnames/certificates$", kind="drop_before_commit")
    with pytest.raises(requests.ConnectionError):
        api.call("POST", certificates_path(zone_id), json=ec_ca.issue().body())
    assert api.ok("GET", certificates_path(zone_id)) == []
    entry = control.requests()[0]
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/client/v4" + certificates_path(zone_id), None)


def test_drop_after_commit_applies_the_write(api, control, zone_id, ec_ca):
    leaf = ec_ca.issue()
    control.fault(method="POST", path="/hostnames/certificates$", kind="drop_after_commit")
    with pytest.raises(requests.ConnectionError):
        api.call("POST", certificates_path(zone_id), json=leaf.body())
    assert len(api.ok("GET", certificates_path(zone_id))) == 1
    api.error("POST", certificates_path(zone_id), 400, 1406, json=leaf.body())  # why POST must not be retried blindly


def test_drop_after_commit_on_put(api, control, zone_id, ec_ca):
    cert_id = api.ok("POST", certificates_path(zone_id), json=ec_ca.issue().body())["id"]
    control.fault(method="PUT", path="/origin_tls_client_auth/hostnames$", kind="drop_after_commit")
    with pytest.raises(requests.ConnectionError):
        api.call("PUT", hostnames_path(zone_id), json={"config": [association("app.example.com", cert_id, True)]})
    assert api.ok("GET", hostnames_path(zone_id, "app.example.com"))["enabled"] is True


def test_slow_holds_the_request_then_applies_it_after_the_client_gave_up(api, control, zone_id, ec_ca):
    leaf = ec_ca.issue()
    control.fault(method="POST", path="/hostnames/certificates$", kind="slow", seconds=1)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        api.session.post(api.base_url + certificates_path(zone_id), json=leaf.body(), timeout=0.3)
    assert api.ok("GET", certificates_path(zone_id)) == [], "not applied yet: the client's retry can come first"
    api.ok("POST", certificates_path(zone_id), json=leaf.body())  # the retry
    held: list[dict] = []
    while not held and time.monotonic() - started < 10:  # logged once answered, a second after it came
        time.sleep(0.1)
        held = [entry for entry in control.requests() if entry["fault"] == "slow"]
    assert [(entry["method"], entry["status"]) for entry in held] == [("POST", 400)] and held[0]["ms"] >= 1000
    assert len(api.ok("GET", certificates_path(zone_id))) == 1, "the held upload met the retry's certificate: 1406, no copy"


def test_slow_answers_a_patient_client(api, control, zone_id):
    control.fault(method="PATCH", path="/settings/tls_client_auth$", kind="slow", seconds=1)
    started = time.monotonic()
    assert api.ok("PATCH", setting_path(zone_id), json={"value": "on"})["value"] == "on"
    assert time.monotonic() - started >= 1


def test_fault_queue_and_clear(control):
    queued = control.fault(kind="502", count=3)
    assert queued == [{"method": "*", "path": ".*", "kind": "502", "count": 3, "every": 1, "retry_after": 1, "seconds": 2}]
    assert control.clear_faults() == []


@pytest.mark.parametrize(
    "spec",
    [{"kind": "500"}, {}, {"kind": "502", "count": 0}, {"kind": "502", "path": "("}, {"kind": "502", "colour": "red"}, [], {"kind": "slow", "seconds": 0}],
)
def test_bad_fault_specs_answer_400(emulator, spec):
    response = requests.post(emulator.control_url + "/faults", json=spec, timeout=5)
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == 1400


def zones_statuses(api, calls):
    return [api.call("GET", "/zones").status_code for _call in range(calls)]


def queued_faults(emulator):
    response = requests.get(emulator.control_url + "/faults", timeout=5)
    assert response.status_code == 200
    return response.json()["result"]


def test_every_fault_hits_every_nth_matching_request(emulator, api, control):
    queued = control.fault(method="GET", path="/zones$", kind="502", every=3, count=2)
    assert queued == [{"method": "GET", "path": "/zones$", "kind": "502", "count": 2, "every": 3, "retry_after": 1, "seconds": 2}]
    assert api.call("GET", "/nope").status_code == 404  # not matching: not counted
    assert zones_statuses(api, 3) == [200, 200, 502]
    assert queued_faults(emulator)[0]["count"] == 1
    assert zones_statuses(api, 6) == [200, 200, 502, 200, 200, 200]  # requests 4 to 9: only the 6th, then spent
    assert queued_faults(emulator) == []


@pytest.mark.parametrize("every", [0, -1, 1.5, "2", True, None])
def test_bad_every_answers_400_naming_it(emulator, every):
    response = requests.post(emulator.control_url + "/faults", json={"kind": "429", "every": every}, timeout=5)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == 1400 and "every must be an integer >= 1" in error["message"]
    assert queued_faults(emulator) == []


def test_requests_an_every_fault_skips_go_on_to_later_faults(emulator, api, control):
    control.fault(method="GET", path="/zones$", kind="502", every=2, count=2)
    control.fault(method="GET", path="/zones$", kind="503", count=2)
    # 1: the 502 skips it, the 503 takes it; 2: the 502 fires; 3: skipped again, the 503's last; 4: the 502's last
    assert zones_statuses(api, 5) == [503, 502, 503, 502, 200]
    assert queued_faults(emulator) == []


def test_requests_an_earlier_fault_takes_do_not_count_for_an_every_fault(api, control):
    control.fault(method="GET", path="/zones$", kind="503", count=1)
    control.fault(method="GET", path="/zones$", kind="502", every=2, count=1)
    # 1: the 503 takes it, the 502 never sees it; 2: the 502's first matching request; 3: its second, so it fires
    assert zones_statuses(api, 4) == [503, 200, 502, 200]


# ----- knobs, latency ---------------------------------------------------------------------------------------------


def test_config_defaults_and_validation(emulator, control):
    assert control.config() == {
        "latency_ms": 0,
        "activation_seconds": 0,
        "deletion_seconds": None,
        "rate_limit": 1200,
        "rate_window": 300,
        "ip_rate_limit": 200,
        "list_page_size": None,
        "void_mode": "remove",
        "association_listing": "on",
    }
    for bad in (
        {"association_listing": True},
        {"association_listing": "no"},
        {"latency_ms": -1},
        {"deletion_seconds": -1},
        {"deletion_seconds": "1"},
        {"void_mode": "keep"},
        {"rate_limit": 0},
        {"ip_rate_limit": -1},
        {"ip_rate_limit": 1.5},
        {"ip_rate_limit": True},
        {"ip_rate_limit": None},
        {"list_page_size": True},
        {"colour": 1},
    ):
        response = requests.patch(emulator.control_url + "/config", json=bad, timeout=5)
        assert response.status_code == 400, bad
    assert control.config()["void_mode"] == "remove"
    assert emulator.config.update({"void_mode": "null"}) is None and control.config()["void_mode"] == "null"


def test_latency_applies_to_api_calls_only(api, control):
    control.config(latency_ms=150)
    started = time.monotonic()
    api.call("GET", "/zones")
    assert time.monotonic() - started >= 0.15
    assert control.requests()[-1]["ms"] >= 150
    # Control calls time out after 10 s: answered at all under a latency of 20 s, they did not wait for it.
    control.config(latency_ms=20000)
    assert control.config()["latency_ms"] == 20000


# ----- request log, reset, state ----------------------------------------------------------------------------------


def test_request_log_records_calls_without_secrets(api, control, zone_id, ec_ca):
    leaf = ec_ca.issue()
    api.call("GET", "/zones", params={"name": "example.com"})
    api.call("POST", certificates_path(zone_id), json=leaf.body())
    api.call("GET", "/nope")
    log = control.requests()
    assert [(entry["method"], entry["path"], entry["query"], entry["status"]) for entry in log] == [
        ("GET", "/client/v4/zones", "name=example.com", 200),
        ("POST", "/client/v4" + certificates_path(zone_id), "", 200),
        ("GET", "/client/v4/nope", "", 404),
    ]
    assert all(set(entry) == {"method", "path", "query", "status", "ms", "fault"} and entry["fault"] is None for entry in log)
    dumped = json.dumps(log)
    assert "PRIVATE KEY" not in dumped and "emulator-token" not in dumped
    assert control.clear_requests() == [] and control.requests() == []


def test_state_dump_and_reset(api, control, zone_id, ec_ca):
    cert_id = api.ok("POST", certificates_path(zone_id), json=ec_ca.issue().body())["id"]
    api.ok("PUT", hostnames_path(zone_id), json={"config": [association("app.example.com", cert_id, True)]})
    api.ok("PATCH", setting_path(zone_id), json={"value": "on"})
    control.fault(kind="502")
    state = control.state()
    zone = next(zone for zone in state["zones"] if zone["id"] == zone_id)
    assert [cert["id"] for cert in zone["certificates"]] == [cert_id]
    assert [assoc["hostname"] for assoc in zone["associations"]] == ["app.example.com"]
    assert zone["settings"]["tls_client_auth"]["value"] == "on"
    assert "PRIVATE KEY" not in json.dumps(state)
    control.reset()
    assert control.requests() == [] and control.clear_faults() == []
    assert api.ok("GET", certificates_path(zone_id)) == []
    assert api.ok("GET", setting_path(zone_id))["value"] == "off"


def test_control_routing_errors(emulator):
    assert requests.get(emulator.control_url + "/nothing", timeout=5).status_code == 404
    response = requests.get(emulator.control_url + "/reset", timeout=5)
    assert response.status_code == 405 and response.headers["cf-ray"].endswith("-EMU")
