"""Behaviour of the emulated API over real HTTP (every response is also checked against the official schema)."""

# pylint: disable=missing-function-docstring  # test names say what they check
# pylint: disable=redefined-outer-name  # pytest fixtures are parameters named like the fixtures

import datetime
import hashlib
import time
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding
from cryptography.x509.oid import NameOID

# helpers put the repository on sys.path
from tests.pki import cert_pem, key_pem, new_key, resigned  # pylint: disable=wrong-import-order,import-error

from .helpers import OTHER_ZONE, READ_ONLY_TOKEN, ZONE, Api, association, certificates_path, hostnames_path, setting_path, token_headers


def upload(api, zone_id, leaf):
    """POST a certificate; return the certificate object."""
    return api.ok("POST", certificates_path(zone_id), json=leaf.body())


def put(api, zone_id, *items):
    """PUT associations; return the result list."""
    return api.ok("PUT", hostnames_path(zone_id), json={"config": list(items)})


# ----- authentication ---------------------------------------------------------------------------------------------


def test_token_and_global_key_authenticate(emulator, schema_checker):
    creds = emulator.credentials
    by_token = Api(emulator.base_url, token_headers(creds.api_token), schema_checker)
    by_key = Api(emulator.base_url, {"X-Auth-Email": creds.api_email, "X-Auth-Key": creds.api_key}, schema_checker)
    assert by_token.ok("GET", "/zones") == by_key.ok("GET", "/zones")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
        {"X-Auth-Email": "emulator@example.com", "X-Auth-Key": "wrong-key"},
        {"X-Auth-Email": "someone@example.com", "X-Auth-Key": "emulator-global-api-key"},
        {"X-Auth-Key": "emulator-global-api-key"},
    ],
    ids=["missing", "wrong-token", "basic", "empty-token", "wrong-key", "wrong-email", "key-without-email"],
)
def test_bad_credentials_answer_401(emulator, schema_checker, zone_id, headers):
    client = Api(emulator.base_url, headers, schema_checker)
    assert client.error("GET", "/zones", 401, 10000) == "Authentication error"
    client.error("GET", certificates_path(zone_id), 401, 10000)
    client.error("PUT", hostnames_path(zone_id), 401, 10000, json={"config": []})


def test_read_only_token_reads_but_cannot_write(emulator, schema_checker, zone_id, ec_ca):
    reader = Api(emulator.base_url, token_headers(READ_ONLY_TOKEN), schema_checker)
    assert reader.ok("GET", certificates_path(zone_id)) == []
    assert reader.ok("GET", setting_path(zone_id))["value"] == "off"
    reader.error("POST", certificates_path(zone_id), 403, 10000, json=ec_ca.issue().body())
    reader.error("PATCH", setting_path(zone_id), 403, 10000, json={"value": "on"})
    reader.error("PUT", hostnames_path(zone_id), 403, 10000, json={"config": []})
    reader.error("DELETE", certificates_path(zone_id, str(uuid.uuid4())), 403, 10000)


# ----- zones and routing ------------------------------------------------------------------------------------------


def test_zone_lookup_by_name(api, emulator):
    response = api.call("GET", "/zones", params={"name": ZONE})
    payload = response.json()
    assert [zone["name"] for zone in payload["result"]] == [ZONE]
    zone = payload["result"][0]
    assert zone["id"] == hashlib.md5(ZONE.encode()).hexdigest() == emulator.zone_ids[ZONE]
    assert (zone["status"], zone["paused"], zone["type"]) == ("active", False, "full")
    assert payload["result_info"] == {"page": 1, "per_page": 20, "count": 1, "total_count": 1, "total_pages": 1}
    assert api.ok("GET", "/zones", params={"name": "unknown.org"}) == []
    assert sorted(zone["name"] for zone in api.ok("GET", "/zones")) == [ZONE, OTHER_ZONE]


