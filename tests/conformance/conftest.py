"""Fixtures of the emulator conformance tests (helpers live in helpers.py)."""

# pylint: disable=redefined-outer-name  # fixtures use fixtures by naming them

import pytest

# helpers put the repository on sys.path
from tests.pki import CertificateAuthority  # pylint: disable=wrong-import-order,import-error

from .helpers import ZONE, Api, Control, SchemaChecker, new_emulator, token_headers


@pytest.fixture(scope="session")
def rsa_ca():
    """RSA 2048 CA; its leaves carry SHA256WithRSA signatures."""
    return CertificateAuthority.create("Emulator Test RSA CA", "rsa")


@pytest.fixture(scope="session")
def ec_ca():
    """ECDSA P-256 CA; its leaves carry ECDSAWithSHA256 signatures."""
    return CertificateAuthority.create("Emulator Test EC CA", "ec")


@pytest.fixture(scope="session")
def schema_checker():
    """One checker for the whole run (loading the schemas takes a moment)."""
    return SchemaChecker()


@pytest.fixture
def emulator():
    """A fresh emulator with two zones, certificates active at once, and a read-only token."""
    with new_emulator() as running:
        yield running


@pytest.fixture
def api(emulator, schema_checker):
    """Client authenticated with the read-write token; every response is schema-checked."""
    return Api(emulator.base_url, token_headers(emulator.credentials.api_token), schema_checker)


@pytest.fixture
def control(emulator, schema_checker):
    """Control API client."""
    return Control(emulator.control_url, schema_checker)


@pytest.fixture
def zone_id(emulator):
    """Id of example.com."""
    return emulator.zone_ids[ZONE]
