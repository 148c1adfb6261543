"""The emulated edge: one pull from an origin as Cloudflare's edge makes it for a hostname (POST /__emulator__/pull).

The hostname's per-hostname association decides the client certificate: an enabled association whose certificate is
active presents that certificate; otherwise the edge connects without one (Cloudflare's shared certificate of global
AOP, `tls_client_auth`, is not emulated). Origins must be on loopback: the emulated edge never leaves the machine.
`ssl`'s load_cert_chain reads only files: the certificate and its key reach it through an anonymous in-memory file
(Linux's memfd_create), so the key is never written to a filesystem.
"""

import http.client
import ipaddress
import os
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization

from . import errors
from .store import is_valid_hostname

PULL_FIELDS = ("hostname", "origin", "path", "ca_file")
TIMEOUT_SECONDS = 10
BODY_LIMIT = 2048
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
USER_AGENT = "cloudflare-emulator-edge"
MEMFD_NAME = "emulator-edge-client-certificate"  # a label only: the memfd is on no filesystem


@dataclass(frozen=True)
class Pull:
    """A validated pull request."""

    hostname: str
    host: str
    port: int
    path: str
    ca_file: str | None


def parse_pull(body):
    """{hostname, origin, path = "/", ca_file = null} -> Pull; 400 naming the field that is wrong."""
    if not isinstance(body, dict):
        raise errors.invalid_request("The pull must be a JSON object.")
    unknown = sorted(set(body) - set(PULL_FIELDS))
    if unknown:
        raise errors.invalid_request(f"Unknown field(s) {', '.join(unknown)}; known: {', '.join(PULL_FIELDS)}.")
    hostname, origin = body.get("hostname"), body.get("origin")
    path, ca_file = body.get("path", "/"), body.get("ca_file")
    if not isinstance(hostname, str) or not is_valid_hostname(hostname.lower()):
        raise errors.invalid_request("hostname must be a plain DNS hostname, e.g. app.example.com.")
    if not isinstance(path, str) or not path.startswith("/") or not all("!" <= char <= "~" for char in path):
        raise errors.invalid_request("path must start with / and hold only printable ASCII, no space.")
    if ca_file is not None and not isinstance(ca_file, str):
        raise errors.invalid_request("ca_file must be null or the path of a PEM file.")
    host, port = parse_origin(origin)
    return Pull(hostname.lower(), host, port, path, ca_file)


def parse_origin(origin):
    """https://HOST[:PORT][/] with HOST localhost or in 127.0.0.0/8 -> (host, port)."""
    if not isinstance(origin, str):
        raise errors.invalid_request("origin is required: https://127.0.0.1:PORT/")
    url = urlsplit(origin)
    try:
        port = url.port or 443
    except ValueError as exc:
        raise errors.invalid_request(f"origin {origin!r}: invalid port.") from exc
    if url.scheme != "https" or url.username is not None or url.path not in ("", "/") or url.query or url.fragment:
        raise errors.invalid_request(f"origin {origin!r} must be https://HOST[:PORT]/ (give the path in path).")
    if not is_loopback(url.hostname):
        raise errors.invalid_request(f"origin {origin!r} is not on loopback: the emulated edge only pulls from " "127.0.0.0/8 or localhost.")
    return url.hostname, port


def is_loopback(host):
    """localhost, or an IPv4 address in 127.0.0.0/8."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "") in LOOPBACK
    except ValueError:
        return False


def client_context(ca_file, certificate):
    """TLS client context: with ca_file the origin's certificate and name are verified ("Full (strict)"), without
    it nothing is ("Full", Cloudflare's usual mode); the certificate, when there is one, is presented."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_file is None:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        try:
            context.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise errors.invalid_request(f"ca_file {ca_file}: cannot load it ({exc}).") from exc
    if certificate is not None:
        load_client_certificate(context, certificate)
    return context


def load_client_certificate(context, certificate):
    """load_cert_chain reads only files: chain and key go to an anonymous file in memory (memfd), which it opens by
    its /proc/self/fd path; the file is on no filesystem and is freed when closed."""
    key_pem = certificate.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with os.fdopen(os.memfd_create(MEMFD_NAME, os.MFD_CLOEXEC), "wb") as stream:
        stream.write(certificate.details.pem.encode("ascii") + b"\n" + key_pem)
        stream.flush()
        context.load_cert_chain(f"/proc/self/fd/{stream.fileno()}")


def colon_hex(hex_digest):
    """ab12... -> ab:12:..., the fingerprint form the collection reports."""
    return ":".join(hex_digest[index : index + 2] for index in range(0, len(hex_digest), 2))


def pull(store, body):
    """Connect to the origin as the edge would for the hostname, GET the path, and report what happened."""
    request = parse_pull(body)
    certificate = store.edge_certificate(request.hostname)
    context = client_context(request.ca_file, certificate)
    presented = None if certificate is None else {"cert_id": certificate.id, "fingerprint_sha256": colon_hex(certificate.details.fingerprint)}
    result = {"hostname": request.hostname, "presented": presented, "status": None, "body": None, "error": None}
    try:
        result["status"], result["body"] = fetch(request, context)
    except (OSError, http.client.HTTPException) as exc:  # ssl.SSLError and socket timeouts are OSErrors
        result["error"] = f"{type(exc).__name__}: {exc}"
    return result


def fetch(request, context):
    """GET the path over TLS with the hostname as SNI and Host; (status, first BODY_LIMIT bytes as text)."""
    with socket.create_connection((request.host, request.port), timeout=TIMEOUT_SECONDS) as raw:
        with context.wrap_socket(raw, server_hostname=request.hostname) as tls:
            connection = http.client.HTTPConnection(request.host, request.port, timeout=TIMEOUT_SECONDS)
            connection.sock = tls  # already connected: http.client then speaks HTTP over it
            connection.request("GET", request.path, headers={"Host": request.hostname, "User-Agent": USER_AGENT, "Connection": "close"})
            response = connection.getresponse()
            return response.status, response.read(BODY_LIMIT).decode("utf-8", errors="replace")