def test_zone_list_pages(api):
    second = api.call("GET", "/zones", params={"per_page": 5, "page": 2}).json()
    assert second["result"] == []
    assert second["result_info"] == {"page": 2, "per_page": 5, "count": 0, "total_count": 2, "total_pages": 1}
    api.error("GET", "/zones", 400, 1400, params={"page": "abc"})
    api.error("GET", "/zones", 400, 1400, params={"page": "0"})


def test_unknown_and_malformed_zone_ids(api):
    api.error("GET", certificates_path("0" * 32), 404, 1001)
    message = api.error("GET", certificates_path("not-a-zone-id"), 404, 7003)
    assert message.startswith("Could not route to /client/v4/zones/not-a-zone-id/")
    api.error("GET", setting_path("f" * 32), 404, 1001)


def test_unknown_route_and_wrong_verb(api, zone_id):
    assert api.error("GET", "/zones/" + zone_id + "/nothing-here", 404, 7003) == "No route for the URI"
    api.error("GET", "/user/tokens/verify", 404, 7003)
    response = api.call("PATCH", certificates_path(zone_id))
    assert response.status_code == 405
    assert response.json()["errors"][0]["code"] == 10405
    assert response.headers["Allow"] == "GET, POST"
    api.error("POST", hostnames_path(zone_id), 405, 10405)
    api.error("POST", "/zones", 405, 10405)
    api.error("FOO", "/zones", 405, 10405)  # a verb http.server itself does not know


def test_chunked_request_body_is_read(api, zone_id):
    chunks = iter([b'{"certificate": ', b'1, "private_key": "x"}'])
    assert "certificate" in api.error("POST", certificates_path(zone_id), 400, 1400, data=chunks, headers={"Content-Type": "application/json"})


def test_every_response_has_a_distinct_cf_ray(api, zone_id):
    rays = {api.call("GET", path).headers["cf-ray"] for path in ("/zones", "/nope", certificates_path(zone_id), "/zones")}
    assert len(rays) == 4


# ----- step 1: certificates ---------------------------------------------------------------------------------------


def test_upload_reports_certificate_fields(api, zone_id, rsa_ca):
    leaf = rsa_ca.issue(kind="rsa")
    result = upload(api, zone_id, leaf)
    assert uuid.UUID(result["id"])
    assert result["status"] == "active"
    assert result["issuer"] == "Emulator Test RSA CA"  # the issuer's CN: a display name, not its DN
    assert result["serial_number"] == str(leaf.cert.serial_number)
    assert result["signature"] == "SHA256WithRSA"
    assert result["expires_on"] == leaf.cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert result["uploaded_on"].endswith("Z")
    assert x509.load_pem_x509_certificate(result["certificate"].encode()) == leaf.cert
    assert "private_key" not in result
    assert api.ok("GET", certificates_path(zone_id, result["id"])) == result
    assert api.ok("GET", certificates_path(zone_id)) == [result]


def test_ecdsa_certificate_signed_by_ecdsa_ca(api, zone_id, ec_ca):
    assert upload(api, zone_id, ec_ca.issue())["signature"] == "ECDSAWithSHA256"


def leaf_body(issuer_name, issuer_key, algorithm=None, rsa_padding=None):
    """Upload body of an EC leaf signed by issuer_key in issuer_name's name (the emulator checks no chain)."""
    key = new_key("ec")
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "app.example.com")]))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=30))
    )
    cert = builder.sign(issuer_key, algorithm, rsa_padding=rsa_padding)
    return {"certificate": cert_pem(cert), "private_key": key_pem(key)}


def attributes(*pairs):
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in pairs])


CN, O, OU, C = NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME, NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.COUNTRY_NAME


