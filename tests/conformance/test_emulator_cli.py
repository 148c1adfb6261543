"""The emulator as a process: first stdout line, --state persistence across restarts, clean exit on signals."""

# pylint: disable=missing-function-docstring  # test names say what they check
# pylint: disable=redefined-outer-name  # pytest fixtures are parameters named like the fixtures

import hashlib
import json
import signal
import subprocess
import sys

import pytest

from .helpers import OTHER_ZONE, REPO_ROOT, ZONE, Api, association, certificates_path, hostnames_path, setting_path, token_headers

SERVER = REPO_ROOT / "tests" / "emulator" / "server.py"


class EmulatorProcess:  # pylint: disable=too-few-public-methods
    """`python3 tests/emulator/server.py ...` started from another directory, with its start-up line parsed."""

    def __init__(self, *args, zones=(ZONE, OTHER_ZONE)):
        command = [sys.executable, str(SERVER), "--port", "0", *(f"--zone={zone}" for zone in zones), *args]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/")  # pylint: disable=consider-using-with
        assert self.process.stdout and self.process.stderr  # PIPE
        line = self.process.stdout.readline()
        assert line, self.process.stderr.read()
        self.info = json.loads(line)

    def stop(self, signum=signal.SIGTERM):
        """Signal the process; return its exit code."""
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=10)
        finally:
            assert self.process.stdout and self.process.stderr  # PIPE
            self.process.stdout.close()
            self.process.stderr.close()


@pytest.fixture
def start_process():
    """Factory of emulator processes; any still running at the end are killed."""
    started = []

    def start(*args, **kwargs):
        started.append(EmulatorProcess(*args, **kwargs))
        return started[-1]

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()


def test_first_line_describes_the_emulator(start_process):
    emulator = start_process("--api-token", "tok", "--api-key", "key", "--api-email", "me@example.com", "--read-only-token", "ro")
    info = emulator.info
    assert set(info) == {"base_url", "control_url", "api_token", "read_only_token", "api_key", "api_email", "zones"}
    assert info["base_url"].startswith("http://127.0.0.1:") and info["base_url"].endswith("/client/v4")
    assert info["control_url"] == info["base_url"].replace("/client/v4", "/__emulator__")
    assert (info["api_token"], info["read_only_token"], info["api_key"], info["api_email"]) == ("tok", "ro", "key", "me@example.com")
    assert info["zones"] == {name: hashlib.md5(name.encode()).hexdigest() for name in (ZONE, OTHER_ZONE)}
    assert emulator.stop(signal.SIGINT) == 0


def test_cli_knobs_reach_the_config(start_process, schema_checker):
    emulator = start_process(
        "--latency-ms",
        "5",
        "--activation-seconds",
        "0",
        "--deletion-seconds",
        "7",
        "--rate-limit",
        "50",
        "--rate-window",
        "10",
        "--ip-rate-limit",
        "0",
        "--list-page-size",
        "2",
        "--void-mode",
        "null",
        "--association-listing",
        "off",
    )
    client = Api(emulator.info["control_url"], {}, schema_checker)
    assert client.session.get(emulator.info["control_url"] + "/config", timeout=5).json()["result"] == {
        "latency_ms": 5,
        "activation_seconds": 0,
        "deletion_seconds": 7,
        "rate_limit": 50,
        "rate_window": 10,
        "ip_rate_limit": 0,
        "list_page_size": 2,
        "void_mode": "null",
        "association_listing": "off",
    }
    assert emulator.stop() == 0


def test_state_survives_restart_and_holds_no_private_key(start_process, schema_checker, tmp_path, rsa_ca):
    state_file = tmp_path / "state.json"
    leaf = rsa_ca.issue(kind="rsa")
    first = start_process("--state", str(state_file), "--activation-seconds", "0")
    api = Api(first.info["base_url"], token_headers(first.info["api_token"]), schema_checker)
    zone_id = first.info["zones"][ZONE]
    cert = api.ok("POST", certificates_path(zone_id), json=leaf.body())
    api.ok("PUT", hostnames_path(zone_id), json={"config": [association("app.example.com", cert["id"], True)]})
    setting = api.ok("PATCH", setting_path(zone_id), json={"value": "on"})
    association_before = api.ok("GET", hostnames_path(zone_id, "app.example.com"))
    assert first.stop() == 0

    saved = state_file.read_text(encoding="utf-8")
    assert "PRIVATE KEY" not in saved and leaf.key_pem.splitlines()[1] not in saved

    second = start_process("--state", str(state_file), "--activation-seconds", "0")
    assert second.info["zones"] == first.info["zones"]
    api = Api(second.info["base_url"], token_headers(second.info["api_token"]), schema_checker)
    assert api.ok("GET", certificates_path(zone_id, cert["id"])) == cert
    assert api.ok("GET", hostnames_path(zone_id, "app.example.com")) == association_before
    assert api.ok("GET", setting_path(zone_id)) == setting
    api.error("POST", certificates_path(zone_id), 400, 1406, json=leaf.body())
    assert second.stop() == 0


def test_zones_from_the_state_file_are_kept(start_process, tmp_path, schema_checker):
    state_file = tmp_path / "state.json"
    first = start_process("--state", str(state_file))
    assert state_file.exists()  # written at start, then after each write
    api = Api(first.info["base_url"], token_headers(first.info["api_token"]), schema_checker)
    api.ok("PATCH", setting_path(first.info["zones"][OTHER_ZONE]), json={"value": "on"})
    assert first.stop() == 0
    second = start_process("--state", str(state_file), zones=())
    assert second.info["zones"] == first.info["zones"]
    api = Api(second.info["base_url"], token_headers(second.info["api_token"]), schema_checker)
    assert api.ok("GET", setting_path(first.info["zones"][OTHER_ZONE]))["value"] == "on"
    assert second.stop() == 0


def test_bad_arguments_exit_nonzero():
    result = subprocess.run([sys.executable, str(SERVER), "--void-mode", "keep"], capture_output=True, text=True, timeout=10, check=False)
    assert result.returncode == 2 and result.stdout == ""
    result = subprocess.run([sys.executable, str(SERVER), "--rate-limit", "0"], capture_output=True, text=True, timeout=10, check=False)
    assert result.returncode == 2 and "rate_limit" in result.stderr
    result = subprocess.run([sys.executable, str(SERVER), "--ip-rate-limit", "-1"], capture_output=True, text=True, timeout=10, check=False)
    assert result.returncode == 2 and "ip_rate_limit must be an integer >= 0" in result.stderr
