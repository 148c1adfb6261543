# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hostname_client_cert_info: one list of the zone's certificates, one read per hostname given, expiry warnings."""

import datetime
import json

import pytest

from ansible_collections.aop.cloudflare.plugins.modules import hostname_client_cert_info
from ansible_collections.aop.cloudflare.tests.unit.plugins.fake_cloudflare import (
    API_TOKEN,
    CERT_ID,
    CERTIFICATES,
    HOSTNAMES,
    OTHER_CERT_ID,
    ZONE_ID,
    ZONE_NAME,
    association,
    certificate_object,
    fail,
    fixture,
    not_found,
    ok,
    page,
)

APP, API, WWW, OLD = 'app.example.com', 'api.example.com', 'www.example.com', 'old.example.com'
ARGS = {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'association_reads': 'per_hostname'}
UPLOADED_ON = '2026-11-27T08:00:00.123456Z'
ASSOCIATION_SHAPED_LIST = 'list_per_hostname_authenticated_origin_pulls_certificate.response.json'
# The subjects pki.py gives its leaves, in RFC 4514 order (last attribute first).
SUBJECTS = {
    'rsa_leaf': 'CN=app.example.com,O=aop.cloudflare tests',
    'ec_leaf': 'CN=api.example.com,O=aop.cloudflare tests',
    'expired_leaf': 'CN=old.example.com,O=aop.cloudflare tests',
}


def days_left(expires_on):
    """Whole days from now to expires_on (the test PKI's notAfter, to the second), rounded down."""
    expiry = datetime.datetime.strptime(expires_on, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.UTC)
    return (expiry - datetime.datetime.now(datetime.UTC)) // datetime.timedelta(days=1)


def expected(pki, leaf, cert_id, expiring=False, **extra):
    """What the module should return for a leaf of the test PKI, worked out here."""
    pair = getattr(pki, leaf)
    shown = {
        'id': cert_id,
        'status': 'active',
        'issuer': pair.issuer,
        'serial_number': pair.serial_number,
        'signature': pair.signature,
        'expires_on': pair.expires_on,
        'uploaded_on': UPLOADED_ON,
        'fingerprint_sha256': ':'.join(pair.fingerprint_sha256[index : index + 2] for index in range(0, 64, 2)),
        'subject': SUBJECTS[leaf],
        'days_left': days_left(pair.expires_on),
        'expiring': expiring,
    }
    if 'hostnames' in extra:
        # Read one by one, nothing is known of the hostnames nobody named.
        shown['zone_hostnames'] = None
    shown.update(extra)
    return shown


def one(hostname):
    return '%s/%s' % (HOSTNAMES, hostname)


def read(*hostnames):
    return ['GET ' + one(hostname) for hostname in hostnames]


def warnings_of(result):
    # The shape of a warning differs between ansible-core versions; its text does not.
    return json.dumps(result.get('warnings', []))


def test_every_certificate_of_the_zone_with_its_subject_and_days_left(cloudflare, run_module, pki):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.rsa_leaf), certificate_object(pki.ec_leaf, OTHER_CERT_ID)]))

    result = run_module(hostname_client_cert_info, ARGS)

    assert cloudflare.sent == ['GET ' + CERTIFICATES]
    assert result['changed'] is False
    assert result['certificates'] == [expected(pki, 'rsa_leaf', CERT_ID), expected(pki, 'ec_leaf', OTHER_CERT_ID)]
    assert result['zone_id'] == ZONE_ID
    assert 'warnings' not in result
    result.assert_no_secret()


@pytest.mark.usefixtures('serial_reads')
def test_which_given_hostnames_use_each_certificate(cloudflare, run_module, pki):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.rsa_leaf), certificate_object(pki.ec_leaf, OTHER_CERT_ID)]))
    cloudflare.route('GET', one(APP), ok(association(APP)))
    cloudflare.route('GET', one(API), ok(association(API, enabled=False)))
    cloudflare.route('GET', one(WWW), not_found())
    cloudflare.route('GET', one(OLD), ok(association(OLD, cert_id=OTHER_CERT_ID, enabled=None)))

    result = run_module(hostname_client_cert_info, dict(ARGS, hostnames=['App.Example.com.', API, WWW, OLD]))

    assert cloudflare.sent == ['GET ' + CERTIFICATES] + read(APP, API, WWW, OLD)
    # Disabled still uses the certificate (Cloudflare refuses to delete it); voided and never configured do not.
    assert result['certificates'] == [expected(pki, 'rsa_leaf', CERT_ID, hostnames=[APP, API]), expected(pki, 'ec_leaf', OTHER_CERT_ID, hostnames=[])]
    result.assert_no_secret()


