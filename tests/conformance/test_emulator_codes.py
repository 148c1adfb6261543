"""The error codes of tests/emulator/README.md ("Error codes"): every row whose code users of the live API reported is
answered by the emulator as the table says (HTTP status, code, and the message when that is reported too)."""

# pylint: disable=missing-function-docstring  # test names say what they check
# pylint: disable=redefined-outer-name  # pytest fixtures are parameters named like the fixtures

import uuid
from dataclasses import dataclass

import pytest

# helpers put the repository on sys.path
from tests.pki import CertificateAuthority  # pylint: disable=wrong-import-order,import-error

from .helpers import READ_ONLY_TOKEN, REPO_ROOT, Api, Control, association, certificates_path, hostnames_path, setting_path, token_headers

README = REPO_ROOT / "tests" / "emulator" / "README.md"


@dataclass(frozen=True)
class Row:
    """One row of the README's code table."""

    situation: str
    http: int
    code: int
    message: str
    source: str


def code_table():
    """The rows of the table under '## Error codes' whose HTTP status and code are single numbers."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Error codes\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[1].isdigit() and cells[2].isdigit():
            rows.append(Row(cells[0], int(cells[1]), int(cells[2]), cells[3], cells[4]))
    return rows


ROWS = code_table()
REPORTED = [row for row in ROWS if row.source.startswith("reported")]


@dataclass
class Context:
    """What a scenario needs: clients (read-write, anonymous, read-only), the control API, a zone and a CA."""

    api: Api
    anonymous: Api
    reader: Api
    control: Control
    zone_id: str
    ca: CertificateAuthority

    def upload(self, leaf=None):
        return self.api.ok("POST", certificates_path(self.zone_id), json=(leaf or self.ca.issue()).body())["id"]

    def put(self, *items):
        return self.api.call("PUT", hostnames_path(self.zone_id), json={"config": list(items)})


def no_credentials(ctx):
    return ctx.anonymous.call("GET", certificates_path(ctx.zone_id))


def read_only_write(ctx):
    return ctx.reader.call("PATCH", setting_path(ctx.zone_id), json={"value": "on"})


def unknown_path(ctx):
    return ctx.api.call("GET", f"/zones/{ctx.zone_id}/nothing-here")


def malformed_certificate_id(ctx):
    return ctx.api.call("GET", certificates_path(ctx.zone_id, "xyz"))


def ca_certificate(ctx):
    return ctx.api.call("POST", certificates_path(ctx.zone_id), json=ctx.ca.pair.body())


def duplicate(ctx):
    leaf = ctx.ca.issue()
    ctx.upload(leaf)
    return ctx.api.call("POST", certificates_path(ctx.zone_id), json=leaf.body())


def duplicate_of_a_copy_pending_deletion(ctx):
    leaf = ctx.ca.issue()
    cert_id = ctx.upload(leaf)
    ctx.control.config(deletion_seconds=3600)
    ctx.api.ok("DELETE", certificates_path(ctx.zone_id, cert_id))
    return ctx.api.call("POST", certificates_path(ctx.zone_id), json=leaf.body())


def delete_pending_deletion(ctx):
    cert_id = ctx.upload()
    ctx.control.config(deletion_seconds=3600)
    ctx.api.ok("DELETE", certificates_path(ctx.zone_id, cert_id))
    return ctx.api.call("DELETE", certificates_path(ctx.zone_id, cert_id))


def put_naming_pending_deletion(ctx):
    cert_id = ctx.upload()
    ctx.control.config(deletion_seconds=3600)
    ctx.api.ok("DELETE", certificates_path(ctx.zone_id, cert_id))
    return ctx.put(association("app.example.com", cert_id, True))


def put_naming_unknown_certificate(ctx):
    return ctx.put(association("app.example.com", str(uuid.uuid4()), True))


def delete_in_use(ctx):
    cert_id = ctx.upload()
    ctx.put(association("app.example.com", cert_id, False))
    return ctx.api.call("DELETE", certificates_path(ctx.zone_id, cert_id))


def delete_deploying(ctx):
    ctx.control.config(activation_seconds=3600)
    return ctx.api.call("DELETE", certificates_path(ctx.zone_id, ctx.upload()))


def unknown_certificate(ctx):
    return ctx.api.call("GET", certificates_path(ctx.zone_id, str(uuid.uuid4())))


def unknown_association(ctx):
    return ctx.api.call("GET", hostnames_path(ctx.zone_id, "never.example.com"))


def rate_limited(ctx):
    ctx.control.fault(kind="429", retry_after=3)
    response = ctx.api.call("GET", certificates_path(ctx.zone_id))
    assert response.headers["Retry-After"] == "3"
    return response


# (scenario, the start of its row's situation in the table, the HTTP status and code it must get)
SCENARIOS = [
    (no_credentials, "missing / unknown credentials", 401, 10000),
    (read_only_write, "read-only token on a write", 403, 10000),
    (unknown_path, "path not in the API", 404, 7003),
    (malformed_certificate_id, "malformed zone id or certificate id", 404, 7003),
    (ca_certificate, "only CA certificates", 400, 1412),
    (duplicate, "same leaf", 400, 1406),
    (duplicate_of_a_copy_pending_deletion, "same leaf", 400, 1406),
    (delete_pending_deletion, "DELETE of a certificate already `pending_deletion`", 400, 1414),
    (put_naming_pending_deletion, "DELETE of a certificate already `pending_deletion`", 400, 1414),
    (put_naming_unknown_certificate, "PUT naming an unknown", 400, 1415),
    (delete_in_use, "DELETE while an association", 400, 1433),
    (delete_deploying, "DELETE of a certificate still `initializing`", 400, 1434),
    (unknown_certificate, "GET/DELETE of an unknown or purged certificate", 404, 1551),
    (unknown_association, "GET of a hostname never configured", 404, 1553),
    (rate_limited, "over the rate limit", 429, 10429),
]


def row_of(situation):
    [row] = [row for row in ROWS if row.situation.startswith(situation)]
    return row


def test_the_table_is_read():
    assert len(ROWS) >= 20
    assert {row.code for row in REPORTED} >= {1406, 1412, 1414, 1415, 1433, 1434, 1551, 1553}


def test_every_reported_row_has_a_scenario():
    tested = {row_of(situation) for _scenario, situation, _http, _code in SCENARIOS}
    assert set(REPORTED) <= tested, set(REPORTED) - tested


@pytest.mark.parametrize("scenario, situation, http, code", SCENARIOS, ids=[scenario.__name__ for scenario, *_rest in SCENARIOS])
def test_scenario_answers_as_the_table_says(emulator, api, control, zone_id, ec_ca, schema_checker, scenario, situation, http, code):
    row = row_of(situation)
    assert (row.http, row.code) == (http, code), row
    anonymous = Api(emulator.base_url, {}, schema_checker)
    reader = Api(emulator.base_url, token_headers(READ_ONLY_TOKEN), schema_checker)
    response = scenario(Context(api, anonymous, reader, control, zone_id, ec_ca))
    payload = response.json()
    assert (response.status_code, payload["errors"][0]["code"]) == (http, code), payload
    if row.source == "reported":  # the message too was reported
        assert payload["errors"][0]["message"] == row.message
