# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reading the two resources: "not found" means the object, never the zone or a malformed path."""

import pytest

from ansible_collections.aop.cloudflare.plugins.module_utils._api import CloudflareClient
from ansible_collections.aop.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.aop.cloudflare.plugins.module_utils._resources import ZoneResources
from ansible_collections.aop.cloudflare.tests.unit.plugins.fake_cloudflare import (
    API_TOKEN,
    CERT_ID,
    CERTIFICATES,
    HOSTNAMES,
    ZONE_ID,
    association,
    fail,
    ok,
    page,
)

ZONE_NOT_FOUND = (1001, 'Invalid zone identifier')
NO_ROUTE = (7003, 'No route for the URI')


@pytest.fixture
def client(cloudflare):  # pylint: disable=unused-argument
    return CloudflareClient(api_token=API_TOKEN, sleep=lambda _: None)


@pytest.mark.parametrize('errors', [[(1551, 'Certificate not found.')], []])
def test_a_certificate_cloudflare_does_not_know_reads_as_deleted(cloudflare, client, errors):
    cloudflare.route('GET', '%s/%s' % (CERTIFICATES, CERT_ID), fail(404, *errors))

    assert ZoneResources(client, ZONE_ID).certificate_status(CERT_ID) == (None, 'deleted')


@pytest.mark.parametrize('error', [ZONE_NOT_FOUND, NO_ROUTE])
def test_a_404_about_the_zone_or_the_path_is_a_failure_not_a_deleted_certificate(cloudflare, client, error):
    cloudflare.route('GET', '%s/%s' % (CERTIFICATES, CERT_ID), fail(404, error))

    with pytest.raises(CloudflareError) as raised:
        ZoneResources(client, ZONE_ID).certificate_status(CERT_ID)

    assert raised.value.has_code(error[0])


@pytest.mark.parametrize('status, errors', [(404, [(1553, 'Hostname association not found')]), (404, []), (400, [(1553, 'not found')])])
def test_a_hostname_never_configured_reads_as_absent(cloudflare, client, status, errors):
    cloudflare.route('GET', '%s/app.example.com' % HOSTNAMES, fail(status, *errors))

    assert ZoneResources(client, ZONE_ID).association('app.example.com') is None


@pytest.mark.parametrize('error', [ZONE_NOT_FOUND, NO_ROUTE])
def test_a_404_about_the_zone_is_a_failure_not_an_absent_hostname(cloudflare, client, error):
    cloudflare.route('GET', '%s/app.example.com' % HOSTNAMES, fail(404, error))

    with pytest.raises(CloudflareError):
        ZoneResources(client, ZONE_ID).association('app.example.com')


def test_a_certificate_not_found_code_on_a_hostname_is_not_its_absence(cloudflare, client):
    """1551 is about a certificate: on a hostname's GET it says something else went wrong, not that it has none."""
    cloudflare.route('GET', '%s/app.example.com' % HOSTNAMES, fail(404, (1551, 'Certificate not found')))

    with pytest.raises(CloudflareError):
        ZoneResources(client, ZONE_ID).association('app.example.com')


def test_an_association_not_found_code_on_a_certificate_is_not_its_absence(cloudflare, client):
    cloudflare.route('GET', '%s/%s' % (CERTIFICATES, CERT_ID), fail(404, (1553, 'Hostname association not found')))

    with pytest.raises(CloudflareError):
        ZoneResources(client, ZONE_ID).certificate(CERT_ID)


# --- the association listing, and the per-hostname reads it falls back to -------------------------------------------

LISTING = HOSTNAMES + '?status=all&per_page=1000'


def listed(*hostnames, cert_id=CERT_ID):
    return [association(hostname, cert_id=cert_id) for hostname in hostnames]


def test_the_listing_reads_every_association_of_the_zone_in_one_call_and_confirms_only_the_unlisted(cloudflare, client):
    cloudflare.route('GET', LISTING, page(listed('app.example.com', 'legacy.example.com'), 1, 1, per_page=1000))
    cloudflare.route('GET', '%s/new.example.com' % HOSTNAMES, fail(404, (1553, 'Hostname association not found')))

    found, reads, everything = ZoneResources(client, ZONE_ID).associations(['app.example.com', 'new.example.com'], 4)

    assert cloudflare.sent == ['GET ' + LISTING, 'GET %s/new.example.com' % HOSTNAMES]
    assert found['new.example.com'] is None
    assert [(item.hostname, item.cert_id) for item in found.values() if item] == [('app.example.com', CERT_ID)]
    assert sorted(everything or {}) == ['app.example.com', 'legacy.example.com']
    assert reads.view() == {'used': 'list', 'pages': 1, 'confirmed_per_hostname': 1}