@pytest.mark.parametrize(
    "issuer, shown",
    [
        (attributes((C, "BE"), (O, "GlobalSign nv-sa"), (CN, "GlobalSign RSA OV SSL CA 2018")), "GlobalSign RSA OV SSL CA 2018"),
        (attributes((C, "BE"), (O, "GlobalSign")), "GlobalSign"),
        (attributes((CN, "Root"), (CN, "Issuing CA")), "Issuing CA"),
        (attributes((O, "First"), (O, "Second")), "First"),
        (attributes((C, "US"), (OU, "Unit")), "OU=Unit,C=US"),
    ],
    ids=["cn", "o-without-cn", "last-cn", "first-o", "neither"],
)
def test_issuer_is_a_display_name_not_a_dn(api, zone_id, issuer, shown):
    result = api.ok("POST", certificates_path(zone_id), json=leaf_body(issuer, new_key("ec"), hashes.SHA256()))
    assert result["issuer"] == shown
    assert api.ok("GET", certificates_path(zone_id, result["id"]))["issuer"] == shown


ISSUER = attributes((CN, "Signer"))


@pytest.mark.parametrize(
    "issuer_key, algorithm, rsa_padding, shown",
    [
        (new_key("rsa"), hashes.SHA384(), None, "SHA384WithRSA"),
        (new_key("rsa"), hashes.SHA512(), None, "SHA512WithRSA"),
        (new_key("ec"), hashes.SHA384(), None, "ECDSAWithSHA384"),
        (new_key("ec"), hashes.SHA512(), None, "ECDSAWithSHA512"),
        (new_key("rsa"), hashes.SHA224(), None, "Unknown Signature"),
        (new_key("rsa"), hashes.SHA256(), padding.PSS(padding.MGF1(hashes.SHA256()), 32), "Unknown Signature"),
        (ed25519.Ed25519PrivateKey.generate(), None, None, "Unknown Signature"),
    ],
    ids=["rsa-sha384", "rsa-sha512", "ecdsa-sha384", "ecdsa-sha512", "rsa-sha224", "rsa-pss", "ed25519"],
)
def test_signature_names_follow_cfssl(api, zone_id, issuer_key, algorithm, rsa_padding, shown):
    result = api.ok("POST", certificates_path(zone_id), json=leaf_body(ISSUER, issuer_key, algorithm, rsa_padding))
    assert result["signature"] == shown


def test_sha1_with_rsa_is_named(api, zone_id, rsa_ca):
    leaf = resigned(rsa_ca.issue(kind="rsa"), rsa_ca.key, "sha1")
    assert upload(api, zone_id, leaf)["signature"] == "SHA1WithRSA"


def test_status_follows_time_since_upload_and_deletion(api, control, emulator, monkeypatch, zone_id, ec_ca):
    now = [time.time()]
    monkeypatch.setattr(emulator.store, "_clock", lambda: now[0])  # the emulator's clock, moved by the test
    control.config(activation_seconds=60)
    cert_id = upload(api, zone_id, ec_ca.issue())["id"]
    assert api.ok("GET", certificates_path(zone_id, cert_id))["status"] == "initializing"
    now[0] += 30
    assert api.ok("GET", certificates_path(zone_id, cert_id))["status"] == "pending_deployment"
    control.config(activation_seconds=0)
    assert api.ok("GET", certificates_path(zone_id, cert_id))["status"] == "active"
    control.config(deletion_seconds=3600)
    assert api.ok("DELETE", certificates_path(zone_id, cert_id))["status"] == "pending_deletion"
    assert api.ok("GET", certificates_path(zone_id, cert_id))["status"] == "pending_deletion"
    assert api.error("DELETE", certificates_path(zone_id, cert_id), 400, 1414)
    control.config(deletion_seconds=0)
    api.error("GET", certificates_path(zone_id, cert_id), 404, 1551)
    assert api.ok("GET", certificates_path(zone_id)) == []


