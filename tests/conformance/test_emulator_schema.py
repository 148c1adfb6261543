"""Conformance with Cloudflare's official OpenAPI schema (2024-08, and 2023-12 for /settings/tls_client_auth).

Every response any test receives through helpers.Api is validated (see helpers.SchemaChecker); this module adds the
example fixture bodies, a scenario that makes every emulated operation answer both success and failure, and proof
that the checker really is strict.
"""

# pylint: disable=missing-function-docstring  # test names say what they check
# pylint: disable=redefined-outer-name  # pytest fixtures are parameters named like the fixtures

import json
import uuid

import pytest
from openapi_core.testing import MockRequest
from openapi_core.validation.response.exceptions import InvalidData

from .helpers import (
    API_PREFIX,
    ASSOCIATION_LIST_OPERATION,
    FIXTURES_DIR,
    SCHEMA_HOST,
    Api,
    Exchange,
    SchemaChecker,
    association,
    certificates_path,
    hostnames_path,
    load_json,
    setting_path,
    token_headers,
)

FIXTURES = load_json(FIXTURES_DIR / "INDEX.json")
RESPONSE_FIXTURES = [entry for entry in FIXTURES if entry["fixture"].endswith(".response.json")]
REQUEST_FIXTURES = [entry for entry in FIXTURES if entry["fixture"].endswith(".request.json")]
EMULATED_OPERATIONS = {
    "emulator-zones-list",
    "per-hostname-authenticated-origin-pull-list-certificates",
    "per-hostname-authenticated-origin-pull-upload-a-hostname-client-certificate",
    "per-hostname-authenticated-origin-pull-get-the-hostname-client-certificate",
    "per-hostname-authenticated-origin-pull-delete-hostname-client-certificate",
    "per-hostname-authenticated-origin-pull-enable-or-disable-a-hostname-for-client-authentication",
    "per-hostname-authenticated-origin-pull-get-the-hostname-status-for-client-authentication",
    ASSOCIATION_LIST_OPERATION,
    "zone-settings-get-single-setting",
    "zone-settings-edit-single-setting",
}


def fixture_id(entry):
    """Short test id: the fixture's file name."""
    return entry["fixture"].rsplit("/", 1)[1].split(".")[0]


@pytest.mark.parametrize("entry", RESPONSE_FIXTURES, ids=fixture_id)
def test_fixture_responses_validate(schema_checker, entry):
    body = (FIXTURES_DIR / entry["fixture"].rsplit("/", 1)[1]).read_bytes()
    exchange = Exchange(entry["method"], SCHEMA_HOST + API_PREFIX + entry["path_served"], 200, {}, body)
    schema_checker.spec_2024.validate(exchange)
    if exchange.api_path.endswith("/settings/tls_client_auth"):
        schema_checker.spec_2023.validate(exchange)


@pytest.mark.parametrize("entry", REQUEST_FIXTURES, ids=fixture_id)
def test_fixture_requests_validate(schema_checker, entry):
    body = (FIXTURES_DIR / entry["fixture"].rsplit("/", 1)[1]).read_bytes()
    request = MockRequest(
        SCHEMA_HOST, entry["method"], "/client/v4" + entry["path_served"], data=body, headers={"X-Auth-Email": "user@example.com", "X-Auth-Key": "key"}
    )
    schema_checker.spec_2024.openapi.validate_request(request)


def exercise_every_operation(api, control, zone_id, ec_ca):
    """Make each emulated operation answer at least one success and one failure."""
    leaf = ec_ca.issue()
    unknown = str(uuid.uuid4())
    api.ok("GET", "/zones", params={"name": "example.com"})
    api.error("GET", "/zones", 400, 1400, params={"page": "x"})
    cert_id = api.ok("POST", certificates_path(zone_id), json=leaf.body())["id"]
    api.error("POST", certificates_path(zone_id), 400, 1406, json=leaf.body())
    api.ok("GET", certificates_path(zone_id))
    api.error("GET", certificates_path("0" * 32), 404, 1001)
    api.ok("GET", certificates_path(zone_id, cert_id))
    api.error("GET", certificates_path(zone_id, unknown), 404, 1551)
    api.ok("PUT", hostnames_path(zone_id), json={"config": [association("app.example.com", cert_id, True)]})
    api.error("PUT", hostnames_path(zone_id), 400, 1415, json={"config": [association("app.example.com", unknown, True)]})
    api.ok("GET", hostnames_path(zone_id, "app.example.com"))
    api.error("GET", hostnames_path(zone_id, "other.example.com"), 404, 1553)
    api.ok("GET", hostnames_path(zone_id), params={"status": "all", "per_page": 1000})
    api.error("GET", hostnames_path(zone_id), 400, 1400, params={"per_page": 1001})
    api.error("DELETE", certificates_path(zone_id, cert_id), 400, 1433)
    api.ok("PUT", hostnames_path(zone_id), json={"config": [association("app.example.com", cert_id, None)]})
    api.ok("DELETE", certificates_path(zone_id, cert_id))
    api.ok("GET", setting_path(zone_id))
    api.error("GET", setting_path(zone_id, "ssl"), 404, 7003)
    api.ok("PATCH", setting_path(zone_id), json={"value": "on"})
    api.error("PATCH", setting_path(zone_id), 400, 1007, json={"value": "maybe"})
    control.fault(kind="503")
    api.error("GET", setting_path(zone_id), 503, 10503)
    control.fault(kind="429")
    api.error("PUT", hostnames_path(zone_id), 429, 10429, json={"config": []})
    api.error("PATCH", certificates_path(zone_id), 405, 10405)
    api.error("GET", "/accounts", 404, 7003)
    api.session.headers.clear()
    api.error("GET", certificates_path(zone_id), 401, 10000)


