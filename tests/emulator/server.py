"""Local emulator of the Cloudflare API v4 subset used for per-hostname Authenticated Origin Pulls.

Run `python3 tests/emulator/server.py --port 0 --zone example.com`; the first stdout line is a JSON object with the
base URL, the control URL, the credentials and the zone ids. Or, from Python (repo root on sys.path):
`from tests.emulator.server import Emulator`. See tests/emulator/README.md.
"""

import argparse
import json
import secrets
import signal
import socket
import ssl
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

if __package__ in (None, ""):
    # Started as a script: make the package importable so the relative imports below work (PEP 366).
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    __package__ = "tests.emulator"  # pylint: disable=redefined-builtin

# pylint: disable=wrong-import-position
from . import errors
from .api import API_PREFIX, CloudflareAPI, Credentials, Request, failure
from .config import DEFAULT_ACTIVATION_SECONDS, DEFAULT_IP_RATE_LIMIT, DEFAULT_RATE_LIMIT, DEFAULT_RATE_WINDOW, SWITCH, VOID_MODES, RuntimeConfig
from .control import CONTROL_PREFIX, ControlAPI
from .errors import APIError
from .store import Store
from .traffic import AddressRateLimiter, FaultQueue, RateLimiter, RequestLog

# pylint: enable=wrong-import-position

DEFAULT_API_TOKEN = "emulator-token"
DEFAULT_API_KEY = "emulator-global-api-key"
DEFAULT_API_EMAIL = "emulator@example.com"
DEFAULT_ZONES = ("example.com",)
LISTEN_HOST = "127.0.0.1"  # never anything else: the emulator has well-known demo credentials
MAX_BODY_BYTES = 1024 * 1024


class BadRequestBody(Exception):
    """The body could not be read; carries the reply to send before closing the connection."""

    def __init__(self, reply):
        super().__init__(reply.payload)
        self.reply = reply


def new_ray_id():
    """A cf-ray like Cloudflare's (16 hex digits + data-centre code); EMU marks the emulator."""
    return secrets.token_hex(8) + "-EMU"


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    """Thin HTTP layer: read the request, let the Emulator answer, write JSON (or drop the connection)."""

    protocol_version = "HTTP/1.1"
    server: "EmulatorHTTPServer"  # the server it was made by, which knows its Emulator
    server_version = "cloudflare"
    sys_version = ""
    timeout = 60  # idle keep-alive connections end eventually

    def setup(self):
        super().setup()
        # Headers and body are separate writes: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms per answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self):
        """The Server header, as Cloudflare sends it."""
        return self.server_version

    def do_GET(self):  # pylint: disable=invalid-name
        """Every verb goes through the same dispatcher; routing decides what is allowed."""
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_GET

    def send_error(self, code, message=None, explain=None):
        """http.server's own refusals (unknown verb, malformed request line...) get a JSON envelope too."""
        del explain
        if code == 501:  # a verb http.server has no do_<VERB> for
            error = APIError(405, errors.METHOD_NOT_ALLOWED, "Method not allowed")
        else:
            error = APIError(code, errors.INVALID_REQUEST if code < 500 else errors.INTERNAL_ERROR, message or "Bad request")
        self.close_connection = True  # pylint: disable=attribute-defined-outside-init
        self._send(failure(error), self.server.emulator)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Silent: stdout carries the start-up JSON line, and request details live in the request log."""

    def _dispatch(self):
        url = urlsplit(self.path)
        emulator = self.server.emulator
        try:
            body = self._read_body()
        except BadRequestBody as bad:
            self.close_connection = True  # pylint: disable=attribute-defined-outside-init
            self._send(bad.reply, emulator)
            return
        reply = emulator.respond(Request(self.command, url.path, url.query, self.headers, body, client=self.client_address[0]))
        if reply.drop:
            self._drop_connection()
            return
        try:
            self._send(reply, emulator)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # pylint: disable=attribute-defined-outside-init  # the client gave up (slow fault)

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked_body()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError as exc:
            raise BadRequestBody(failure(errors.invalid_request("Invalid Content-Length."))) from exc
        if length > MAX_BODY_BYTES:
            raise BadRequestBody(failure(APIError(413, errors.BODY_TOO_LARGE, "Request body too large.")))
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked_body(self):
        chunks, total = [], 0
        try:
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    break
                total += size
                if total > MAX_BODY_BYTES:
                    raise BadRequestBody(failure(APIError(413, errors.BODY_TOO_LARGE, "Request body too large.")))
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        except ValueError as exc:
            raise BadRequestBody(failure(errors.invalid_request("Invalid chunked body."))) from exc
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # skip trailers
        return b"".join(chunks)

    def _send(self, reply, emulator):
        data = json.dumps(reply.payload).encode("utf-8")
        self.send_response(reply.status)
        headers = {"Content-Type": "application/json", "cf-ray": new_ray_id()} | emulator.limiter.headers() | reply.headers
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _drop_connection(self):
        """Close the socket without a byte of answer (the client sees a dropped connection)."""
        self.close_connection = True  # pylint: disable=attribute-defined-outside-init
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class EmulatorHTTPServer(ThreadingHTTPServer):
    """One thread per connection; threads never keep the process alive."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, emulator, port, tls=None):
        super().__init__((LISTEN_HOST, port), EmulatorRequestHandler)
        self.emulator = emulator
        if tls is not None:
            # HTTPS, for tests of the clients' certificate verification; a refused handshake only drops that connection.
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.socket = context.wrap_socket(self.socket, server_side=True)