def test_deletion_lasts_activation_seconds_unless_deletion_seconds_is_set(api, control, zone_id, ec_ca):
    cert_id = upload(api, zone_id, ec_ca.issue())["id"]
    control.config(deletion_seconds=0.3)
    assert api.ok("DELETE", certificates_path(zone_id, cert_id))["status"] == "pending_deletion"
    time.sleep(0.3)
    api.error("GET", certificates_path(zone_id, cert_id), 404, 1551)
    cert_id = upload(api, zone_id, ec_ca.issue())["id"]
    time.sleep(0.3)
    control.config(deletion_seconds=None, activation_seconds=0.3)  # active: uploaded 0.3 s ago
    assert api.ok("DELETE", certificates_path(zone_id, cert_id))["status"] == "pending_deletion"
    control.config(activation_seconds=0)
    api.error("GET", certificates_path(zone_id, cert_id), 404, 1551)


@pytest.mark.parametrize("status", ["initializing", "pending_deployment"])
def test_delete_of_a_deploying_certificate_is_1434(api, control, zone_id, ec_ca, status):
    control.config(activation_seconds=3600 if status == "initializing" else 2)
    cert_id = upload(api, zone_id, ec_ca.issue())["id"]
    if status == "pending_deployment":
        time.sleep(1.05)  # pending_deployment from 1 s to 2 s after the upload
    assert api.ok("GET", certificates_path(zone_id, cert_id))["status"] == status
    api.error("DELETE", certificates_path(zone_id, cert_id), 400, 1434)
    control.config(activation_seconds=0)  # deployed: the same DELETE now goes through
    assert api.ok("DELETE", certificates_path(zone_id, cert_id))["status"] == "deleted"


def test_a_deploying_certificate_in_use_is_1434_before_1433(api, control, zone_id, ec_ca):
    control.config(activation_seconds=3600)
    cert_id = upload(api, zone_id, ec_ca.issue())["id"]
    put(api, zone_id, association("app.example.com", cert_id, True))
    api.error("DELETE", certificates_path(zone_id, cert_id), 400, 1434)
    control.config(activation_seconds=0)
    api.error("DELETE", certificates_path(zone_id, cert_id), 400, 1433)


def test_delete_with_zero_activation_is_immediate(api, zone_id, ec_ca):
    cert_id = upload(api, zone_id, ec_ca.issue())["id"]
    assert api.ok("DELETE", certificates_path(zone_id, cert_id))["status"] == "deleted"
    api.error("GET", certificates_path(zone_id, cert_id), 404, 1551)
    api.error("DELETE", certificates_path(zone_id, cert_id), 404, 1551)


def test_duplicate_refused_by_der_even_with_other_whitespace(api, control, zone_id, ec_ca):
    leaf = ec_ca.issue()
    cert_id = upload(api, zone_id, leaf)["id"]
    reformatted = {"certificate": "\n  " + leaf.cert_pem.replace("\n", "\r\n") + "\n\n", "private_key": leaf.key_pem}
    message = api.error("POST", certificates_path(zone_id), 400, 1406, json=reformatted)
    assert message == "This certificate already exists for this zone."
    control.config(deletion_seconds=3600)
    api.ok("DELETE", certificates_path(zone_id, cert_id))
    api.error("POST", certificates_path(zone_id), 400, 1406, json=leaf.body())  # still pending_deletion
    control.config(deletion_seconds=0)
    upload(api, zone_id, leaf)


def test_same_certificate_may_live_in_two_zones(api, emulator, zone_id, ec_ca):
    leaf = ec_ca.issue()
    first = upload(api, zone_id, leaf)
    second = upload(api, emulator.zone_ids[OTHER_ZONE], leaf)
    assert first["id"] != second["id"] and first["serial_number"] == second["serial_number"] == str(leaf.cert.serial_number)
    assert api.ok("GET", certificates_path(zone_id)) == [first]
    assert api.ok("GET", certificates_path(emulator.zone_ids[OTHER_ZONE])) == [second]