@pytest.mark.usefixtures('serial_reads')
def test_only_certificates_in_use_by_a_given_hostname_warn(cloudflare, run_module, pki):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.rsa_leaf), certificate_object(pki.ec_leaf, OTHER_CERT_ID)]))
    cloudflare.route('GET', one(APP), ok(association(APP)))

    result = run_module(hostname_client_cert_info, dict(ARGS, hostnames=[APP], expiry_warning_days=400))

    assert cloudflare.sent == ['GET ' + CERTIFICATES] + read(APP)
    assert [item['expiring'] for item in result['certificates']] == [True, False]
    warnings = warnings_of(result)
    assert 'certificate %s (used by %s) expires on %s (%d days left)' % (CERT_ID, APP, pki.rsa_leaf.expires_on, days_left(pki.rsa_leaf.expires_on)) in warnings
    assert OTHER_CERT_ID not in warnings


def test_given_no_hostname_no_certificate_is_in_use(cloudflare, run_module, pki):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.expired_leaf)]))

    result = run_module(hostname_client_cert_info, dict(ARGS, hostnames=[]))

    assert cloudflare.sent == ['GET ' + CERTIFICATES]
    assert result['certificates'] == [expected(pki, 'expired_leaf', CERT_ID, hostnames=[])]
    assert 'warnings' not in result


def test_without_hostnames_every_certificate_counts_and_an_expired_one_warns(cloudflare, run_module, pki):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.rsa_leaf), certificate_object(pki.expired_leaf, OTHER_CERT_ID)]))

    result = run_module(hostname_client_cert_info, ARGS)

    assert result['certificates'] == [expected(pki, 'rsa_leaf', CERT_ID), expected(pki, 'expired_leaf', OTHER_CERT_ID, expiring=True)]
    assert result['certificates'][1]['days_left'] < 0
    assert 'certificate %s expired on %s (%d days left)' % (OTHER_CERT_ID, pki.expired_leaf.expires_on, days_left(pki.expired_leaf.expires_on)) in warnings_of(
        result
    )
    assert CERT_ID not in warnings_of(result)


@pytest.mark.parametrize('warning_days, expiring', [(0, False), (364, False), (365, True)])
def test_expiry_warning_days_is_a_strict_bound_on_whole_days(cloudflare, run_module, pki, warning_days, expiring):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.rsa_leaf)]))

    result = run_module(hostname_client_cert_info, dict(ARGS, expiry_warning_days=warning_days))

    assert result['certificates'][0]['days_left'] == 364, 'the test PKI: a year from now, less the seconds spent'
    assert result['certificates'][0]['expiring'] is expiring
    assert ('warnings' in result) is expiring


def test_the_pem_is_the_authority_and_expires_on_stands_in_without_it(cloudflare, run_module, pki):
    cloudflare.route(
        'GET',
        CERTIFICATES,
        ok(
            [
                dict(certificate_object(pki.rsa_leaf), expires_on='2100-01-01T05:20:00Z'),
                dict(certificate_object(pki.ec_leaf, OTHER_CERT_ID), certificate=None, expires_on='2100-01-01T05:20:00.5Z'),
            ]
        ),
    )

    result = run_module(hostname_client_cert_info, ARGS)

    assert result['certificates'][0]['days_left'] == days_left(pki.rsa_leaf.expires_on)
    assert result['certificates'][1] == expected(
        pki, 'ec_leaf', OTHER_CERT_ID, expires_on='2100-01-01T05:20:00.5Z', days_left=days_left('2100-01-01T05:20:00Z'), subject=None, fingerprint_sha256=None
    )


def test_the_association_shaped_list_gives_each_certificate_once(cloudflare, run_module):
    cloudflare.route('GET', CERTIFICATES, ok(fixture(ASSOCIATION_SHAPED_LIST)['result']))

    result = run_module(hostname_client_cert_info, ARGS)

    assert [item['id'] for item in result['certificates']] == ['2458ce5a-0c35-4c7f-82c7-8e9487d3ff60', '2458ce5a-0c35-4c7f-82c7-8e9487d3ff61']
    # Its example PEM (Cloudflare's API docs) expired in 2016, whatever its expires_on says.
    assert result['certificates'][0]['subject'] == 'O=Internet Widgits Pty Ltd,ST=Some-State,C=AU'
    assert result['certificates'][0]['days_left'] == days_left('2016-11-22T16:43:01Z')
    result.assert_no_secret()


