"""Cloudflare-shaped API errors raised by the emulator and turned into error envelopes by the server.

Codes marked "emulator choice" are not documented by Cloudflare; tests/emulator/README.md lists them.
"""


class APIError(Exception):
    """An error answered as `{success: false, errors: [{code, message}], messages: [], result: null}`."""

    def __init__(self, http_status, code, message, headers=None):
        super().__init__(message)
        self.http_status = http_status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


# Documented, or reported by users of the live API (REFERENCE.md, "Errors seen"); the messages of 1406, 1412 and 1415
# are the reported ones, the others are the emulator's words.
CERT_ALREADY_EXISTS = 1406
ONLY_LEAF_ALLOWED = 1412
CERT_PENDING_DELETION = 1414
CERT_ID_INVALID = 1415
CERT_IN_USE = 1433
CERT_DEPLOYING = 1434
CERT_NOT_FOUND = 1551
ASSOCIATION_NOT_FOUND = 1553
NO_ROUTE = 7003
AUTHENTICATION_ERROR = 10000

# Emulator choices (the sources are silent).
INVALID_ZONE = 1001
INVALID_SETTING_VALUE = 1007
INVALID_REQUEST = 1400
INVALID_CERTIFICATE = 1401
INVALID_PRIVATE_KEY = 1402
CERT_LIMIT_REACHED = 1407
ASSOCIATION_LIMIT_REACHED = 1416
INVALID_HOSTNAME = 1417
MALFORMED_JSON = 6007
RATE_LIMITED = 10429
METHOD_NOT_ALLOWED = 10405
PRIVATE_KEY_NOT_IN_MEMORY = 10409
BODY_TOO_LARGE = 10413
INTERNAL_ERROR = 10500
BAD_GATEWAY = 10502
SERVICE_UNAVAILABLE = 10503


def invalid_request(message):
    """400 for a body or query that is not what the endpoint expects."""
    return APIError(400, INVALID_REQUEST, message)


def no_route():
    """404 for a path the API does not have."""
    return APIError(404, NO_ROUTE, "No route for the URI")


def could_not_route(path):
    """404 for a path whose object identifier is malformed (Cloudflare's wording)."""
    return APIError(404, NO_ROUTE, f"Could not route to {path}, perhaps your object identifier is invalid?")


def authentication_error(http_status=401):
    """401 (bad or missing credentials) or 403 (credentials without the needed permission)."""
    return APIError(http_status, AUTHENTICATION_ERROR, "Authentication error")


def rate_limited(retry_after):
    """429 answered while the request budget is exhausted, over the per-address limit, or when a 429 fault fires."""
    return APIError(429, RATE_LIMITED, "Rate limited. Please wait and consider throttling your request speed", headers={"Retry-After": str(retry_after)})