def test_ten_certificates_per_zone(api, control, zone_id, ec_ca):
    ids = [upload(api, zone_id, ec_ca.issue(f"h{index}.example.com"))["id"] for index in range(10)]
    api.error("POST", certificates_path(zone_id), 400, 1407, json=ec_ca.issue().body())
    control.config(deletion_seconds=3600)
    api.ok("DELETE", certificates_path(zone_id, ids[0]))
    api.error("POST", certificates_path(zone_id), 400, 1407, json=ec_ca.issue().body())  # pending_deletion counts
    control.config(deletion_seconds=0)
    upload(api, zone_id, ec_ca.issue())


def test_ca_certificate_refused(api, zone_id, ec_ca):
    assert api.error("POST", certificates_path(zone_id), 400, 1412, json=ec_ca.pair.body()) == "Only leaf certificate is allowed."


def test_bundle_leaf_first_is_accepted(api, zone_id, ec_ca):
    leaf = ec_ca.issue()
    bundle = {"certificate": ec_ca.pair.cert_pem + leaf.cert_pem, "private_key": leaf.key_pem}
    result = api.ok("POST", certificates_path(zone_id), json=bundle)
    assert x509.load_pem_x509_certificates(result["certificate"].encode())[0] == leaf.cert


def test_mismatched_key_refused(api, zone_id, ec_ca, rsa_ca):
    leaf, other = ec_ca.issue(), rsa_ca.issue(kind="rsa")
    body = {"certificate": leaf.cert_pem, "private_key": other.key_pem}
    assert api.error("POST", certificates_path(zone_id), 400, 1402, json=body) == "The private key does not match the certificate."


@pytest.mark.parametrize(
    "body, code",
    [
        (b"{not json", 6007),
        (b"", 6007),
        (b"\xff\xfe", 6007),
        (b"[]", 1400),
        (b'"certificate"', 1400),
        (b'{"certificate": "x"}', 1400),
        (b'{"private_key": "x"}', 1400),
        (b'{"certificate": 1, "private_key": "x"}', 1400),
        (b'{"certificate": "x", "private_key": null}', 1400),
        (b'{"certificate": "   ", "private_key": "x"}', 1400),
        (b'{"certificate": "not a pem", "private_key": "x"}', 1401),
        (b'{"certificate": "-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n", "private_key": "x"}', 1401),
        (b'{"certificate": "caf\\u00e9", "private_key": "x"}', 1401),
    ],
    ids=["malformed", "empty", "not-utf8", "array", "string", "no-key", "no-cert", "cert-int", "key-null", "blank", "not-pem", "bad-der", "non-ascii"],
)
def test_bad_upload_bodies_answer_400(api, zone_id, body, code):
    api.error("POST", certificates_path(zone_id), 400, code, data=body, headers={"Content-Type": "application/json"})


def test_bad_private_key_answers_400(api, zone_id, ec_ca):
    leaf = ec_ca.issue()
    api.error("POST", certificates_path(zone_id), 400, 1402, json={"certificate": leaf.cert_pem, "private_key": "garbage"})


def test_malformed_certificate_id(api, zone_id):
    api.error("GET", certificates_path(zone_id, "xyz"), 404, 7003)
    api.error("GET", certificates_path(zone_id, uuid.uuid4().hex), 404, 1551)


# ----- step 2: tls_client_auth ------------------------------------------------------------------------------------


def test_tls_client_auth_setting(api, zone_id):
    assert api.ok("GET", setting_path(zone_id)) == {"id": "tls_client_auth", "value": "off", "editable": True, "modified_on": None}
    changed = api.ok("PATCH", setting_path(zone_id), json={"value": "on"})
    assert changed["value"] == "on" and changed["modified_on"].endswith("Z")
    assert api.ok("GET", setting_path(zone_id)) == changed
    assert api.ok("PATCH", setting_path(zone_id), json={"value": "off"})["value"] == "off"


