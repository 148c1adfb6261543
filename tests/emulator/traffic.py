"""Traffic shaping of the emulator: the Cloudflare-like rate limiters (per user, per client address), queued faults and
the request log."""

import math
import re
import threading
import time
from collections import deque
from dataclasses import dataclass

FAULT_KINDS = ("429", "502", "503", "drop_after_commit", "drop_before_commit", "slow")
REQUEST_LOG_LIMIT = 10000


class RateLimiter:
    """One budget of `rate_limit` requests per `rate_window` seconds, shared by every credential.

    Like Cloudflare, exceeding the budget blocks every call for a whole window (HTTP 429 + Retry-After).
    """

    def __init__(self, config, clock=time.monotonic):
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._window_start = None
        self._used = 0
        self._blocked_until = None

    def reset(self):
        """Forget the current window and any block."""
        with self._lock:
            self._window_start = None
            self._used = 0
            self._blocked_until = None

    def consume(self):
        """Spend one request; return the seconds to wait (Retry-After) when blocked, else None."""
        with self._lock:
            now = self._clock()
            if self._blocked_until is not None:
                if now < self._blocked_until:
                    return max(1, math.ceil(self._blocked_until - now))
                self._blocked_until = None
                self._window_start = None
            self._roll_window(now)
            if self._used >= self._config.rate_limit:
                self._blocked_until = now + self._config.rate_window
                return max(1, math.ceil(self._config.rate_window))
            self._used += 1
            return None

    def headers(self):
        """`Ratelimit` and `Ratelimit-Policy` as Cloudflare sends them (IETF draft structured fields)."""
        with self._lock:
            remaining, reset = self._remaining_and_reset(self._clock())
        return {
            "Ratelimit": f'"default";r={remaining};t={max(0, math.ceil(reset))}',
            "Ratelimit-Policy": f'"default";q={self._config.rate_limit};w={math.ceil(self._config.rate_window)}',
        }

    def _remaining_and_reset(self, now):
        limit, window = self._config.rate_limit, self._config.rate_window
        if self._blocked_until is not None and now < self._blocked_until:
            return 0, self._blocked_until - now
        if self._blocked_until is not None or self._window_start is None or now >= self._window_start + window:
            return limit, window  # the next request opens a fresh window
        return max(0, limit - self._used), self._window_start + window - now

    def _roll_window(self, now):
        if self._window_start is None or now >= self._window_start + self._config.rate_window:
            self._window_start = now
            self._used = 0


class AddressRateLimiter:
    """Cloudflare's "Client API per IP: 200/second": at most `ip_rate_limit` calls per client address in any
    1-second sliding window (0: off).

    Past it Cloudflare's answer is undocumented; assumed: 429 + `Retry-After: 1`, no block beyond the window, and the
    refused call is not counted, so calls pass again as soon as the oldest accepted one is a second old.
    """

    WINDOW = 1.0

    def __init__(self, config, clock=time.monotonic):
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._accepted: dict[str, deque] = {}  # address -> times of its accepted calls in the last WINDOW

    def reset(self):
        """Forget every address's calls."""
        with self._lock:
            self._accepted.clear()

    def consume(self, address):
        """Count one call from `address`; return the seconds to wait (Retry-After) when refused, else None."""
        limit = self._config.ip_rate_limit
        if not limit:
            return None
        with self._lock:
            now = self._clock()
            accepted = self._accepted.setdefault(address, deque())
            while accepted and accepted[0] <= now - self.WINDOW:
                accepted.popleft()
            if len(accepted) >= limit:
                # whole seconds, rounded up, as Cloudflare's Retry-After: always 1 for a 1-second window
                return max(1, math.ceil(accepted[0] + self.WINDOW - now))
            accepted.append(now)
            return None


@dataclass
class Fault:
    """A queued fault: every `every`-th request matching method and path regex gets `kind`, `remaining` more times."""

    method: str
    path: str
    kind: str
    remaining: int
    retry_after: int
    every: int = 1
    seconds: int = 2  # how long a slow fault holds the request before it is performed and answered
    seen: int = 0  # matching requests that reached this fault (not taken by an earlier one in the queue)

    def matches(self, method, path):
        """True when this fault applies to the request."""
        return self.method in ("*", method) and re.search(self.path, path) is not None

    def fires(self):
        """Count one matching request; True when it is the Nth (2Nth, ...) one and so gets the fault."""
        self.seen += 1
        return self.seen % self.every == 0

    def as_dict(self):
        """JSON-ready view."""
        return {
            "method": self.method,
            "path": self.path,
            "kind": self.kind,
            "count": self.remaining,
            "every": self.every,
            "retry_after": self.retry_after,
            "seconds": self.seconds,
        }


def _positive_int(spec, name, default):
    value = spec.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1")
    return value


def parse_fault(spec):
    """Build a Fault from the POST /__emulator__/faults body; raise ValueError when it is not valid."""
    if not isinstance(spec, dict):
        raise ValueError("a fault must be a JSON object")
    unknown = set(spec) - {"method", "path", "kind", "count", "every", "retry_after", "seconds"}
    if unknown:
        raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
    kind = str(spec.get("kind", ""))
    if kind not in FAULT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
    method = spec.get("method", "*")
    path = spec.get("path", ".*")
    if not isinstance(method, str) or not isinstance(path, str):
        raise ValueError("method and path must be strings")
    try:
        re.compile(path)
    except re.error as exc:
        raise ValueError(f"path is not a valid regular expression: {exc}") from exc
    return Fault(
        method=method.upper(),
        path=path,
        kind=kind,
        remaining=_positive_int(spec, "count", 1),
        retry_after=_positive_int(spec, "retry_after", 1),
        every=_positive_int(spec, "every", 1),
        seconds=_positive_int(spec, "seconds", 2),
    )


class FaultQueue:
    """Faults in the order they were queued; a request gets the first matching one that fires."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []

    def add(self, fault):
        """Queue a fault."""
        with self._lock:
            self._faults.append(fault)

    def take(self, method, path):
        """Consume one use of the first fault that matches the request and fires, or return None.

        A matching fault that skips this request (its `every` is not due) lets the later faults have it.
        """
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path) and fault.fires():
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self):
        """Drop every queued fault."""
        with self._lock:
            self._faults.clear()

    def as_list(self):
        """JSON-ready view of the queue."""
        with self._lock:
            return [fault.as_dict() for fault in self._faults]


class RequestLog:
    """What was called and how it ended; never bodies or headers, so never secrets."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries: deque[dict] = deque(maxlen=REQUEST_LOG_LIMIT)

    def record(self, request, status, elapsed_ms, fault=None):
        """Append one entry; status is None when the connection was dropped without an answer, fault the kind of the
        injected fault that met the request (None when none did)."""
        entry = {"method": request.method, "path": request.path, "query": request.query, "status": status, "ms": round(elapsed_ms, 1), "fault": fault}
        with self._lock:
            self._entries.append(entry)

    def entries(self):
        """A copy of the log, oldest first."""
        with self._lock:
            return list(self._entries)

    def clear(self):
        """Empty the log."""
        with self._lock:
            self._entries.clear()
