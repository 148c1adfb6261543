"""The emulated Cloudflare API v4 under /client/v4: routing, authentication, rate limit, faults and envelopes."""

import hmac
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote

from . import errors
from .errors import APIError

API_PREFIX = "/client/v4"
ZONE_ID = re.compile(r"^[0-9a-f]{32}$")
CERT_ID = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$", re.IGNORECASE)
UNPAGINATED_PER_PAGE = 50
ZONES_PER_PAGE = (20, 5, 50)  # default, minimum, maximum
ASSOCIATIONS_PER_PAGE = (50, 1, 1000)  # default, minimum, maximum, as the listing's schema declares them
# The listing's `status` filter: these (comma-separated) or "all"; without it, active only. No "initializing".
ASSOCIATION_STATUS_FILTERS = ("active", "pending_deployment", "pending_deletion", "deleted", "deployment_timed_out", "deletion_timed_out")
HOSTNAME_AOP = r"/zones/(?P<zone_id>[^/]+)/origin_tls_client_auth/hostnames"


@dataclass
class Request:
    """What the HTTP layer hands over: method, path (no query), raw query string, headers, body bytes, client address."""

    method: str
    path: str
    query: str = ""
    headers: object = field(default_factory=dict)
    body: bytes = b""
    client: str = ""  # the caller's IP address: the per-address limit's key

    def query_value(self, name):
        """Last value of a query parameter, or None."""
        values = parse_qs(self.query, keep_blank_values=True).get(name)
        return values[-1] if values else None


@dataclass
class Reply:
    """What the HTTP layer sends: status + JSON payload + extra headers, or nothing at all when drop is set."""

    status: int | None
    payload: object = None
    headers: dict = field(default_factory=dict)
    drop: bool = False
    fault: str | None = None  # the kind of the injected fault that met the request, for the request log


@dataclass(frozen=True)
class Credentials:
    """Accepted credentials: a read-write token, an optional read-only token, and a global key with its email."""

    api_token: str
    api_key: str
    api_email: str
    read_only_token: str | None = None


def success(result, result_info=None):
    """200 with the Cloudflare success envelope."""
    payload = {"success": True, "errors": [], "messages": [], "result": result}
    if result_info is not None:
        payload["result_info"] = result_info
    return Reply(200, payload)


def failure(error):
    """The Cloudflare failure envelope for an APIError."""
    payload = {"success": False, "errors": [{"code": error.code, "message": error.message}], "messages": [], "result": None}
    return Reply(error.http_status, payload, dict(error.headers))


def json_body(request):
    """The request body as JSON; 400 (6007) when it is empty or not JSON."""
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise APIError(400, errors.MALFORMED_JSON, "Malformed JSON in request body") from exc