@pytest.mark.parametrize("body", [{"value": "maybe"}, {"value": True}, {}, [], {"value": None}])
def test_tls_client_auth_rejects_bad_values(api, zone_id, body):
    api.error("PATCH", setting_path(zone_id), 400, 1007, json=body)
    assert api.ok("GET", setting_path(zone_id))["value"] == "off"


def test_other_settings_are_not_emulated(api, zone_id):
    api.error("GET", setting_path(zone_id, "ssl"), 404, 7003)
    api.error("PATCH", setting_path(zone_id, "ssl"), 404, 7003, json={"value": "full"})
    api.error("PATCH", setting_path(zone_id), 400, 6007, data=b"{", headers={"Content-Type": "application/json"})


# ----- step 3: hostname associations ------------------------------------------------------------------------------


def test_associate_read_back_and_disable(api, zone_id, rsa_ca):
    leaf = rsa_ca.issue(kind="rsa")
    cert = upload(api, zone_id, leaf)
    [item] = put(api, zone_id, association("App.Example.com", cert["id"], True))
    assert item["hostname"] == "app.example.com" and item["cert_id"] == cert["id"] and item["enabled"] is True
    got = api.ok("GET", hostnames_path(zone_id, "app.example.com"))
    assert got["status"] == got["cert_status"] == "active"
    for field in ("certificate", "issuer", "serial_number", "signature", "expires_on"):
        assert got[field] == cert[field]
    assert got["cert_uploaded_on"] == cert["uploaded_on"]
    assert set(got) == {
        "hostname",
        "cert_id",
        "enabled",
        "status",
        "cert_status",
        "certificate",
        "issuer",
        "serial_number",
        "signature",
        "expires_on",
        "created_at",
        "updated_at",
        "cert_uploaded_on",
        "cert_updated_at",
    }
    [disabled] = put(api, zone_id, association("app.example.com", cert["id"], False))
    assert disabled["enabled"] is False and disabled["created_at"] == got["created_at"]
    assert api.ok("GET", hostnames_path(zone_id, "app.example.com"))["enabled"] is False


def test_association_status_follows_certificate(api, control, zone_id, ec_ca):
    control.config(activation_seconds=3600)
    cert_id = upload(api, zone_id, ec_ca.issue())["id"]
    [item] = put(api, zone_id, association("app.example.com", cert_id, True))
    assert item["status"] == item["cert_status"] == "initializing"
    control.config(activation_seconds=0)
    assert api.ok("GET", hostnames_path(zone_id, "app.example.com"))["status"] == "active"


def test_never_configured_hostname_is_404(api, zone_id):
    api.error("GET", hostnames_path(zone_id, "nothing.example.com"), 404, 1553)


def test_delete_refused_while_referenced(api, zone_id, ec_ca):
    cert_id = upload(api, zone_id, ec_ca.issue())["id"]
    put(api, zone_id, association("a.example.com", cert_id, True), association("b.example.com", cert_id, False))
    api.error("DELETE", certificates_path(zone_id, cert_id), 400, 1433)
    put(api, zone_id, association("a.example.com", cert_id, None))
    api.error("DELETE", certificates_path(zone_id, cert_id), 400, 1433)  # b is disabled, not void
    put(api, zone_id, association("b.example.com", cert_id, None))
    api.ok("DELETE", certificates_path(zone_id, cert_id))


def test_void_removes_association_by_default(api, zone_id, ec_ca):
    cert_id = upload(api, zone_id, ec_ca.issue())["id"]
    put(api, zone_id, association("app.example.com", cert_id, True))
    [voided] = put(api, zone_id, association("app.example.com", cert_id, None))
    assert voided["enabled"] is None and voided["hostname"] == "app.example.com"
    api.error("GET", hostnames_path(zone_id, "app.example.com"), 404, 1553)
    put(api, zone_id, association("app.example.com", cert_id, None))  # voiding again is harmless


