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
    fail,
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
