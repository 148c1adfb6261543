"""The emulated edge (POST /__emulator__/pull): which client certificate it presents to a TLS origin, what it
answers, which origins it refuses, and that the private key it needs stays in memory."""

# pylint: disable=missing-function-docstring  # test names say what they check
# pylint: disable=redefined-outer-name  # pytest fixtures are parameters named like the fixtures

import json
import os
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from cryptography import x509

# helpers put the repository on sys.path
from tests import pki  # pylint: disable=wrong-import-order,import-error
from tests.emulator.edge import MEMFD_NAME  # pylint: disable=wrong-import-order,import-error

from .helpers import OTHER_ZONE, ZONE, Api, association, certificates_path, hostnames_path, new_emulator, setting_path, token_headers

BIG_BODY = "x" * 5000


def server_certificate(ca, names):
    """A serverAuth leaf for the origin, with the names as DNS SANs: its PEM and its key's, one after the other."""
    leaf = ca.issue(names[0], extensions=[pki.SERVER_AUTH], sans=names, days=1)
    return leaf.cert_pem + leaf.key_pem


class OriginServer(ThreadingHTTPServer):
    """The test origin: what it was sent, and its URL."""

    seen: list[dict]
    url: str


class OriginHandler(BaseHTTPRequestHandler):
    """Records what the edge sent (SNI, Host, path, client certificate) and answers a short or a long text."""

    server: OriginServer

    def do_GET(self):  # pylint: disable=invalid-name
        client = self.connection.getpeercert(binary_form=True)
        self.server.seen.append(
            {
                "sni": getattr(self.connection, "sni", None),
                "host": self.headers["Host"],
                "path": self.path,
                "client": pki.fingerprint(x509.load_der_x509_certificate(client), ":") if client else None,
            }
        )
        body = (BIG_BODY if self.path == "/big" else "hello from the origin\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Quiet."""


def remember_sni(ssl_socket, server_name, context):
    del context
    ssl_socket.sni = server_name


@pytest.fixture(scope="module")
def origin_ca():
    """The throwaway CA of the origin's server certificate."""
    return pki.CertificateAuthority.create("Origin Server CA", "ec")


@pytest.fixture
def origin(tmp_path, origin_ca, ec_ca):
    """A TLS origin on 127.0.0.1 that asks for a client certificate issued by ec_ca (optional, to record its absence)."""
    (tmp_path / "server.pem").write_text(server_certificate(origin_ca, ["*.example.com", "example.com"]))
    (tmp_path / "client-ca.pem").write_text(ec_ca.pair.cert_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.pem")
    context.load_verify_locations(tmp_path / "client-ca.pem")
    context.verify_mode = ssl.CERT_OPTIONAL
    context.sni_callback = remember_sni
    server = OriginServer(("127.0.0.1", 0), OriginHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.url = f"https://127.0.0.1:{server.server_address[1]}/"
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def origin_ca_file(tmp_path, origin_ca):
    path = tmp_path / "origin-ca.pem"
    path.write_text(origin_ca.pair.cert_pem)
    return str(path)


def pull(emulator, **body):
    """The raw answer of one pull."""
    return requests.post(emulator.control_url + "/pull", json=body, timeout=30)


def pulled(emulator, **body):
    response = pull(emulator, **body)
    assert response.status_code == 200, response.text
    return response.json()["result"]


def associate(api, zone_id, hostname, upload, enabled=True):
    cert_id = api.ok("POST", certificates_path(zone_id), json=upload.body())["id"]
    api.ok("PUT", hostnames_path(zone_id), json={"config": [association(hostname, cert_id, enabled)]})
    return cert_id


def test_an_enabled_active_association_presents_its_certificate(emulator, api, zone_id, ec_ca, origin):
    upload = ec_ca.issue()
    cert_id = associate(api, zone_id, "app.example.com", upload)

    result = pulled(emulator, hostname="App.Example.com", origin=origin.url, path="/health?x=1")

    fingerprint = pki.fingerprint(upload.cert, ":")
    assert result == {
        "hostname": "app.example.com",
        "presented": {"cert_id": cert_id, "fingerprint_sha256": fingerprint},
        "status": 200,
        "body": "hello from the origin\n",
        "error": None,
    }
    assert origin.seen == [{"sni": "app.example.com", "host": "app.example.com", "path": "/health?x=1", "client": fingerprint}]


@pytest.mark.parametrize("case", ["absent", "disabled", "voided", "not active yet", "other zone"])
def test_without_an_enabled_active_association_no_certificate_is_presented(emulator, api, control, zone_id, ec_ca, origin, case):
    # tls_client_auth (global AOP) is on in every case: its shared Cloudflare certificate is not emulated.
    api.ok("PATCH", setting_path(zone_id), json={"value": "on"})
    hostname = "app.example.com"
    if case == "disabled":
        associate(api, zone_id, hostname, ec_ca.issue(), enabled=False)
    elif case == "voided":
        cert_id = associate(api, zone_id, hostname, ec_ca.issue())
        api.ok("PUT", hostnames_path(zone_id), json={"config": [association(hostname, cert_id, None)]})
    elif case == "not active yet":
        control.config(activation_seconds=60)
        associate(api, zone_id, hostname, ec_ca.issue())
    elif case == "other zone":
        associate(api, zone_id, hostname, ec_ca.issue())
        hostname = "app." + OTHER_ZONE

    result = pulled(emulator, hostname=hostname, origin=origin.url)

    assert (result["presented"], result["status"], result["error"]) == (None, 200, None)
    assert origin.seen[0]["client"] is None and origin.seen[0]["sni"] == hostname


def test_a_rotation_moves_the_presented_certificate(emulator, api, zone_id, ec_ca, origin):
    associate(api, zone_id, "app.example.com", ec_ca.issue())
    new_id = associate(api, zone_id, "app.example.com", ec_ca.issue())
    assert pulled(emulator, hostname="app.example.com", origin=origin.url)["presented"]["cert_id"] == new_id


def test_ca_file_verifies_the_origin_certificate_and_name(emulator, origin, origin_ca_file, tmp_path, ec_ca):
    assert pulled(emulator, hostname="app.example.com", origin=origin.url, ca_file=origin_ca_file)["status"] == 200
    wrong_ca = tmp_path / "wrong-ca.pem"
    wrong_ca.write_text(ec_ca.pair.cert_pem)
    untrusted = pulled(emulator, hostname="app.example.com", origin=origin.url, ca_file=str(wrong_ca))
    assert untrusted["status"] is None and "CERTIFICATE_VERIFY_FAILED" in untrusted["error"]
    other_name = pulled(emulator, hostname="app.example.net", origin=origin.url, ca_file=origin_ca_file)
    assert other_name["status"] is None and "Hostname mismatch" in other_name["error"]
    assert len(origin.seen) == 1


def test_the_body_is_cut_at_2_kib(emulator, origin):
    result = pulled(emulator, hostname="app.example.com", origin=origin.url, path="/big")
    assert result["status"] == 200 and result["body"] == BIG_BODY[:2048]


def test_a_connection_error_is_reported_not_raised(emulator, api, zone_id, ec_ca):
    cert_id = associate(api, zone_id, "app.example.com", ec_ca.issue())
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    result = pulled(emulator, hostname="app.example.com", origin=f"https://127.0.0.1:{closed_port}/")
    assert result["presented"]["cert_id"] == cert_id
    assert (result["status"], result["body"]) == (None, None) and "Connection refused" in result["error"]


@pytest.mark.parametrize(
    "origin_url",
    [
        "https://192.0.2.1/",
        "https://10.0.0.1:8443/",
        "https://example.com/",
        "https://[::1]:8443/",
        "https://localhost.example/",
        "http://127.0.0.1:8080/",
        "https://127.0.0.1:99999/",
        "https://user@127.0.0.1/",
        "https://127.0.0.1/app",
        "127.0.0.1:443",
        443,
    ],
)
def test_only_https_loopback_origins_are_accepted(emulator, origin_url):
    response = pull(emulator, hostname="app.example.com", origin=origin_url)
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == 1400, response.text


@pytest.mark.parametrize(
    "body, code, words",
    [
        ({"origin": "https://127.0.0.1/"}, 1400, "hostname must be"),
        ({"hostname": "*.example.com", "origin": "https://127.0.0.1/"}, 1400, "hostname must be"),
        ({"hostname": "app.example.org", "origin": "https://127.0.0.1/"}, 1417, "in no zone"),
        ({"hostname": "app.example.com"}, 1400, "origin is required"),
        ({"hostname": "app.example.com", "origin": "https://127.0.0.1/", "path": "health"}, 1400, "path must"),
        ({"hostname": "app.example.com", "origin": "https://127.0.0.1/", "path": "/a b"}, 1400, "path must"),
        ({"hostname": "app.example.com", "origin": "https://127.0.0.1/", "path": "/caf\u00e9"}, 1400, "path must"),
        ({"hostname": "app.example.com", "origin": "https://127.0.0.1/", "ca_file": "/nonexistent/ca.pem"}, 1400, "cannot load"),
        ({"hostname": "app.example.com", "origin": "https://127.0.0.1/", "ca_file": 1}, 1400, "ca_file must"),
        ({"hostname": "app.example.com", "origin": "https://127.0.0.1/", "verify": False}, 1400, "Unknown field(s) verify"),
    ],
)
def test_bad_pulls_answer_400_naming_the_problem(emulator, body, code, words):
    response = pull(emulator, **body)
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["code"] == code and words in error["message"], error


def test_pull_is_post_only(emulator):
    response = requests.get(emulator.control_url + "/pull", timeout=5)
    assert response.status_code == 405 and response.headers["Allow"] == "POST"


def test_the_key_is_kept_in_memory_only(tmp_path, monkeypatch, schema_checker, ec_ca, origin):
    loaded = []  # (the path given to load_cert_chain, the file behind it) of every client certificate the edge loads
    load_cert_chain = ssl.SSLContext.load_cert_chain

    def observed(context, certfile, *args, **kwargs):
        loaded.append((certfile, os.readlink(certfile) if certfile.startswith("/proc/self/fd/") else certfile))
        return load_cert_chain(context, certfile, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_cert_chain", observed)
    state_file = tmp_path / "state.json"
    upload = ec_ca.issue()
    key_line = upload.key_pem.splitlines()[1]
    with new_emulator(state_file=str(state_file)) as emulator:
        api = Api(emulator.base_url, token_headers(emulator.credentials.api_token), schema_checker)
        associate(api, emulator.zone_ids[ZONE], "app.example.com", upload)
        assert pulled(emulator, hostname="app.example.com", origin=origin.url)["presented"] is not None
        for exposed in (state_file.read_text(), json.dumps(emulator.store.dump()), json.dumps(emulator.request_log.entries())):
            assert "PRIVATE KEY" not in exposed and key_line not in exposed
    assert [seen["client"] for seen in origin.seen] == [pki.fingerprint(upload.cert, ":")]
    # The chain and key were read from an anonymous file in memory (a memfd), which is on no filesystem.
    assert [target for _path, target in loaded] == [f"/memfd:{MEMFD_NAME} (deleted)"], loaded


def test_after_a_restart_from_state_a_pull_says_the_key_is_gone(tmp_path, schema_checker, ec_ca, origin):
    state_file = tmp_path / "state.json"
    with new_emulator(state_file=str(state_file)) as first:
        api = Api(first.base_url, token_headers(first.credentials.api_token), schema_checker)
        cert_id = associate(api, first.zone_ids[ZONE], "app.example.com", ec_ca.issue())
    with new_emulator(state_file=str(state_file)) as second:
        response = pull(second, hostname="app.example.com", origin=origin.url)
        assert response.status_code == 409, response.text
        error = response.json()["errors"][0]
        assert error["code"] == 10409
        assert cert_id in error["message"] and "no private key" in error["message"] and "--state" in error["message"]
        assert pulled(second, hostname="www.example.com", origin=origin.url)["status"] == 200  # other hostnames still pull
    assert origin.seen == [{"sni": "www.example.com", "host": "www.example.com", "path": "/", "client": None}]
