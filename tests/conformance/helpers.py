"""Helpers of the emulator conformance tests, all in one place: API clients, paths, and the OpenAPI schema checker
that validates every API response the tests receive (fixtures are in conftest.py; certificates from tests/pki.py)."""

import copy
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

REPO_ROOT = Path(__file__).resolve().parents[2]
# The emulator and the certificate generator are imported as tests.*.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.emulator.server import Emulator  # noqa: E402  pylint: disable=wrong-import-position,import-error

HERE = Path(__file__).resolve().parent
OPENAPI_DIR = HERE / "openapi"
FIXTURES_DIR = HERE / "fixtures"
SCHEMA_HOST = "https://api.cloudflare.com"
API_PREFIX = "/client/v4"
CONTROL_PREFIX = "/__emulator__"
READ_ONLY_TOKEN = "read-only-token"
FAILURE_COMPONENT = "tls-certificates-and-hostnames_api-response-common-failure"
IDENTIFIER_COMPONENTS = ("tls-certificates-and-hostnames_identifier", "DCY5613T_identifier")
ZONE = "example.com"
OTHER_ZONE = "example.net"


# ----- schema checker -------------------------------------------------------------------------------------------


def load_json(path):
    """Parse a JSON file."""
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


def patch_quirks(spec):
    """Narrow work-arounds for the official schema (see tests/emulator/README.md, "Schema quirks").

    1. The AOP `*_identifier` component has maxLength 32, but certificate ids are UUIDs (36 characters) in every
       example, including the schema's own `cert_id` example: raised to 36.
    2. Every AOP 4XX response is `allOf: [<success envelope>, <failure envelope>]`; the first requires
       success: true, the second success: false, so no body can match: the 4XX schema becomes the failure envelope.
    3. No 5XX response is declared: a 5XX (emulated faults, internal errors) is checked against the operation's
       (patched) 4XX schema, i.e. the failure envelope.
    """
    schemas = spec["components"]["schemas"]
    for name in IDENTIFIER_COMPONENTS:
        if name in schemas:
            schemas[name]["maxLength"] = 36
    for operations in spec["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            failure_schema = responses["4XX"]["content"]["application/json"]["schema"]
            members = failure_schema.get("allOf", [])
            if len(members) == 2 and members[1].get("$ref", "").endswith("_api-response-common-failure"):
                failure_schema.clear()
                failure_schema.update(members[1])
            responses.setdefault("5XX", copy.deepcopy(responses["4XX"]))
    return spec


def add_zone_list_operation(spec):
    """GET /zones is in neither schema file; check it with the file's own zones_ envelope components."""
    spec["components"]["schemas"]["emulator_zone_list"] = {
        "allOf": [
            {"$ref": "#/components/schemas/zones_api-response-common"},
            {
                "properties": {
                    "result": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["id", "name", "status"],
                            "properties": {
                                "id": {"$ref": "#/components/schemas/zones_identifier"},
                                "name": {"type": "string"},
                                "status": {"type": "string"},
                                "paused": {"type": "boolean"},
                            },
                        },
                    },
                    "result_info": {"$ref": "#/components/schemas/tls-certificates-and-hostnames_result_info"},
                }
            },
        ]
    }
    spec["paths"]["/zones"] = {
        "get": {
            "operationId": "emulator-zones-list",
            "responses": {
                "200": {"description": "zones", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/emulator_zone_list"}}}},
                "4XX": {
                    "description": "failure",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/zones_api-response-common-failure"}}},
                },
                "5XX": {
                    "description": "failure",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/zones_api-response-common-failure"}}},
                },
            },
        }
    }
    return spec


ASSOCIATION_LIST_OPERATION = "per-hostname-authenticated-origin-pull-list-hostname-associations"
# The listing's status filter, as REFERENCE.md describes the parameter: one of these, several comma-separated, or all.
ASSOCIATION_STATUS_FILTERS = ("active", "pending_deployment", "pending_deletion", "deleted", "deployment_timed_out", "deletion_timed_out")
_ONE_STATUS = "(?:" + "|".join(ASSOCIATION_STATUS_FILTERS) + ")"


def add_association_list_operation(spec):
    """GET /zones/{zone_id}/origin_tls_client_auth/hostnames is newer than both schema files (cloudflare/api-schemas
    2026-07, hidden from the SDKs); written here from REFERENCE.md's description of it, with the file's own
    components: page (default 1, min 1), per_page (default 50, 1..1000), status (default active); the items are the
    per-hostname GET's association object (the listing's own item schema is not published)."""
    schemas = spec["components"]["schemas"]
    schemas["emulator_association_list"] = {
        "allOf": [
            {"$ref": "#/components/schemas/tls-certificates-and-hostnames_api-response-common"},
            {
                "required": ["result", "result_info"],
                "properties": {
                    "result": {
                        "type": "array",
                        "items": {
                            "allOf": [{"$ref": "#/components/schemas/tls-certificates-and-hostnames_hostname_certid_object"}],
                            "required": ["hostname", "cert_id", "enabled", "status"],
                        },
                    },
                    "result_info": {
                        "type": "object",
                        "required": ["count", "page", "per_page", "total_count", "total_pages"],
                        "properties": {name: {"type": "number"} for name in ("count", "page", "per_page", "total_count", "total_pages")},
                    },
                },
            },
        ]
    }
    failure = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/" + FAILURE_COMPONENT}}}}
    put = spec["paths"]["/zones/{zone_id}/origin_tls_client_auth/hostnames"]["put"]
    spec["paths"]["/zones/{zone_id}/origin_tls_client_auth/hostnames"]["get"] = {
        "operationId": ASSOCIATION_LIST_OPERATION,
        "parameters": [
            {"in": "path", "name": "zone_id", "required": True, "schema": {"$ref": "#/components/schemas/tls-certificates-and-hostnames_identifier"}},
            {"in": "query", "name": "page", "schema": {"type": "number", "default": 1, "minimum": 1}},
            {"in": "query", "name": "per_page", "schema": {"type": "number", "default": 50, "minimum": 1, "maximum": 1000}},
            {"in": "query", "name": "status", "schema": {"type": "string", "default": "active", "pattern": f"^(?:all|{_ONE_STATUS}(?:,{_ONE_STATUS})*)$"}},
        ],
        "responses": {
            "200": {"description": "associations", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/emulator_association_list"}}}},
            "4XX": dict(failure, description="failure"),
            "5XX": dict(failure, description="failure"),
        },
        "security": copy.deepcopy(put["security"]),
    }
    return spec


def template_regex(template):
    """/zones/{zone_id}/x -> regex matching concrete paths."""
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")


def declared_properties(spec, schema):
    """Every property name a schema declares, following $ref and allOf."""
    if "$ref" in schema:
        return declared_properties(spec, spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    names = set(schema.get("properties", {}))
    for member in schema.get("allOf", []):
        names |= declared_properties(spec, member)
    return names


# operationId -> component declaring the result objects' fields (no undeclared field may appear)
RESULT_COMPONENTS = {
    "per-hostname-authenticated-origin-pull-list-certificates": "tls-certificates-and-hostnames_schemas-certificateObject",
    "per-hostname-authenticated-origin-pull-upload-a-hostname-client-certificate": "tls-certificates-and-hostnames_schemas-certificateObject",
    "per-hostname-authenticated-origin-pull-get-the-hostname-client-certificate": "tls-certificates-and-hostnames_schemas-certificateObject",
    "per-hostname-authenticated-origin-pull-delete-hostname-client-certificate": "tls-certificates-and-hostnames_schemas-certificateObject",
    "per-hostname-authenticated-origin-pull-enable-or-disable-a-hostname-for-client-authentication": (
        "tls-certificates-and-hostnames_hostname-authenticated-origin-pull"
    ),
    "per-hostname-authenticated-origin-pull-get-the-hostname-status-for-client-authentication": "tls-certificates-and-hostnames_hostname_certid_object",
    ASSOCIATION_LIST_OPERATION: "tls-certificates-and-hostnames_hostname_certid_object",
    "zone-settings-get-single-setting": "zones_tls_client_auth",
    "zone-settings-edit-single-setting": "zones_tls_client_auth",
}
ENVELOPE_FIELDS = {"success", "errors", "messages", "result", "result_info"}


@dataclass
class Exchange:
    """One answered request, as the schema checker needs it."""

    method: str
    url: str
    status: int
    headers: object
    body: bytes

    @classmethod
    def from_requests(cls, response):
        """From a `requests` response."""
        return cls(response.request.method, response.request.url, response.status_code, response.headers, response.content)

    @property
    def path(self):
        """URL path, without query."""
        return urlsplit(self.url).path

    @property
    def api_path(self):
        """Path below /client/v4, as the schema's paths are written."""
        return self.path[len(API_PREFIX) :]

    @property
    def query(self):
        """{name: last value}."""
        return {name: values[-1] for name, values in parse_qs(urlsplit(self.url).query).items()}


class SchemaSpec:
    """One schema file (quirks patched) with openapi-core on top and a path-template index."""

    def __init__(self, filename, with_added_operations=False):
        self.spec = patch_quirks(load_json(OPENAPI_DIR / filename))
        if with_added_operations:
            add_zone_list_operation(self.spec)
            add_association_list_operation(self.spec)
        self.openapi = OpenAPI.from_dict(copy.deepcopy(self.spec))
        self.templates = [(template_regex(template), template) for template in self.spec["paths"]]

    def path_template(self, api_path):
        """The schema path matching a concrete path; literal segments win over parameters."""
        matches = [template for regex, template in self.templates if regex.match(api_path)]
        return min(matches, key=lambda template: template.count("{")) if matches else None

    def operation(self, method, api_path):
        """The operation object for a request, or None."""
        template = self.path_template(api_path)
        return self.spec["paths"][template].get(method.lower()) if template else None

    def validate(self, exchange):
        """openapi-core validation of one response; raises on any mismatch (unknown operation included)."""
        request = MockRequest(SCHEMA_HOST, exchange.method, exchange.path, args=exchange.query)
        self.openapi.validate_response(request, MockResponse(exchange.body, status_code=exchange.status))


def is_throttle_or_fault(status):
    """Answers any request may get, whatever its route: rate limited or an emulated/internal 5xx."""
    return status == 429 or status >= 500


class SchemaChecker:
    """Validates every emulator API response against the official schema (2024-08; 2023-12 for tls_client_auth)."""

    def __init__(self):
        self.spec_2024 = SchemaSpec("openapi-aop-2024-08.json", with_added_operations=True)
        self.spec_2023 = SchemaSpec("openapi-aop-2023-12.json")
        registry = Registry().with_resource("urn:spec", DRAFT4.create_resource(self.spec_2024.spec))
        # answers to requests the schema has no operation for are checked against the AOP failure envelope
        self.failure_validator = OAS30Validator({"$ref": f"urn:spec#/components/schemas/{FAILURE_COMPONENT}"}, registry=registry)
        self.seen = set()  # (operationId, status)

    def hook(self, response, *args, **kwargs):
        """requests response hook."""
        del args, kwargs
        self.check(Exchange.from_requests(response))
        return response

    def check(self, exchange):
        """Check the headers every response must carry, then the body against the schema."""
        for name in ("cf-ray", "Ratelimit", "Ratelimit-Policy"):
            assert exchange.headers.get(name), f"{exchange.method} {exchange.path}: missing {name} header"
        assert exchange.headers.get("Content-Type") == "application/json"
        assert re.fullmatch(r"[0-9a-f]{16}-EMU", exchange.headers["cf-ray"])
        if exchange.path.startswith(CONTROL_PREFIX):
            return
        assert exchange.path.startswith(API_PREFIX + "/"), f"unexpected path {exchange.path}"
        payload = json.loads(exchange.body)
        operation = self.spec_2024.operation(exchange.method, exchange.api_path)
        if operation is None:
            self._check_no_operation(exchange, payload)
            return
        self.spec_2024.validate(exchange)
        if exchange.api_path.endswith("/settings/tls_client_auth"):
            self.spec_2023.validate(exchange)
        self._check_no_undeclared_fields(operation, payload)
        self.seen.add((operation["operationId"], exchange.status))

    def _check_no_operation(self, exchange, payload):
        """A request the schema has no operation for may only get 405 (known path), 404 7003 (unknown path),
        or a throttle/fault answer; the body must still be the failure envelope."""
        where = f"{exchange.method} {exchange.api_path}"
        if not is_throttle_or_fault(exchange.status):
            if self.spec_2024.path_template(exchange.api_path) is not None:
                assert exchange.status == 405, f"{where}: the schema has no such operation, expected 405, got {exchange.status}"
            else:
                assert exchange.status == 404, f"{where}: not in the schema, expected 404, got {exchange.status}"
                assert payload["errors"][0]["code"] == 7003
        errors = list(self.failure_validator.iter_errors(payload))
        assert not errors, [error.message for error in errors]
        self.seen.add(("no-operation", exchange.status))

    def _check_no_undeclared_fields(self, operation, payload):
        assert set(payload) <= ENVELOPE_FIELDS, set(payload) - ENVELOPE_FIELDS
        component = RESULT_COMPONENTS.get(operation["operationId"])
        if component is None or not payload.get("success"):
            return
        allowed = declared_properties(self.spec_2024.spec, {"$ref": "#/components/schemas/" + component})
        results = payload["result"] if isinstance(payload["result"], list) else [payload["result"]]
        for result in results:
            assert set(result) <= allowed, f"{operation['operationId']}: undeclared fields {set(result) - allowed}"


# ----- emulator and clients -------------------------------------------------------------------------------------


class Api:
    """requests-based API client; every response goes through the schema checker."""

    def __init__(self, base_url, headers, checker):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers.update(headers)
        self.session.hooks["response"].append(checker.hook)

    def call(self, method, path, **kwargs):
        """One request; path is relative to /client/v4."""
        return self.session.request(method, self.base_url + path, timeout=10, **kwargs)

    def ok(self, method, path, **kwargs):
        """A request that must succeed; returns `result`."""
        response = self.call(method, path, **kwargs)
        assert response.status_code == 200, response.text
        assert response.json()["success"] is True
        return response.json()["result"]

    def error(self, method, path, status, code, **kwargs):
        """A request that must fail with this HTTP status and Cloudflare error code; returns the message."""
        response = self.call(method, path, **kwargs)
        assert response.status_code == status, response.text
        payload = response.json()
        assert payload["success"] is False and payload["result"] is None, payload
        assert payload["errors"][0]["code"] == code, payload
        return payload["errors"][0]["message"]


class Control:
    """Client of the /__emulator__ control API."""

    def __init__(self, control_url, checker):
        self.url = control_url
        self.session = requests.Session()
        self.session.hooks["response"].append(checker.hook)

    def _result(self, method, path, **kwargs):
        response = self.session.request(method, self.url + path, timeout=10, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()["result"]

    def config(self, **changes):
        """Read (no arguments) or change knobs."""
        return self._result("PATCH", "/config", json=changes) if changes else self._result("GET", "/config")

    def fault(self, **spec):
        """Queue a fault."""
        return self._result("POST", "/faults", json=spec)

    def clear_faults(self):
        """Drop queued faults."""
        return self._result("DELETE", "/faults")

    def requests(self):
        """The request log."""
        return self._result("GET", "/requests")

    def clear_requests(self):
        """Empty the request log."""
        return self._result("DELETE", "/requests")

    def reset(self):
        """Clear everything."""
        return self._result("POST", "/reset")

    def state(self):
        """State dump."""
        return self._result("GET", "/state")


def new_emulator(**knobs):
    """An emulator (not started) with both test zones, a read-only token, and certificates active at once."""
    knobs.setdefault("activation_seconds", 0)
    return Emulator(zones=[ZONE, OTHER_ZONE], read_only_token=READ_ONLY_TOKEN, **knobs)


def token_headers(token):
    """Bearer auth headers."""
    return {"Authorization": f"Bearer {token}"}


def certificates_path(zone_id, cert_id=None):
    """Path of the hostname certificate collection, or of one certificate."""
    base = f"/zones/{zone_id}/origin_tls_client_auth/hostnames/certificates"
    return base if cert_id is None else f"{base}/{cert_id}"


def hostnames_path(zone_id, hostname=None):
    """Path of the PUT endpoint, or of one hostname's association."""
    base = f"/zones/{zone_id}/origin_tls_client_auth/hostnames"
    return base if hostname is None else f"{base}/{hostname}"


def setting_path(zone_id, setting="tls_client_auth"):
    """Path of a zone setting."""
    return f"/zones/{zone_id}/settings/{setting}"


def association(hostname, cert_id, enabled):
    """One item of the PUT config."""
    return {"hostname": hostname, "cert_id": cert_id, "enabled": enabled}