def test_void_reads_back_null_in_null_mode(api, control, zone_id, ec_ca):
    control.config(void_mode="null")
    cert_id = upload(api, zone_id, ec_ca.issue())["id"]
    put(api, zone_id, association("app.example.com", cert_id, True))
    put(api, zone_id, association("app.example.com", cert_id, None))
    got = api.ok("GET", hostnames_path(zone_id, "app.example.com"))
    assert got["enabled"] is None and got["cert_id"] == cert_id
    api.ok("DELETE", certificates_path(zone_id, cert_id))  # a void association does not hold the certificate
    api.error("GET", hostnames_path(zone_id, "app.example.com"), 404, 1553)  # gone with its certificate


def test_unknown_or_deleted_cert_id_is_1415(api, zone_id, emulator, ec_ca):
    message = api.error("PUT", hostnames_path(zone_id), 400, 1415, json={"config": [association("app.example.com", str(uuid.uuid4()), True)]})
    assert message == "Certificate ID in request is either invalid or the certificate has been deleted"
    api.error("PUT", hostnames_path(zone_id), 400, 1415, json={"config": [association("app.example.com", "nope", True)]})
    cert_id = upload(api, zone_id, ec_ca.issue())["id"]
    api.ok("DELETE", certificates_path(zone_id, cert_id))
    api.error("PUT", hostnames_path(zone_id), 400, 1415, json={"config": [association("app.example.com", cert_id, None)]})
    other_zone_cert = upload(api, emulator.zone_ids[OTHER_ZONE], ec_ca.issue())["id"]
    api.error("PUT", hostnames_path(zone_id), 400, 1415, json={"config": [association("app.example.com", other_zone_cert, True)]})


def test_pending_deletion_cert_id_is_1414(api, control, zone_id, ec_ca):
    cert_id = upload(api, zone_id, ec_ca.issue())["id"]
    control.config(deletion_seconds=3600)
    api.ok("DELETE", certificates_path(zone_id, cert_id))
    api.error("PUT", hostnames_path(zone_id), 400, 1414, json={"config": [association("app.example.com", cert_id, True)]})


def test_hundred_associations_per_certificate(api, zone_id, ec_ca):
    cert_id = upload(api, zone_id, ec_ca.issue())["id"]
    other_id = upload(api, zone_id, ec_ca.issue())["id"]
    hostnames = [f"h{index}.example.com" for index in range(100)]
    assert len(put(api, zone_id, *(association(name, cert_id, True) for name in hostnames))) == 100
    api.error("PUT", hostnames_path(zone_id), 400, 1416, json={"config": [association("extra.example.com", cert_id, False)]})
    # moving one hostname away frees a slot, in the same atomic request
    put(api, zone_id, association("h0.example.com", other_id, True), association("extra.example.com", cert_id, True))
    put(api, zone_id, association("h1.example.com", cert_id, None))
    put(api, zone_id, association("extra2.example.com", cert_id, True))


def test_put_is_atomic(api, zone_id, ec_ca):
    cert_id = upload(api, zone_id, ec_ca.issue())["id"]
    bad_items = [association("good.example.com", cert_id, True), association("bad.example.com", str(uuid.uuid4()), True)]
    api.error("PUT", hostnames_path(zone_id), 400, 1415, json={"config": bad_items})
    api.error("GET", hostnames_path(zone_id, "good.example.com"), 404, 1553)


def test_moving_hostname_frees_old_certificate(api, zone_id, ec_ca):
    old_id = upload(api, zone_id, ec_ca.issue())["id"]
    new_id = upload(api, zone_id, ec_ca.issue())["id"]
    put(api, zone_id, association("app.example.com", old_id, True))
    [moved] = put(api, zone_id, association("app.example.com", new_id, True))
    assert moved["cert_id"] == new_id
    api.ok("DELETE", certificates_path(zone_id, old_id))
    assert api.ok("GET", hostnames_path(zone_id, "app.example.com"))["cert_id"] == new_id


