"""The official Python SDK (`cloudflare` 5.9) as a real client of the emulator; its traffic is schema-checked too."""

# pylint: disable=missing-function-docstring  # test names say what they check
# pylint: disable=redefined-outer-name  # pytest fixtures are parameters named like the fixtures

import time

import cloudflare
import httpx
import pytest

from .helpers import ZONE, Exchange


def first_error_code(error):
    """The code of the first error in the body of the SDK's exception (typed as object by the SDK)."""
    body = error.body
    assert isinstance(body, dict), body
    return body["errors"][0]["code"]


@pytest.fixture
def traffic():
    """(time.monotonic(), "request" or the HTTP status) of every request the SDK clients send and every answer, in order."""
    return []


@pytest.fixture
def make_client(emulator, schema_checker, traffic):
    """Factory of SDK clients pointed at the emulator (no retries, so errors surface at once). Every answer is
    schema-checked; a failed check fails the test even when the SDK took it for a connection error and retried."""
    clients, schema_failures = [], []

    def sent(_request):
        traffic.append((time.monotonic(), "request"))

    def check(response):
        traffic.append((time.monotonic(), response.status_code))
        response.read()
        exchange = Exchange(response.request.method, str(response.request.url), response.status_code, response.headers, response.content)
        try:
            schema_checker.check(exchange)
        except Exception as failure:  # the checker's assertions and openapi-core's validation errors alike
            schema_failures.append(f"{exchange.method} {exchange.path} {exchange.status}: {failure!r} {failure.__cause__ or ''}")
            raise

    def make(**auth):
        http_client = httpx.Client(event_hooks={"request": [sent], "response": [check]})
        client = cloudflare.Cloudflare(base_url=emulator.base_url, max_retries=0, http_client=http_client, **auth)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
    assert not schema_failures, schema_failures


@pytest.fixture
def client(make_client, emulator):
    """SDK client with the read-write API token."""
    return make_client(api_token=emulator.credentials.api_token)


def test_certificates_with_the_sdk(client, emulator, rsa_ca):
    leaf = rsa_ca.issue(kind="rsa")
    [zone] = list(client.zones.list(name=ZONE))
    assert (zone.id, zone.name) == (emulator.zone_ids[ZONE], ZONE)
    certificates = client.origin_tls_client_auth.hostname_certificates
    created = certificates.create(zone_id=zone.id, certificate=leaf.cert_pem, private_key=leaf.key_pem)
    assert (created.status, created.signature, created.serial_number) == ("active", "SHA256WithRSA", str(leaf.cert.serial_number))
    assert created.expires_on == leaf.cert.not_valid_after_utc.replace(microsecond=0)
    assert [cert.id for cert in certificates.list(zone_id=zone.id)] == [created.id]
    assert certificates.get(created.id, zone_id=zone.id).issuer == "Emulator Test RSA CA"
    deleted = certificates.delete(created.id, zone_id=zone.id)
    assert (deleted.id, deleted.status) == (created.id, "deleted")
    with pytest.raises(cloudflare.NotFoundError):
        certificates.get(created.id, zone_id=zone.id)
    assert not list(certificates.list(zone_id=zone.id))


def test_setting_and_hostnames_with_the_sdk(client, emulator, ec_ca):
    zone_id = emulator.zone_ids[ZONE]
    leaf = ec_ca.issue()
    cert_id = client.origin_tls_client_auth.hostname_certificates.create(zone_id=zone_id, certificate=leaf.cert_pem, private_key=leaf.key_pem).id
    edited = client.zones.settings.edit("tls_client_auth", zone_id=zone_id, value="on")
    assert (edited.id, edited.value) == ("tls_client_auth", "on")
    got = client.zones.settings.get("tls_client_auth", zone_id=zone_id)
    assert (got.id, got.value, got.editable) == ("tls_client_auth", "on", True)

    hostnames = client.origin_tls_client_auth.hostnames
    updated = hostnames.update(zone_id=zone_id, config=[{"hostname": "app.example.com", "cert_id": cert_id, "enabled": True}])
    assert [(item.hostname, item.cert_id, item.enabled) for item in updated] == [("app.example.com", cert_id, True)]
    association = hostnames.get("app.example.com", zone_id=zone_id)
    assert (association.cert_id, association.enabled, association.status, association.cert_status) == (cert_id, True, "active", "active")

    with pytest.raises(cloudflare.BadRequestError) as refused:
        client.origin_tls_client_auth.hostname_certificates.delete(cert_id, zone_id=zone_id)
    assert first_error_code(refused.value) == 1433
    voided = hostnames.update(zone_id=zone_id, config=[{"hostname": "app.example.com", "cert_id": cert_id, "enabled": None}])
    assert [item.enabled for item in voided] == [None]
    with pytest.raises(cloudflare.NotFoundError):
        hostnames.get("app.example.com", zone_id=zone_id)
    client.origin_tls_client_auth.hostname_certificates.delete(cert_id, zone_id=zone_id)


def test_sdk_sees_cloudflare_errors(client, emulator, ec_ca):
    zone_id = emulator.zone_ids[ZONE]
    leaf = ec_ca.issue()
    client.origin_tls_client_auth.hostname_certificates.create(zone_id=zone_id, certificate=leaf.cert_pem, private_key=leaf.key_pem)
    with pytest.raises(cloudflare.BadRequestError) as duplicate:
        client.origin_tls_client_auth.hostname_certificates.create(zone_id=zone_id, certificate=leaf.cert_pem, private_key=leaf.key_pem)
    assert first_error_code(duplicate.value) == 1406
    with pytest.raises(cloudflare.NotFoundError) as missing:
        client.origin_tls_client_auth.hostnames.get("never.example.com", zone_id=zone_id)
    assert first_error_code(missing.value) == 1553


def test_sdk_with_global_key_and_bad_token(make_client, emulator):
    creds = emulator.credentials
    by_key = make_client(api_key=creds.api_key, api_email=creds.api_email)
    assert by_key.zones.settings.get("tls_client_auth", zone_id=emulator.zone_ids[ZONE]).value == "off"
    with pytest.raises(cloudflare.AuthenticationError):
        make_client(api_token="wrong").zones.settings.get("tls_client_auth", zone_id=emulator.zone_ids[ZONE])
    with pytest.raises(cloudflare.PermissionDeniedError):
        make_client(api_token="read-only-token").zones.settings.edit("tls_client_auth", zone_id=emulator.zone_ids[ZONE], value="on")


def test_sdk_honours_retry_after_on_429(make_client, emulator, control, traffic):
    # The SDK's own backoff before a first retry is at most 0.5 s: a wait of 1 s or more is the Retry-After's.
    control.fault(method="GET", path="/settings/tls_client_auth$", kind="429", retry_after=1)
    client = make_client(api_token=emulator.credentials.api_token).with_options(max_retries=1)
    assert client.zones.settings.get("tls_client_auth", zone_id=emulator.zone_ids[ZONE]).value == "off"
    assert [entry["status"] for entry in control.requests()] == [429, 200]
    assert [event for _time, event in traffic] == ["request", 429, "request", 200]
    waited = traffic[2][0] - traffic[1][0]
    assert waited >= 1, f"the SDK retried {waited:.2f} s after the 429, before the 1 s its Retry-After asked for"