@pytest.mark.usefixtures('serial_reads')
def test_check_mode_reads_the_same_and_returns_the_same(cloudflare, run_module, pki):
    zones = '/zones?name=%s' % ZONE_NAME
    cloudflare.route('GET', zones, ok([{'id': ZONE_ID, 'name': ZONE_NAME}]))
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.rsa_leaf)]))
    cloudflare.route('GET', one(APP), ok(association(APP)))
    args = {'api_token': API_TOKEN, 'zone': ZONE_NAME, 'hostnames': [APP]}

    checked = run_module(hostname_client_cert_info, args, check_mode=True, diff=True)
    calls = cloudflare.sent
    real = run_module(hostname_client_cert_info, args)

    assert calls == ['GET ' + zones, 'GET ' + CERTIFICATES] + read(APP)
    assert cloudflare.sent == calls * 2
    assert checked['changed'] is real['changed'] is False
    assert checked['certificates'] == real['certificates'] == [expected(pki, 'rsa_leaf', CERT_ID, hostnames=[APP])]
    assert 'diff' not in checked
    assert checked['zone_id'] == real['zone_id'] == ZONE_ID


def test_a_failed_read_is_reported(cloudflare, run_module):
    cloudflare.route('GET', CERTIFICATES, fail(403, (10000, 'Authentication error')))

    result = run_module(hostname_client_cert_info, ARGS)

    assert result.failed and 'Cloudflare error 10000: Authentication error' in result['msg']
    assert result['api_error']['status'] == 403
    result.assert_no_secret()


@pytest.mark.parametrize(
    'args, message',
    [
        ({'hostnames': ['not a hostname']}, "hostnames[0]: 'not a hostname' is not a valid hostname"),
        ({'hostnames': [APP, 'APP.example.com.']}, 'hostnames[1]: hostname app.example.com is also declared at hostnames[0]'),
        ({'read_concurrency': 0}, 'read_concurrency must be a whole number, 1 or more (hostnames read at once); it is 0'),
        ({'expiry_warning_days': -1}, 'expiry_warning_days must be a whole number, 0 or more (days); it is -1'),
        ({'zone': ZONE_NAME}, 'parameters are mutually exclusive: zone_id|zone'),
    ],
    ids=['hostname', 'duplicate', 'concurrency', 'warning-days', 'zone-twice'],
)
def test_bad_input_is_refused_before_any_call(cloudflare, run_module, args, message):
    result = run_module(hostname_client_cert_info, dict(ARGS, **args))

    assert cloudflare.calls == []
    assert result.failed and result['msg'].startswith(message)


def test_a_hostname_outside_the_zone_named_is_refused_before_any_call(cloudflare, run_module):
    result = run_module(hostname_client_cert_info, {'api_token': API_TOKEN, 'zone': ZONE_NAME, 'hostnames': [APP, 'app.example.net']})

    assert cloudflare.calls == []
    assert result.failed and result['msg'].startswith('hostnames[1]: app.example.net is not in the zone example.com')


def test_with_the_listing_every_hostname_that_uses_a_certificate_is_known_and_counts(cloudflare, run_module, pki):
    """A certificate only an undeclared hostname uses is in use all the same: its expiry warns."""
    listed = [association(APP), association('legacy.example.com', cert_id=OTHER_CERT_ID, pair=pki.expired_leaf)]
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.rsa_leaf), certificate_object(pki.expired_leaf, OTHER_CERT_ID)]))
    cloudflare.route('GET', HOSTNAMES + '?status=all&per_page=1000', page(listed, 1, 1, per_page=1000))

    result = run_module(hostname_client_cert_info, dict(ARGS, hostnames=[APP], association_reads='auto'))

    assert cloudflare.sent == ['GET ' + CERTIFICATES, 'GET %s?status=all&per_page=1000' % HOSTNAMES]
    assert [(view['id'], view['hostnames'], view['zone_hostnames'], view['expiring']) for view in result['certificates']] == [
        (CERT_ID, [APP], [APP], False),
        (OTHER_CERT_ID, [], ['legacy.example.com'], True),
    ]
    assert result['association_reads'] == {'used': 'list', 'pages': 1, 'confirmed_per_hostname': 0}
    assert 'certificate %s (used by legacy.example.com) expired on' % OTHER_CERT_ID in str(result['warnings'])