def test_every_operation_answers_conformant_success_and_failure(emulator, control, zone_id, ec_ca):
    checker = SchemaChecker()
    api = Api(emulator.base_url, token_headers(emulator.credentials.api_token), checker)
    exercise_every_operation(api, control, zone_id, ec_ca)
    for operation in EMULATED_OPERATIONS:
        statuses = {status for op, status in checker.seen if op == operation}
        assert any(200 <= status < 300 for status in statuses), (operation, statuses)
        assert any(400 <= status < 500 for status in statuses), (operation, statuses)
    assert {status for op, status in checker.seen if op == "no-operation"} == {404, 405}
    assert any(status >= 500 for _operation, status in checker.seen)


def test_key_and_email_responses_conform_too(emulator, control, zone_id, ec_ca):
    checker = SchemaChecker()
    creds = emulator.credentials
    api = Api(emulator.base_url, {"X-Auth-Email": creds.api_email, "X-Auth-Key": creds.api_key}, checker)
    exercise_every_operation(api, control, zone_id, ec_ca)


# ----- the checker is strict --------------------------------------------------------------------------------------

HEADERS = {"cf-ray": "0123456789abcdef-EMU", "Ratelimit": '"default";r=1;t=1', "Ratelimit-Policy": '"default";q=1;w=1', "Content-Type": "application/json"}
ZONE_PATH = "https://emulator/client/v4/zones/" + "a" * 32


def exchange(method, url, status, body, headers=None):
    """A fabricated answer for the checker."""
    return Exchange(method, url, status, HEADERS if headers is None else headers, body)


def envelope(result):
    """A success envelope around result."""
    return json.dumps({"success": True, "errors": [], "messages": [], "result": result}).encode()


def test_unknown_operation_fails(schema_checker):
    with pytest.raises(AssertionError):  # the schema has no PATCH on .../hostnames
        schema_checker.check(exchange("PATCH", ZONE_PATH + "/origin_tls_client_auth/hostnames", 200, envelope([])))
    with pytest.raises(AssertionError):  # nor any /accounts path
        schema_checker.check(exchange("GET", "https://emulator/client/v4/accounts", 200, envelope([])))


def test_wrong_types_and_undeclared_fields_fail(schema_checker):
    url = ZONE_PATH + "/origin_tls_client_auth/hostnames/certificates/" + str(uuid.uuid4())
    with pytest.raises(InvalidData):
        schema_checker.check(exchange("GET", url, 200, envelope({"id": "x", "serial_number": 5})))
    with pytest.raises(InvalidData):
        schema_checker.check(exchange("GET", url, 200, envelope({"id": "x", "status": "ready"})))
    with pytest.raises(AssertionError):
        schema_checker.check(exchange("GET", url, 200, envelope({"id": "x", "private_key": "secret"})))
    failure = json.dumps({"success": False, "errors": [{"code": 999, "message": "x"}], "messages": [], "result": None}).encode()
    with pytest.raises(InvalidData):
        schema_checker.check(exchange("GET", url, 404, failure))


def test_missing_headers_fail(schema_checker):
    for name in ("cf-ray", "Ratelimit", "Ratelimit-Policy"):
        headers = {key: value for key, value in HEADERS.items() if key != name}
        with pytest.raises(AssertionError):
            schema_checker.check(exchange("GET", "https://emulator/client/v4/zones", 200, envelope([]), headers))
