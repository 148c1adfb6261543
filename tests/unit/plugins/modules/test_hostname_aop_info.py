# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hostname_aop_info: one read per hostname given, each returned in order; never a write."""

import pytest

from ansible_collections.aop.cloudflare.plugins.modules import hostname_aop_info
from ansible_collections.aop.cloudflare.tests.unit.plugins.fake_cloudflare import (
    API_TOKEN,
    CERT_ID,
    HOSTNAMES,
    OTHER_CERT_ID,
    ZONE_ID,
    ZONE_NAME,
    association,
    fail,
    not_found,
    ok,
)

APP, API, WWW, OLD = 'app.example.com', 'api.example.com', 'www.example.com', 'old.example.com'
ARGS = {'api_token': API_TOKEN, 'zone_id': ZONE_ID, 'association_reads': 'per_hostname'}
FIELDS = ('cert_id', 'enabled', 'status', 'cert_status', 'issuer', 'serial_number', 'signature', 'expires_on', 'created_at', 'updated_at')


def one(hostname):
    return '%s/%s' % (HOSTNAMES, hostname)


def read(*hostnames):
    return ['GET ' + one(hostname) for hostname in hostnames]


def absent(hostname):
    return dict(dict.fromkeys(FIELDS), hostname=hostname, state='absent')


def present(hostname, state, pair, cert_id=CERT_ID):
    """What the module should return for an association with a certificate of the test PKI, worked out here."""
    return {
        'hostname': hostname,
        'state': state,
        'cert_id': cert_id,
        'enabled': state == 'enabled',
        'status': 'active',
        'cert_status': 'active',
        'issuer': pair.issuer,
        'serial_number': pair.serial_number,
        'signature': pair.signature,
        'expires_on': pair.expires_on,
        'created_at': '2026-11-27T08:00:00.000000Z',
        'updated_at': '2026-11-27T08:00:00.000000Z',
    }


@pytest.mark.usefixtures('serial_reads')
def test_each_hostname_in_order_enabled_disabled_or_absent(cloudflare, run_module, pki):
    cloudflare.route('GET', one(APP), ok(association(APP, pair=pki.rsa_leaf)))
    cloudflare.route('GET', one(API), ok(association(API, cert_id=OTHER_CERT_ID, enabled=False, pair=pki.ec_leaf)))
    cloudflare.route('GET', one(WWW), not_found())
    cloudflare.route('GET', one(OLD), ok(association(OLD, enabled=None, pair=pki.rsa_leaf)))

    result = run_module(hostname_aop_info, dict(ARGS, hostnames=['App.Example.com.', API, WWW, OLD]))

    assert cloudflare.sent == read(APP, API, WWW, OLD)
    assert result['changed'] is False
    assert result['hostnames'] == [present(APP, 'enabled', pki.rsa_leaf), present(API, 'disabled', pki.ec_leaf, OTHER_CERT_ID), absent(WWW), absent(OLD)]
    assert result['zone_id'] == ZONE_ID
    # The association carries its certificate's PEM: it is never returned.
    result.assert_no_secret()


@pytest.mark.parametrize('answer', [not_found(), fail(400, (1553, 'Hostname not found'))], ids=['404', '1553'])
def test_a_hostname_never_configured_reads_as_absent(cloudflare, run_module, answer):
    cloudflare.route('GET', one(APP), answer)

    result = run_module(hostname_aop_info, dict(ARGS, hostnames=[APP]))

    assert cloudflare.sent == read(APP)
    assert result['changed'] is False and result['hostnames'] == [absent(APP)]


def test_a_read_refused_for_permissions_is_a_failure_not_an_absence(cloudflare, run_module):
    cloudflare.route('GET', one(APP), fail(403, (10000, 'Authentication error')))

    result = run_module(hostname_aop_info, dict(ARGS, hostnames=[APP]))

    assert result.failed and 'Cloudflare error 10000: Authentication error' in result['msg']
    assert result['api_error']['status'] == 403


def test_many_hostnames_are_read_in_parallel_each_once(cloudflare, run_module):
    names = ['host%03d.example.com' % number for number in range(40)]
    for name in names:
        cloudflare.route('GET', one(name), ok(association(name)))

    result = run_module(hostname_aop_info, dict(ARGS, hostnames=names, read_concurrency=8))

    assert sorted(cloudflare.sent) == sorted(read(*names))
    assert [item['hostname'] for item in result['hostnames']] == names


@pytest.mark.usefixtures('serial_reads')
def test_check_mode_reads_the_same_and_returns_the_same(cloudflare, run_module, pki):
    zones = '/zones?name=%s' % ZONE_NAME
    cloudflare.route('GET', zones, ok([{'id': ZONE_ID, 'name': ZONE_NAME}]))
    cloudflare.route('GET', one(APP), ok(association(APP, pair=pki.rsa_leaf)))
    cloudflare.route('GET', one(WWW), not_found())
    args = {'api_token': API_TOKEN, 'zone': ZONE_NAME, 'hostnames': [APP, WWW]}

    checked = run_module(hostname_aop_info, args, check_mode=True, diff=True)
    calls = cloudflare.sent
    real = run_module(hostname_aop_info, args)

    assert calls == ['GET ' + zones] + read(APP, WWW)
    assert cloudflare.sent == calls * 2
    assert checked['changed'] is real['changed'] is False
    assert checked['hostnames'] == real['hostnames'] == [present(APP, 'enabled', pki.rsa_leaf), absent(WWW)]
    assert 'diff' not in checked
    checked.assert_no_secret()


@pytest.mark.parametrize(
    'args, message',
    [
        ({'hostnames': [APP, 'not a hostname']}, "hostnames[1]: 'not a hostname' is not a valid hostname"),
        ({'hostnames': [APP, 'APP.example.com.']}, 'hostnames[1]: hostname app.example.com is also declared at hostnames[0]'),
        ({'hostnames': [APP], 'read_concurrency': 0}, 'read_concurrency must be a whole number, 1 or more (hostnames read at once); it is 0'),
        ({}, "without hostnames, the zone's associations can only be read with the association listing, which cannot be used here"),
    ],
    ids=['hostname', 'duplicate', 'concurrency', 'no-hostnames'],
)
def test_bad_input_is_refused_before_any_call(cloudflare, run_module, args, message):
    result = run_module(hostname_aop_info, dict(ARGS, **args))

    assert cloudflare.calls == []
    assert result.failed and result['msg'].startswith(message)


def test_a_hostname_outside_the_zone_named_is_refused_before_any_call(cloudflare, run_module):
    result = run_module(hostname_aop_info, {'api_token': API_TOKEN, 'zone': ZONE_NAME, 'hostnames': [APP, 'app.example.net']})

    assert cloudflare.calls == []
    assert result.failed and result['msg'].startswith('hostnames[1]: app.example.net is not in the zone example.com')