@pytest.mark.parametrize(
    "config, code",
    [
        (None, 1400),
        ("x", 1400),
        ([], 1400),
        (["x"], 1400),
        ([{"hostname": "app.example.com", "cert_id": "CERT"}], 1400),
        ([{"hostname": "app.example.com", "enabled": True}], 1400),
        ([{"cert_id": "CERT", "enabled": True}], 1400),
        ([{"hostname": 5, "cert_id": "CERT", "enabled": True}], 1400),
        ([{"hostname": "app.example.com", "cert_id": 5, "enabled": True}], 1400),
        ([{"hostname": "app.example.com", "cert_id": "CERT", "enabled": "yes"}], 1400),
        ([{"hostname": "app.example.com", "cert_id": "CERT", "enabled": True}] * 2, 1400),
        ([{"hostname": "app.example.org", "cert_id": "CERT", "enabled": True}], 1417),
        ([{"hostname": "notexample.com", "cert_id": "CERT", "enabled": True}], 1417),
        ([{"hostname": "*.example.com", "cert_id": "CERT", "enabled": True}], 1417),
        ([{"hostname": "bad_name.example.com", "cert_id": "CERT", "enabled": True}], 1417),
        ([{"hostname": "", "cert_id": "CERT", "enabled": True}], 1417),
    ],
    ids=[
        "null",
        "string",
        "empty",
        "item-string",
        "no-enabled",
        "no-cert-id",
        "no-hostname",
        "hostname-int",
        "cert-id-int",
        "enabled-string",
        "duplicate",
        "other-domain",
        "suffix-trick",
        "wildcard",
        "underscore",
        "blank-hostname",
    ],
)
def test_bad_put_bodies_answer_400(api, zone_id, ec_ca, config, code):
    cert_id = upload(api, zone_id, ec_ca.issue())["id"]
    if isinstance(config, list):
        config = [{**item, "cert_id": cert_id} if isinstance(item, dict) and item.get("cert_id") == "CERT" else item for item in config]
    api.error("PUT", hostnames_path(zone_id), 400, code, json={"config": config})
    api.error("PUT", hostnames_path(zone_id), 400, 6007, data=b"{]", headers={"Content-Type": "application/json"})
    api.error("PUT", hostnames_path(zone_id), 400, 1400, json={"configs": []})


def test_zone_apex_is_a_valid_hostname(api, zone_id, ec_ca):
    cert_id = upload(api, zone_id, ec_ca.issue())["id"]
    assert put(api, zone_id, association(ZONE, cert_id, True))[0]["hostname"] == ZONE


# ----- list pagination --------------------------------------------------------------------------------------------


def test_certificate_list_is_one_page_by_default(api, zone_id, ec_ca):
    ids = [upload(api, zone_id, ec_ca.issue())["id"] for _index in range(4)]
    payload = api.call("GET", certificates_path(zone_id)).json()
    assert [cert["id"] for cert in payload["result"]] == ids
    assert payload["result_info"] == {"page": 1, "per_page": 50, "count": 4, "total_count": 4, "total_pages": 1}


def test_list_page_size_forces_pagination(api, control, zone_id, ec_ca):
    control.config(list_page_size=3)
    ids = [upload(api, zone_id, ec_ca.issue())["id"] for _index in range(7)]
    seen, page = [], 1
    while True:
        payload = api.call("GET", certificates_path(zone_id), params={"page": page}).json()
        info = payload["result_info"]
        assert (info["page"], info["per_page"], info["total_count"], info["total_pages"]) == (page, 3, 7, 3)
        assert info["count"] == len(payload["result"]) == (3 if page < 3 else 1)
        seen += [cert["id"] for cert in payload["result"]]
        if page >= info["total_pages"]:
            break
        page += 1
    assert seen == ids
    assert api.ok("GET", certificates_path(zone_id), params={"page": 4}) == []
    api.error("GET", certificates_path(zone_id), 400, 1400, params={"page": "two"})
