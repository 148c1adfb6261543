"""Run-time knobs of the emulator, settable at start and through PATCH /__emulator__/config."""

import threading
from dataclasses import dataclass, field

DEFAULT_ACTIVATION_SECONDS = 2
DEFAULT_RATE_LIMIT = 1200
DEFAULT_RATE_WINDOW = 300
DEFAULT_IP_RATE_LIMIT = 200  # Cloudflare's "Client API per IP: 200/second"
VOID_MODES = ("remove", "null")
SWITCH = ("on", "off")


def _is_number(value):
    # bool is an int subclass, but true/false is never a sensible number here
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_latency_ms(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_activation_seconds(value):
    return _is_number(value) and value >= 0


def _check_deletion_seconds(value):
    return value is None or _check_activation_seconds(value)


def _check_rate_limit(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _check_ip_rate_limit(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_rate_window(value):
    return _is_number(value) and value > 0


def _check_list_page_size(value):
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 1)


def _check_void_mode(value):
    return value in VOID_MODES


def _check_switch(value):
    return value in SWITCH


KNOB_CHECKS = {
    "latency_ms": (_check_latency_ms, "an integer >= 0"),
    "activation_seconds": (_check_activation_seconds, "a number >= 0"),
    "deletion_seconds": (_check_deletion_seconds, "null or a number >= 0"),
    "rate_limit": (_check_rate_limit, "an integer >= 1"),
    "rate_window": (_check_rate_window, "a number > 0"),
    "ip_rate_limit": (_check_ip_rate_limit, "an integer >= 0 (0: off)"),
    "list_page_size": (_check_list_page_size, "null or an integer >= 1"),
    "void_mode": (_check_void_mode, "one of " + ", ".join(VOID_MODES)),
    "association_listing": (_check_switch, "one of " + ", ".join(SWITCH)),
}


@dataclass
class RuntimeConfig:
    """The knobs; read them through attributes, change them with update() (validated, all or nothing)."""

    latency_ms: int = 0
    activation_seconds: float = DEFAULT_ACTIVATION_SECONDS
    deletion_seconds: float | None = None  # None: as long as activation_seconds
    rate_limit: int = DEFAULT_RATE_LIMIT
    rate_window: float = DEFAULT_RATE_WINDOW
    ip_rate_limit: int = DEFAULT_IP_RATE_LIMIT  # calls per second per client address; 0: off
    list_page_size: int | None = None
    void_mode: str = "remove"
    association_listing: str = "on"  # off: GET .../hostnames answers as an unknown route
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self):
        self.update({name: getattr(self, name) for name in KNOB_CHECKS})

    @property
    def deletion_window(self):
        """Seconds a deleted certificate stays pending_deletion."""
        return self.activation_seconds if self.deletion_seconds is None else self.deletion_seconds

    def as_dict(self):
        """The knobs as a JSON-ready dict."""
        return {name: getattr(self, name) for name in KNOB_CHECKS}

    def update(self, changes):
        """Validate every change first, then apply them together; raise ValueError naming the bad knob."""
        if not isinstance(changes, dict):
            raise ValueError("config must be a JSON object")
        for name, value in changes.items():
            if name not in KNOB_CHECKS:
                raise ValueError(f"unknown knob {name!r}; known: {', '.join(KNOB_CHECKS)}")
            check, expected = KNOB_CHECKS[name]
            if not check(value):
                raise ValueError(f"{name} must be {expected}")
        with self._lock:
            for name, value in changes.items():
                setattr(self, name, value)
