"""Control API under /__emulator__ (no auth, no latency, no rate limit): knobs, faults, request log, reset, state,
and the edge's pulls from an origin."""

from . import edge, errors
from .api import failure, json_body, success
from .errors import APIError
from .traffic import parse_fault

CONTROL_PREFIX = "/__emulator__"


class ControlAPI:
    """Answers with the same envelope as the API so one client helper reads both."""

    def __init__(self, emulator):
        self._emulator = emulator
        self._routes = {
            "/config": {"GET": self.get_config, "PATCH": self.patch_config},
            "/faults": {"GET": self.list_faults, "POST": self.add_fault, "DELETE": self.clear_faults},
            "/requests": {"GET": self.list_requests, "DELETE": self.clear_requests},
            "/reset": {"POST": self.reset},
            "/state": {"GET": self.state},
            "/pull": {"POST": self.pull},
        }

    def handle(self, request):
        """Route and run one control request."""
        methods = self._routes.get(request.path[len(CONTROL_PREFIX) :])
        if methods is None:
            return failure(errors.no_route())
        if request.method not in methods:
            return failure(APIError(405, errors.METHOD_NOT_ALLOWED, "Method not allowed", headers={"Allow": ", ".join(methods)}))
        try:
            return methods[request.method](request)
        except APIError as error:
            return failure(error)
        except ValueError as error:
            return failure(errors.invalid_request(str(error)))

    def get_config(self, request):
        """The knobs."""
        del request
        return success(self._emulator.config.as_dict())

    def patch_config(self, request):
        """Change some knobs; a new rate limit or window starts a fresh budget, a new per-address limit a fresh second."""
        changes = json_body(request)
        self._emulator.config.update(changes)
        if {"rate_limit", "rate_window"} & set(changes):
            self._emulator.limiter.reset()
        if "ip_rate_limit" in changes:
            self._emulator.ip_limiter.reset()
        return success(self._emulator.config.as_dict())

    def list_faults(self, request):
        """Queued faults with their remaining counts."""
        del request
        return success(self._emulator.faults.as_list())

    def add_fault(self, request):
        """Queue one fault: {method, path (regex), kind, count, every, retry_after}."""
        self._emulator.faults.add(parse_fault(json_body(request)))
        return success(self._emulator.faults.as_list())

    def clear_faults(self, request):
        """Drop every queued fault."""
        del request
        self._emulator.faults.clear()
        return success([])

    def list_requests(self, request):
        """The request log: method, path, query, status, ms."""
        del request
        return success(self._emulator.request_log.entries())

    def clear_requests(self, request):
        """Empty the request log."""
        del request
        self._emulator.request_log.clear()
        return success([])

    def reset(self, request):
        """Clear state, faults, request log and the rate limits' counts."""
        del request
        self._emulator.reset()
        return success(None)

    def state(self, request):
        """Zones, certificates, associations and settings (never a private key)."""
        del request
        return success(self._emulator.store.dump())

    def pull(self, request):
        """Pull from an origin as the edge: {hostname, origin, path, ca_file} -> {hostname, presented, status, body, error}."""
        return success(edge.pull(self._emulator.store, json_body(request)))