class Emulator:  # pylint: disable=too-many-instance-attributes
    """The emulator: state, knobs, faults and request log, served over HTTP on 127.0.0.1.

    Knobs (keyword arguments, also changeable later through `.config.update({...})` or the control API):
    latency_ms, activation_seconds, deletion_seconds, rate_limit, rate_window, ip_rate_limit, list_page_size, void_mode,
    association_listing. `clock` is the rate limiters' (tests pass a fake one).
    """

    def __init__(
        self,
        zones=DEFAULT_ZONES,
        *,
        port=0,
        state_file=None,
        api_token=DEFAULT_API_TOKEN,  # pylint: disable=too-many-arguments
        api_key=DEFAULT_API_KEY,
        api_email=DEFAULT_API_EMAIL,
        read_only_token=None,
        tls=None,
        clock=time.monotonic,
        **knobs,
    ):
        self.credentials = Credentials(api_token=api_token, api_key=api_key, api_email=api_email, read_only_token=read_only_token)
        knobs.setdefault("activation_seconds", DEFAULT_ACTIVATION_SECONDS)
        self.config = RuntimeConfig(**knobs)
        self.store = Store(zones, self.config, state_file=state_file)
        self.limiter = RateLimiter(self.config, clock=clock)
        self.ip_limiter = AddressRateLimiter(self.config, clock=clock)
        self.faults = FaultQueue()
        self.request_log = RequestLog()
        self.api = CloudflareAPI(self)
        self.control = ControlAPI(self)
        self._port = port
        self._tls = tls  # (certificate file, key file) to serve HTTPS, or None for HTTP
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----- lifecycle ----------------------------------------------------------------------------------------

    def start(self):
        """Bind 127.0.0.1 (port 0 picks a free one) and serve in a background thread."""
        self._server = EmulatorHTTPServer(self, self._port, self._tls)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="cloudflare-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop serving and release the port."""
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def port(self):
        """The bound port (only meaningful once started)."""
        assert self._server is not None, 'the emulator is not started'
        return self._server.server_address[1]

    @property
    def scheme(self):
        return "https" if self._tls else "http"

    @property
    def base_url(self):
        """What clients use as the API base URL (CLOUDFLARE_BASE_URL)."""
        return f"{self.scheme}://{LISTEN_HOST}:{self.port}{API_PREFIX}"

    @property
    def control_url(self):
        """Root of the control API."""
        return f"{self.scheme}://{LISTEN_HOST}:{self.port}{CONTROL_PREFIX}"

    @property
    def zone_ids(self):
        """{zone name: zone id}."""
        return self.store.zone_ids()

    def describe(self):
        """The start-up line: where to connect and with what."""
        creds = self.credentials
        return {
            "base_url": self.base_url,
            "control_url": self.control_url,
            "api_token": creds.api_token,
            "read_only_token": creds.read_only_token,
            "api_key": creds.api_key,
            "api_email": creds.api_email,
            "zones": self.zone_ids,
        }

    def reset(self):
        """Clear state, faults, request log and the rate limits' counts (knobs stay)."""
        self.store.reset()
        self.faults.clear()
        self.request_log.clear()
        self.limiter.reset()
        self.ip_limiter.reset()

    # ----- requests -----------------------------------------------------------------------------------------

    def respond(self, request):
        """Answer one request; an unexpected exception still answers a JSON envelope (500)."""
        started = time.monotonic()
        is_control = request.path == CONTROL_PREFIX or request.path.startswith(CONTROL_PREFIX + "/")
        try:
            reply = self.control.handle(request) if is_control else self.api.handle(request)
        except Exception:  # pylint: disable=broad-exception-caught
            traceback.print_exc(file=sys.stderr)
            reply = failure(APIError(500, errors.INTERNAL_ERROR, "Internal server error"))
        if not is_control:
            status = None if reply.drop else reply.status
            self.request_log.record(request, status, (time.monotonic() - started) * 1000, reply.fault)
        return reply