def int_query(request, name, default, minimum=1, maximum=None):
    """An integer query parameter (minimum..maximum); 400 when it is not one."""
    raw = request.query_value(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise errors.invalid_request(f"{name} must be an integer.") from exc
    if value < minimum:
        raise errors.invalid_request(f"{name} must be >= {minimum}.")
    if maximum is not None and value > maximum:
        raise errors.invalid_request(f"{name} must be <= {maximum}.")
    return value


def status_filter(request):
    """The listing's `status`: a set of statuses, or None for all; 400 for anything else."""
    raw = request.query_value("status")
    if raw is None:
        return {"active"}
    if raw == "all":
        return None
    wanted = raw.split(",")
    unknown = [value for value in wanted if value not in ASSOCIATION_STATUS_FILTERS]
    if unknown:
        raise errors.invalid_request(
            f"status: {', '.join(repr(value) for value in unknown)} is not a status to filter by; give one or more of "
            f"{', '.join(ASSOCIATION_STATUS_FILTERS)} (comma-separated), or all."
        )
    return set(wanted)


def paginate(items, page, per_page):
    """One page of items plus the result_info describing it."""
    chunk = items[(page - 1) * per_page : page * per_page]
    info = {"page": page, "per_page": per_page, "count": len(chunk), "total_count": len(items), "total_pages": math.ceil(len(items) / per_page)}
    return chunk, info


def fault_reply(fault):
    """The answer of a fault that fires instead of the real request."""
    if fault.kind == "429":
        return failure(errors.rate_limited(fault.retry_after))
    if fault.kind == "502":
        return failure(APIError(502, errors.BAD_GATEWAY, "Bad gateway (emulated fault)"))
    if fault.kind == "503":
        return failure(
            APIError(503, errors.SERVICE_UNAVAILABLE, "Service temporarily unavailable (emulated fault)", headers={"Retry-After": str(fault.retry_after)})
        )
    return Reply(None, drop=True)  # drop_before_commit: nothing was applied, nothing is answered


class CloudflareAPI:
    """Serves one API request at a time (the store is thread-safe); see tests/emulator/README.md."""

    def __init__(self, emulator):
        self._store = emulator.store
        self._config = emulator.config
        self._limiter = emulator.limiter
        self._ip_limiter = emulator.ip_limiter
        self._faults = emulator.faults
        self._credentials = emulator.credentials
        # path regex -> {method: handler}; the first matching path wins
        self._routes: list[tuple[re.Pattern[str], dict[str, Callable]]] = [
            (re.compile(r"/zones"), {"GET": self.list_zones}),
            (re.compile(HOSTNAME_AOP + r"/certificates"), {"GET": self.list_certificates, "POST": self.upload_certificate}),
            (re.compile(HOSTNAME_AOP + r"/certificates/(?P<certificate_id>[^/]+)"), {"GET": self.get_certificate, "DELETE": self.delete_certificate}),
            (re.compile(HOSTNAME_AOP), {"GET": self.list_associations, "PUT": self.put_hostnames}),
            (re.compile(HOSTNAME_AOP + r"/(?P<hostname>[^/]+)"), {"GET": self.get_hostname}),
            (re.compile(r"/zones/(?P<zone_id>[^/]+)/settings/(?P<setting_id>[^/]+)"), {"GET": self.get_setting, "PATCH": self.patch_setting}),
        ]

    def handle(self, request):
        """Latency, per-address limit, per-user budget, faults, then the endpoint itself."""
        if self._config.latency_ms:
            time.sleep(self._config.latency_ms / 1000)
        # The per-address limit first: a call it refuses never reaches the per-user budget, so spends none of it (assumed).
        retry_after = self._ip_limiter.consume(request.client)
        if retry_after is not None:
            return failure(errors.rate_limited(retry_after))
        retry_after = self._limiter.consume()
        if retry_after is not None:
            return failure(errors.rate_limited(retry_after))
        fault = self._faults.take(request.method, request.path)
        if fault is None:
            return self._served(request)
        if fault.kind == "slow":
            # Held, then performed and answered: a client that gave up meanwhile sees its write land later.
            time.sleep(fault.seconds)
            reply = self._served(request)
        elif fault.kind == "drop_after_commit":
            reply = self._served(request)
            reply.drop = True  # the work is done, the answer is lost
        else:
            reply = fault_reply(fault)
        reply.fault = fault.kind
        return reply

    def _served(self, request):
        try:
            return self._serve(request)
        except APIError as error:
            return failure(error)

    def _serve(self, request):
        handler, params = self._resolve(request)
        self._authenticate(request.headers, write=request.method != "GET")
        zone_id = params.get("zone_id")
        if zone_id is not None and not ZONE_ID.match(zone_id):
            raise errors.could_not_route(request.path)
        return handler(request, **params)

    def _resolve(self, request):
        if not request.path.startswith(API_PREFIX + "/"):
            raise errors.no_route()
        route_path = request.path[len(API_PREFIX) :]
        for pattern, methods in self._routes:
            match = pattern.fullmatch(route_path)
            if match is None:
                continue
            off = self._switched_off()
            allowed = {verb: handler for verb, handler in methods.items() if handler not in off}
            if request.method not in allowed:
                if request.method in methods:  # turned off by a knob: as if the API had no such route
                    raise errors.no_route()
                raise APIError(405, errors.METHOD_NOT_ALLOWED, "Method not allowed", headers={"Allow": ", ".join(allowed)})
            return allowed[request.method], match.groupdict()
        raise errors.no_route()

    def _switched_off(self):
        """Endpoints a knob has turned off."""
        return [self.list_associations] if self._config.association_listing == "off" else []

    def _authenticate(self, headers, write):
        """Bearer token, or X-Auth-Email + X-Auth-Key; the read-only token may only GET."""
        creds = self._credentials
        authorization = headers.get("Authorization")
        if authorization:
            scheme, token = authorization.partition(" ")[::2]
            token = token.strip()
            if scheme.lower() != "bearer" or not token:
                raise errors.authentication_error()
            if hmac.compare_digest(token, creds.api_token):
                return
            if creds.read_only_token and hmac.compare_digest(token, creds.read_only_token):
                if write:
                    raise errors.authentication_error(403)
                return
            raise errors.authentication_error()
        email, key = headers.get("X-Auth-Email"), headers.get("X-Auth-Key")
        if email and key and hmac.compare_digest(key, creds.api_key) and email.lower() == creds.api_email.lower():
            return
        raise errors.authentication_error()

    # ----- endpoints ----------------------------------------------------------------------------------------

    def list_zones(self, request):
        """GET /zones[?name=][&page=][&per_page=] (per_page clamped to 5..50)."""
        default, lowest, highest = ZONES_PER_PAGE
        per_page = min(max(int_query(request, "per_page", default), lowest), highest)
        zones = self._store.list_zones(request.query_value("name"))
        return success(*paginate(zones, int_query(request, "page", 1), per_page))

    def list_certificates(self, request, zone_id):
        """GET hostname certificates: one page, unless list_page_size forces pagination."""
        certificates = self._store.list_certificates(zone_id)
        per_page = self._config.list_page_size or UNPAGINATED_PER_PAGE
        return success(*paginate(certificates, int_query(request, "page", 1), per_page))

    def upload_certificate(self, request, zone_id):
        """POST {certificate, private_key}."""
        return success(self._store.upload_certificate(zone_id, json_body(request)))

    def get_certificate(self, request, zone_id, certificate_id):
        """GET one certificate."""
        self._check_certificate_id(request, certificate_id)
        return success(self._store.get_certificate(zone_id, certificate_id))

    def delete_certificate(self, request, zone_id, certificate_id):
        """DELETE one certificate (any body is ignored: the SDKs send none)."""
        self._check_certificate_id(request, certificate_id)
        return success(self._store.delete_certificate(zone_id, certificate_id))

    def list_associations(self, request, zone_id):
        """GET the zone's associations: ?page=&per_page= (50, at most 1000), ?status= (active unless given), by hostname."""
        default, lowest, highest = ASSOCIATIONS_PER_PAGE
        page = int_query(request, "page", 1)
        per_page = int_query(request, "per_page", default, lowest, highest)
        associations = self._store.list_associations(zone_id, status_filter(request))
        return success(*paginate(associations, page, per_page))

    def put_hostnames(self, request, zone_id):
        """PUT {config: [{hostname, cert_id, enabled}]}."""
        return success(self._store.put_associations(zone_id, json_body(request)))

    def get_hostname(self, request, zone_id, hostname):
        """GET one hostname association."""
        del request
        return success(self._store.get_association(zone_id, unquote(hostname)))

    def get_setting(self, request, zone_id, setting_id):
        """GET /settings/tls_client_auth (no other setting is emulated)."""
        self._check_setting_id(request, setting_id)
        return success(self._store.get_setting(zone_id))

    def patch_setting(self, request, zone_id, setting_id):
        """PATCH /settings/tls_client_auth {value: on|off}."""
        self._check_setting_id(request, setting_id)
        return success(self._store.patch_setting(zone_id, json_body(request)))

    @staticmethod
    def _check_certificate_id(request, certificate_id):
        if not CERT_ID.match(certificate_id):
            raise errors.could_not_route(request.path)

    @staticmethod
    def _check_setting_id(request, setting_id):
        if setting_id != "tls_client_auth":
            raise errors.could_not_route(request.path)