def test_the_listing_follows_every_page(cloudflare, client):
    names = ['h%d.example.com' % number for number in range(5)]
    info = {'per_page': 2, 'total_count': 5, 'total_pages': 3}
    cloudflare.route('GET', LISTING, ok(listed(*names[0:2]), dict(info, page=1, count=2)))
    cloudflare.route('GET', LISTING + '&page=2', ok(listed(*names[2:4]), dict(info, page=2, count=2)))
    cloudflare.route('GET', LISTING + '&page=3', ok(listed(*names[4:]), dict(info, page=3, count=1)))

    found, reads, _everything = ZoneResources(client, ZONE_ID).associations(names, 4)

    assert cloudflare.sent == ['GET ' + LISTING, 'GET %s&page=2' % LISTING, 'GET %s&page=3' % LISTING]
    assert all(found[name] is not None for name in names) and reads.pages == 3


@pytest.mark.parametrize(
    'answer, reason',
    [
        (fail(404, (7003, 'No route for the URI')), 'the listing answered HTTP 404 (7003)'),
        (fail(405, (10405, 'Method not allowed')), 'the listing answered HTTP 405 (10405)'),
        (fail(400, (1400, 'per_page must be at most 50')), 'the listing answered HTTP 400 (1400)'),
        (
            ok([{'hostname': 'app.example.com'}], {'page': 1, 'per_page': 1000, 'count': 1, 'total_count': 1}),
            'page 1 of the listing has an item without hostname and cert_id',
        ),
        (
            ok(listed('app.example.com'), {'page': 1, 'per_page': 1000, 'count': 1, 'total_count': 2, 'total_pages': 1}),
            'the listing gave 1 associations in 1 page(s), but says there are 2',
        ),
        (ok(listed('app.example.com')), "page 1 of the listing does not add up (result_info {} for 1 items)"),
        (
            ok(listed('app.example.com', 'app.example.com'), {'page': 1, 'per_page': 1000, 'count': 2, 'total_count': 2}),
            'the listing shows app.example.com twice',
        ),
    ],
    ids=['unknown-route', 'method', 'parameters', 'item-shape', 'short', 'no-result-info', 'twice'],
)
def test_an_unusable_listing_falls_back_to_one_read_per_hostname_and_says_why(cloudflare, client, answer, reason):
    cloudflare.route('GET', LISTING, answer)
    cloudflare.route('GET', '%s/app.example.com' % HOSTNAMES, ok(association('app.example.com')))

    found, reads, everything = ZoneResources(client, ZONE_ID).associations(['app.example.com'], 4)

    assert cloudflare.sent == ['GET ' + LISTING, 'GET %s/app.example.com' % HOSTNAMES]
    assert [(item.hostname, item.cert_id) for item in found.values() if item] == [('app.example.com', CERT_ID)] and everything is None
    assert reads.view() == {'used': 'per_hostname', 'reason': reason}


def test_list_reads_require_the_listing(cloudflare, client):
    cloudflare.route('GET', LISTING, fail(404, (7003, 'No route for the URI')))

    with pytest.raises(CloudflareError) as error:
        ZoneResources(client, ZONE_ID).associations(['app.example.com'], 4, 'list')

    assert str(error.value).startswith(
        "the association listing cannot be used on this zone (the listing answered HTTP 404 (7003)): set association_reads to 'auto'"
    )
    assert cloudflare.sent == ['GET ' + LISTING]


def test_a_listing_refused_for_the_zone_is_a_failure_not_a_fallback(cloudflare, client):
    cloudflare.route('GET', LISTING, fail(404, (1001, 'Invalid zone identifier')))

    with pytest.raises(CloudflareError):
        ZoneResources(client, ZONE_ID).associations(['app.example.com'], 4)


def test_per_hostname_reads_never_list(cloudflare, client):
    cloudflare.route('GET', '%s/app.example.com' % HOSTNAMES, ok(association('app.example.com')))

    _found, reads, everything = ZoneResources(client, ZONE_ID).associations(['app.example.com'], 4, 'per_hostname')

    assert cloudflare.sent == ['GET %s/app.example.com' % HOSTNAMES] and everything is None and reads.used == 'per_hostname'