# ----- command line -----------------------------------------------------------------------------------------


def parse_args(argv):
    """Command-line options (see README.md)."""
    parser = argparse.ArgumentParser(description="Local Cloudflare API emulator for per-hostname Authenticated Origin Pulls.")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: any free port)")
    parser.add_argument("--zone", action="append", dest="zones", metavar="NAME", help="zone to serve (repeatable; default example.com)")
    parser.add_argument("--state", metavar="FILE", help="load state from FILE if present, save it after each write")
    parser.add_argument("--api-token", default=DEFAULT_API_TOKEN)
    parser.add_argument("--read-only-token", default=None, help="a valid token that may only GET")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--api-email", default=DEFAULT_API_EMAIL)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--activation-seconds", type=float, default=DEFAULT_ACTIVATION_SECONDS)
    parser.add_argument(
        "--deletion-seconds", type=float, default=None, help="how long a deleted certificate stays pending_deletion (default: --activation-seconds)"
    )
    parser.add_argument("--rate-limit", type=int, default=DEFAULT_RATE_LIMIT)
    parser.add_argument("--rate-window", type=float, default=DEFAULT_RATE_WINDOW)
    parser.add_argument(
        "--ip-rate-limit", type=int, default=DEFAULT_IP_RATE_LIMIT, metavar="N", help="calls per second per client address (Cloudflare's 200/s; 0: off)"
    )
    parser.add_argument("--list-page-size", type=int, default=None, help="paginate the certificate list (default: one page)")
    parser.add_argument("--void-mode", choices=VOID_MODES, default="remove")
    parser.add_argument("--association-listing", choices=SWITCH, default="on", help="off: GET .../hostnames answers as an unknown route")
    parser.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this certificate (PEM; with --tls-key)")
    parser.add_argument("--tls-key", metavar="FILE", help="the key of --tls-cert (PEM, unencrypted)")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    args.zones = args.zones or list(DEFAULT_ZONES)
    return parser, args


def main(argv=None):
    """Serve until SIGTERM or SIGINT, then exit 0."""
    parser, args = parse_args(argv)
    knobs = {
        "latency_ms": args.latency_ms,
        "activation_seconds": args.activation_seconds,
        "deletion_seconds": args.deletion_seconds,
        "rate_limit": args.rate_limit,
        "rate_window": args.rate_window,
        "ip_rate_limit": args.ip_rate_limit,
        "list_page_size": args.list_page_size,
        "void_mode": args.void_mode,
        "association_listing": args.association_listing,
    }
    try:
        emulator = Emulator(
            args.zones,
            port=args.port,
            state_file=args.state,
            api_token=args.api_token,
            api_key=args.api_key,
            api_email=args.api_email,
            read_only_token=args.read_only_token,
            tls=(args.tls_cert, args.tls_key) if args.tls_cert else None,
            **knobs,
        )
    except (ValueError, KeyError, OSError) as exc:  # bad knob values, unreadable or corrupt state file
        parser.error(f"{type(exc).__name__}: {exc}")
    stop_requested = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop_requested.set())
    try:
        emulator.start()
    except OSError as exc:  # port taken, or a TLS certificate or key that does not load
        parser.error(f"{type(exc).__name__}: {exc}")
    print(json.dumps(emulator.describe()), flush=True)
    while not stop_requested.wait(0.5):
        pass
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
