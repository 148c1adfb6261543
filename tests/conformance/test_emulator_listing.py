"""The association listing, GET /zones/{zone_id}/origin_tls_client_auth/hostnames: its parameters against the
operation the tests add to the schema (helpers.add_association_list_operation), paging, the status filter and its
`active` default, voided associations, and the knob that turns it off."""

# pylint: disable=missing-function-docstring  # test names say what they check
# pylint: disable=redefined-outer-name  # pytest fixtures are parameters named like the fixtures

import time

import pytest
from openapi_core.testing import MockRequest
from openapi_core.validation.request.exceptions import RequestValidationError

from .helpers import API_PREFIX, SCHEMA_HOST, Api, association, certificates_path, hostnames_path, new_emulator, token_headers


def upload(api, zone_id, ca):
    return api.ok("POST", certificates_path(zone_id), json=ca.issue().body())["id"]


def put(api, zone_id, cert_id, hostnames, enabled=True):
    return api.ok("PUT", hostnames_path(zone_id), json={"config": [association(name, cert_id, enabled) for name in hostnames]})


def listing(api, zone_id, **params):
    """The whole answer (result and result_info) of one listing call that must succeed."""
    response = api.call("GET", hostnames_path(zone_id), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def hostnames(api, zone_id, **params):
    return [item["hostname"] for item in listing(api, zone_id, **params)["result"]]


# ----- shape and order --------------------------------------------------------------------------------------------


def test_items_are_the_per_hostname_objects_in_hostname_order(api, zone_id, ec_ca, rsa_ca):
    first, second = upload(api, zone_id, ec_ca), upload(api, zone_id, rsa_ca)
    put(api, zone_id, first, ["b.example.com", "z.example.com"])
    put(api, zone_id, second, ["a.example.com"], enabled=False)
    payload = listing(api, zone_id)
    assert [item["hostname"] for item in payload["result"]] == ["a.example.com", "b.example.com", "z.example.com"]
    for item in payload["result"]:
        assert item == api.ok("GET", hostnames_path(zone_id, item["hostname"]))
    assert payload["result_info"] == {"page": 1, "per_page": 50, "count": 3, "total_count": 3, "total_pages": 1}


def test_an_empty_zone_lists_nothing(api, zone_id):
    payload = listing(api, zone_id, status="all")
    assert payload["result"] == []
    assert payload["result_info"] == {"page": 1, "per_page": 50, "count": 0, "total_count": 0, "total_pages": 0}


# ----- paging -----------------------------------------------------------------------------------------------------


def test_pages_of_per_page_add_up_to_the_whole_list(api, zone_id, ec_ca):
    names = [f"h{index:03}.example.com" for index in range(120)]
    put(api, zone_id, upload(api, zone_id, ec_ca), names[:60])
    put(api, zone_id, upload(api, zone_id, ec_ca), names[60:])
    seen, infos = [], []
    for page in (1, 2, 3):  # the default per_page, 50
        payload = listing(api, zone_id, page=page)
        seen += [item["hostname"] for item in payload["result"]]
        infos.append(payload["result_info"])
    assert seen == names
    assert [(info["page"], info["count"], info["per_page"], info["total_count"], info["total_pages"]) for info in infos] == [
        (1, 50, 50, 120, 3),
        (2, 50, 50, 120, 3),
        (3, 20, 50, 120, 3),
    ]
    past_the_end = listing(api, zone_id, page=4)
    assert past_the_end["result"] == [] and past_the_end["result_info"] == {"page": 4, "per_page": 50, "count": 0, "total_count": 120, "total_pages": 3}
    assert hostnames(api, zone_id, per_page=1000) == names
    assert hostnames(api, zone_id, per_page=7, page=18) == names[119:]
    assert hostnames(api, zone_id, per_page=1, page=120) == names[119:]


# The listing's parameters: what the schema operation accepts, the emulator answers (200); what it refuses, the
# emulator refuses (400 1400, naming the parameter).
ACCEPTED = [
    {},
    {"page": "1"},
    {"page": "5"},
    {"per_page": "1"},
    {"per_page": "1000"},
    {"status": "all"},
    {"status": "active"},
    {"status": "deleted,deletion_timed_out,deployment_timed_out"},
    {"status": "pending_deployment,pending_deletion"},
    {"page": "2", "per_page": "10", "status": "all"},
]
REFUSED = [
    {"page": "0"},
    {"page": "-1"},
    {"page": "x"},
    {"per_page": "0"},
    {"per_page": "1001"},
    {"per_page": "many"},
    {"status": ""},
    {"status": "ALL"},
    {"status": "initializing"},  # not among the filter's statuses
    {"status": "all,active"},
    {"status": "active,"},
    {"status": "active, pending_deletion"},
    {"status": "bogus"},
]


def schema_accepts(schema_checker, zone_id, query):
    """Whether the listing operation the tests add to the 2024-08 schema accepts this query."""
    request = MockRequest(SCHEMA_HOST, "GET", API_PREFIX + hostnames_path(zone_id), args=query, headers={"X-Auth-Email": "a@example.com", "X-Auth-Key": "k"})
    try:
        schema_checker.spec_2024.openapi.validate_request(request)
    except RequestValidationError:
        return False
    return True


@pytest.mark.parametrize("query", ACCEPTED + REFUSED, ids=[repr(query) for query in ACCEPTED + REFUSED])
def test_parameters_are_accepted_exactly_as_the_operation_declares(api, schema_checker, zone_id, query):
    accepted = schema_accepts(schema_checker, zone_id, query)
    assert accepted == (query in ACCEPTED)
    response = api.call("GET", hostnames_path(zone_id), params=query)
    if accepted:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 400 and response.json()["errors"][0]["code"] == 1400, response.text
        assert next(iter(query)) in response.json()["errors"][0]["message"]


def test_a_fraction_of_a_page_is_refused(api, zone_id):
    # The schema types page and per_page as numbers; a page number that is not whole means nothing (assumed).
    api.error("GET", hostnames_path(zone_id), 400, 1400, params={"page": "1.5"})
    api.error("GET", hostnames_path(zone_id), 400, 1400, params={"per_page": "2.5"})


# ----- the status filter ------------------------------------------------------------------------------------------


def test_status_filter_and_its_active_default(api, control, zone_id, ec_ca):
    control.config(void_mode="null")
    kept = upload(api, zone_id, ec_ca)
    put(api, zone_id, kept, ["on.example.com"])
    put(api, zone_id, kept, ["off.example.com"], enabled=False)
    going = upload(api, zone_id, ec_ca)
    put(api, zone_id, going, ["gone.example.com"])
    put(api, zone_id, going, ["gone.example.com"], enabled=None)  # voided: kept with enabled null in this mode
    control.config(deletion_seconds=3600)
    api.ok("DELETE", certificates_path(zone_id, going))  # its voided association now reads pending_deletion

    everything = {item["hostname"]: item["status"] for item in listing(api, zone_id, status="all")["result"]}
    assert everything == {"gone.example.com": "pending_deletion", "off.example.com": "active", "on.example.com": "active"}
    assert hostnames(api, zone_id) == ["off.example.com", "on.example.com"]  # active only by default
    assert hostnames(api, zone_id, status="active") == ["off.example.com", "on.example.com"]
    assert hostnames(api, zone_id, status="pending_deletion") == ["gone.example.com"]
    assert hostnames(api, zone_id, status="pending_deletion,active") == ["gone.example.com", "off.example.com", "on.example.com"]
    assert hostnames(api, zone_id, status="deleted,deployment_timed_out,deletion_timed_out,pending_deployment") == []
    info = listing(api, zone_id)["result_info"]
    assert (info["count"], info["total_count"]) == (2, 2)  # the counts are of the filtered list


def test_deploying_associations_are_listed_only_when_asked_for(api, control, zone_id, ec_ca):
    control.config(activation_seconds=3)
    cert_id = upload(api, zone_id, ec_ca)
    uploaded = time.monotonic()
    put(api, zone_id, cert_id, ["new.example.com"])
    assert [item["status"] for item in listing(api, zone_id, status="all")["result"]] == ["initializing"]
    assert hostnames(api, zone_id) == []
    assert hostnames(api, zone_id, status="pending_deployment") == []
    time.sleep(max(0.0, 1.7 - (time.monotonic() - uploaded)))  # pending_deployment from 1.5 s to 3 s after the upload
    assert hostnames(api, zone_id, status="pending_deployment") == ["new.example.com"]
    assert hostnames(api, zone_id) == []
    control.config(activation_seconds=0)
    assert hostnames(api, zone_id) == ["new.example.com"]


@pytest.mark.parametrize("void_mode, listed", [("remove", []), ("null", [None])])
def test_voided_associations_are_listed_as_the_per_hostname_get_shows_them(api, control, zone_id, ec_ca, void_mode, listed):
    control.config(void_mode=void_mode)
    cert_id = upload(api, zone_id, ec_ca)
    put(api, zone_id, cert_id, ["app.example.com"])
    put(api, zone_id, cert_id, ["app.example.com"], enabled=None)
    assert [item["enabled"] for item in listing(api, zone_id, status="all")["result"]] == listed
    assert [item["enabled"] for item in listing(api, zone_id)["result"]] == listed
    if listed:
        assert listing(api, zone_id)["result"][0] == api.ok("GET", hostnames_path(zone_id, "app.example.com"))


def test_an_unknown_zone_and_bad_credentials(emulator, api, schema_checker):
    api.error("GET", hostnames_path("0" * 32), 404, 1001)
    Api(emulator.base_url, {}, schema_checker).error("GET", hostnames_path(emulator.zone_ids["example.com"]), 401, 10000)


# ----- the knob ---------------------------------------------------------------------------------------------------


def test_turned_off_the_listing_answers_as_an_unknown_route(api, control, zone_id, ec_ca):
    cert_id = upload(api, zone_id, ec_ca)
    control.config(association_listing="off")
    assert api.error("GET", hostnames_path(zone_id), 404, 7003) == "No route for the URI"
    assert api.error("GET", hostnames_path(zone_id), 404, 7003, params={"status": "bogus"}) == "No route for the URI"
    put(api, zone_id, cert_id, ["app.example.com"])  # the PUT on the same path still works
    assert api.ok("GET", hostnames_path(zone_id, "app.example.com"))["enabled"] is True
    refused = api.call("POST", hostnames_path(zone_id))
    assert (refused.status_code, refused.headers["Allow"]) == (405, "PUT")
    control.config(association_listing="on")
    assert hostnames(api, zone_id) == ["app.example.com"]
    refused = api.call("POST", hostnames_path(zone_id))
    assert (refused.status_code, refused.headers["Allow"]) == (405, "GET, PUT")


def test_the_listing_can_be_off_from_the_start(schema_checker):
    with new_emulator(association_listing="off") as emulator:
        api = Api(emulator.base_url, token_headers(emulator.credentials.api_token), schema_checker)
        api.error("GET", hostnames_path(emulator.zone_ids["example.com"]), 404, 7003)
        assert emulator.config.as_dict()["association_listing"] == "off"
    with pytest.raises(ValueError, match="association_listing"):
        new_emulator(association_listing=False)
