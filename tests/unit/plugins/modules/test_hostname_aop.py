# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hostname_aop: one read per declared hostname, then one PUT holding only the hostnames that differ."""

import collections

import pytest

from ansible_collections.aop.cloudflare.plugins.module_utils._rules import UNKNOWN_CERT_ID
from ansible_collections.aop.cloudflare.plugins.modules import hostname_aop
from ansible_collections.aop.cloudflare.tests.unit.plugins.fake_cloudflare import (
    API_TOKEN,
    CERT_ID,
    CERTIFICATES,
    CF_RAY,
    HOSTNAMES,
    OTHER_CERT_ID,
    ZONE_ID,
    association,
    certificate_object,
    fail,
    not_found,
    ok,
    page,
    text,
)

APP, API = 'app.example.com', 'api.example.com'
LIST = 'GET ' + CERTIFICATES
ARGS = {'api_token': API_TOKEN, 'zone_id': ZONE_ID}
# What a user may rely on being predicted exactly in check mode (and status 'active' for what is enabled and awaited).
MANAGED = ('hostname', 'state', 'cert_id', 'enabled')
SHOWN = ('hostname', 'state', 'cert_id', 'enabled', 'status', 'cert_status', 'issuer', 'serial_number', 'signature', 'expires_on', 'created_at', 'updated_at')


@pytest.fixture(autouse=True)
def zone_certificates(cloudflare, pki):
    """The zone holds CERT_ID and OTHER_CERT_ID; hostname_aop reads the list before a PUT that names a certificate."""
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.rsa_leaf), certificate_object(pki.ec_leaf, OTHER_CERT_ID)]))


def one(hostname):
    return '%s/%s' % (HOSTNAMES, hostname)


def read(*hostnames):
    return ['GET ' + one(hostname) for hostname in hostnames]


def put(*config):
    return ('PUT ' + HOSTNAMES, {'config': [dict(zip(('hostname', 'cert_id', 'enabled'), item)) for item in config]})


def shown(item, hostname=None):
    """The returned form of an association: its documented fields; only hostname and state when it is absent."""
    if item is None or item.get('enabled') is None:
        return dict(dict.fromkeys(SHOWN), hostname=hostname or item['hostname'], state='absent')
    return dict({field: item.get(field) for field in SHOWN}, state='enabled' if item['enabled'] else 'disabled')


def managed(hostnames):
    return [{field: item[field] for field in MANAGED} for item in hostnames]


# --- enable, move, disable, void -------------------------------------------------------------------------------


@pytest.mark.usefixtures('serial_reads')
def test_enable_new_hostnames_in_one_put_then_wait_until_active(cloudflare, run_module, sleeps):
    cloudflare.route('GET', one(APP), not_found(), ok(association(APP, status='pending_deployment')), ok(association(APP, status='active')))
    cloudflare.route('GET', one(API), not_found())
    cloudflare.route('PUT', HOSTNAMES, ok([association(APP, status='initializing'), association(API, status='active')]))

    result = run_module(hostname_aop, dict(ARGS, hostnames=[APP, API], cert_id=CERT_ID))

    assert cloudflare.sent == read(APP, API) + [LIST, 'PUT ' + HOSTNAMES] + read(APP, APP)
    assert cloudflare.writes == [put((APP, CERT_ID, True), (API, CERT_ID, True))]
    assert sleeps == [1.0]
    assert result['changed'] is True
    assert result['hostnames'] == [shown(association(APP)), shown(association(API))]
    assert result['released_cert_ids'] == []
    assert result['zone_id'] == ZONE_ID
    result.assert_no_secret()


@pytest.mark.usefixtures('serial_reads')
def test_hostnames_already_as_declared_are_only_read(cloudflare, run_module):
    cloudflare.route('GET', one(APP), ok(association(APP)))
    cloudflare.route('GET', one(API), ok(association(API, enabled=False)))

    result = run_module(
        hostname_aop, dict(ARGS, config=[{'hostname': APP, 'cert_id': CERT_ID}, {'hostname': API, 'cert_id': CERT_ID, 'state': 'disabled'}]), diff=True
    )

    assert cloudflare.sent == read(APP, API)
    assert result['changed'] is False
    assert result['hostnames'] == [shown(association(APP)), shown(association(API, enabled=False))]
    assert result['diff'] == {'before': {}, 'after': {}}


@pytest.mark.usefixtures('serial_reads')
def test_a_hostname_moved_to_another_certificate_releases_the_old_one(cloudflare, run_module):
    cloudflare.route('GET', one(APP), ok(association(APP, cert_id=OTHER_CERT_ID)))
    cloudflare.route('GET', one(API), ok(association(API)))
    cloudflare.route('PUT', HOSTNAMES, ok([association(APP)]))

    result = run_module(hostname_aop, dict(ARGS, hostnames=[APP, API], cert_id=CERT_ID), diff=True)

    assert cloudflare.sent == read(APP, API) + [LIST, 'PUT ' + HOSTNAMES]
    assert cloudflare.writes == [put((APP, CERT_ID, True))]
    assert result['changed'] is True
    assert result['released_cert_ids'] == [OTHER_CERT_ID]
    assert result['diff'] == {'before': {APP: {'state': 'enabled', 'cert_id': OTHER_CERT_ID}}, 'after': {APP: {'state': 'enabled', 'cert_id': CERT_ID}}}


@pytest.mark.usefixtures('serial_reads')
def test_disable_keeps_the_association_and_does_not_wait(cloudflare, run_module, sleeps):
    cloudflare.route('GET', one(APP), ok(association(APP)))
    cloudflare.route('PUT', HOSTNAMES, ok([association(APP, enabled=False, status='pending_deployment')]))

    result = run_module(hostname_aop, dict(ARGS, hostnames=[APP], cert_id=CERT_ID, state='disabled'))

    assert cloudflare.sent == read(APP) + [LIST, 'PUT ' + HOSTNAMES]
    assert cloudflare.writes == [put((APP, CERT_ID, False))]
    assert sleeps == []
    assert result['hostnames'][0]['state'] == 'disabled'


@pytest.mark.usefixtures('serial_reads')
def test_remove_voids_with_enabled_null_and_the_current_cert_id(cloudflare, run_module):
    cloudflare.route('GET', one(APP), ok(association(APP)))
    cloudflare.route('GET', one(API), not_found())
    cloudflare.route('PUT', HOSTNAMES, ok([association(APP, enabled=None)]))

    result = run_module(hostname_aop, dict(ARGS, hostnames=[APP, API], state='absent'), diff=True)

    assert cloudflare.sent == read(APP, API) + ['PUT ' + HOSTNAMES], 'a void names no new certificate: nothing to check'
    assert cloudflare.writes == [put((APP, CERT_ID, None))]
    assert 'enabled' in cloudflare.calls[-1].body['config'][0], 'null is sent, not left out'
    assert result['changed'] is True
    assert result['hostnames'] == [shown(None, APP), shown(None, API)]
    assert result['released_cert_ids'] == [CERT_ID]
    assert result['diff'] == {'before': {APP: {'state': 'enabled', 'cert_id': CERT_ID}}, 'after': {APP: {'state': 'absent'}}}


@pytest.mark.usefixtures('serial_reads')
@pytest.mark.parametrize(
    'answer', [not_found(), fail(400, (1553, 'Hostname not found')), ok(association(APP, enabled=None))], ids=['404', '1553', 'already-void']
)
def test_remove_when_already_absent_changes_nothing(cloudflare, run_module, answer):
    cloudflare.route('GET', one(APP), answer)

    result = run_module(hostname_aop, dict(ARGS, hostnames=[APP], state='absent'))

    assert cloudflare.sent == read(APP)
    assert result['changed'] is False and result['hostnames'] == [shown(None, APP)]


@pytest.mark.usefixtures('serial_reads')
def test_a_hostname_the_put_answer_leaves_out_is_read_back(cloudflare, run_module):
    cloudflare.route('GET', one(APP), not_found(), ok(association(APP)))
    cloudflare.route('PUT', HOSTNAMES, ok([]))

    result = run_module(hostname_aop, dict(ARGS, hostnames=[APP], cert_id=CERT_ID))

    assert cloudflare.sent == read(APP) + [LIST, 'PUT ' + HOSTNAMES] + read(APP)
    assert result['hostnames'] == [shown(association(APP))]


@pytest.mark.usefixtures('serial_reads')
def test_a_deployment_that_timed_out_is_a_failure(cloudflare, run_module):
    cloudflare.route('GET', one(APP), not_found(), ok(association(APP, status='deployment_timed_out')))
    cloudflare.route('PUT', HOSTNAMES, ok([association(APP, status='initializing')]))

    result = run_module(hostname_aop, dict(ARGS, hostnames=[APP], cert_id=CERT_ID))

    assert cloudflare.sent == read(APP) + [LIST, 'PUT ' + HOSTNAMES] + read(APP)
    assert result.failed
    assert result['msg'].startswith('Cloudflare reports deployment_timed_out for hostname %s' % APP)


@pytest.mark.usefixtures('serial_reads')
def test_a_put_is_retried_on_a_gateway_error(cloudflare, run_module, sleeps):
    cloudflare.route('GET', one(APP), not_found())
    cloudflare.route('PUT', HOSTNAMES, text(502, '<html>502</html>'), ok([association(APP)]))

    result = run_module(hostname_aop, dict(ARGS, hostnames=[APP], cert_id=CERT_ID))

    assert cloudflare.writes == [put((APP, CERT_ID, True))] * 2
    assert len(sleeps) == 1
    assert result['changed'] is True


@pytest.mark.usefixtures('serial_reads')
def test_a_deleted_certificate_is_reported(cloudflare, run_module):
    refusal = fail(400, (1415, 'Certificate ID in request is either invalid or the certificate has been deleted'))
    cloudflare.route('GET', one(APP), not_found())
    cloudflare.route('PUT', HOSTNAMES, refusal)
    # Deleted between the check before the PUT and the PUT: read again, it is gone.
    cloudflare.route('GET', '%s/%s' % (CERTIFICATES, CERT_ID), fail(404, (1551, 'Certificate not found')))

    result = run_module(hostname_aop, dict(ARGS, hostnames=[APP], cert_id=CERT_ID))

    assert cloudflare.sent == read(APP) + [LIST, 'PUT ' + HOSTNAMES, 'GET %s/%s' % (CERTIFICATES, CERT_ID)]
    assert result.failed and 'Cloudflare error 1415' in result['msg'] and result['msg'].endswith('cf-ray ' + CF_RAY)
    assert 'certificate %s is no longer on the zone (deleted meanwhile): upload it again' % CERT_ID in result['msg']
    assert result['api_error']['method'] == 'PUT'
    result.assert_no_secret()


@pytest.mark.usefixtures('serial_reads')
def test_a_read_refused_for_permissions_is_a_failure_not_an_absence(cloudflare, run_module):
    cloudflare.route('GET', one(APP), fail(403, (10000, 'Authentication error')))

    result = run_module(hostname_aop, dict(ARGS, hostnames=[APP], cert_id=CERT_ID))

    assert cloudflare.writes == []
    assert result.failed and 'HTTP 403' in result['msg'] and result['api_error']['status'] == 403


def test_reads_run_in_parallel_and_the_write_is_exact(cloudflare, run_module):
    names = ['host%02d.example.com' % number for number in range(12)]
    for name in names:
        cloudflare.route('GET', one(name), ok(association(name, cert_id=OTHER_CERT_ID)) if name.endswith(('0.example.com', '5.example.com')) else not_found())
    cloudflare.route('PUT', HOSTNAMES, ok([association(name) for name in names]))

    result = run_module(hostname_aop, dict(ARGS, hostnames=names, cert_id=CERT_ID, association_reads='per_hostname'))

    reads = [call for call in cloudflare.sent if call.startswith('GET ') and call != LIST]
    assert collections.Counter(reads) == collections.Counter(read(*names))
    assert cloudflare.sent[len(names) :] == [LIST, 'PUT ' + HOSTNAMES]
    assert cloudflare.writes == [put(*[(name, CERT_ID, True) for name in names])], 'declared order, every hostname once'
    assert [item['hostname'] for item in result['hostnames']] == names
    assert result['released_cert_ids'] == [OTHER_CERT_ID]


# --- check mode ------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures('serial_reads')
def test_check_mode_predicts_what_the_real_run_returns(cloudflare, run_module):
    config = [
        {'hostname': APP, 'cert_id': CERT_ID},  # moves from the other certificate
        {'hostname': API, 'cert_id': CERT_ID, 'state': 'disabled'},  # new, disabled
        {'hostname': 'new.example.com', 'cert_id': CERT_ID},  # new, enabled
        {'hostname': 'old.example.com', 'state': 'absent'},  # voided
        {'hostname': 'same.example.com', 'cert_id': CERT_ID},  # unchanged
    ]
    moving = ok(association(APP, cert_id=OTHER_CERT_ID))
    cloudflare.route('GET', one(APP), moving, moving, ok(association(APP, status='active')))
    cloudflare.route('GET', one(API), not_found())
    cloudflare.route('GET', one('new.example.com'), not_found(), not_found(), ok(association('new.example.com')))
    cloudflare.route('GET', one('old.example.com'), ok(association('old.example.com', cert_id=OTHER_CERT_ID)))
    cloudflare.route('GET', one('same.example.com'), ok(association('same.example.com')))
    cloudflare.route(
        'PUT',
        HOSTNAMES,
        ok(
            [
                association(APP, status='pending_deployment'),
                association(API, enabled=False, status='pending_deployment'),
                association('new.example.com', status='initializing'),
                association('old.example.com', cert_id=OTHER_CERT_ID, enabled=None, status='pending_deletion'),
            ]
        ),
    )

    predicted = run_module(hostname_aop, dict(ARGS, config=config), check_mode=True, diff=True)
    assert cloudflare.writes == []
    assert cloudflare.sent == read(APP, API, 'new.example.com', 'old.example.com', 'same.example.com') + [LIST]
    real = run_module(hostname_aop, dict(ARGS, config=config), diff=True)

    assert cloudflare.writes == [put((APP, CERT_ID, True), (API, CERT_ID, False), ('new.example.com', CERT_ID, True), ('old.example.com', OTHER_CERT_ID, None))]
    assert predicted['changed'] is real['changed'] is True
    assert managed(predicted['hostnames']) == managed(real['hostnames'])
    enabled = [item['hostname'] for item in real['hostnames'] if item['state'] == 'enabled']
    assert enabled == [APP, 'new.example.com', 'same.example.com']
    assert [item['status'] for item in predicted['hostnames'] + real['hostnames'] if item['hostname'] in enabled] == ['active'] * 6
    assert predicted['released_cert_ids'] == real['released_cert_ids'] == [OTHER_CERT_ID]
    assert predicted['diff'] == real['diff']
    assert sorted(predicted['diff']['after']) == [API, APP, 'new.example.com', 'old.example.com']


# --- refusals before any call ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'args, message',
    [
        (
            {'hostnames': [APP, 'App.Example.com.'], 'cert_id': CERT_ID},
            'hostnames[1]: hostname app.example.com is also declared at hostnames[0]; declare each hostname once',
        ),
        (
            {'config': [{'hostname': APP, 'cert_id': CERT_ID}, {'hostname': APP, 'state': 'absent'}]},
            'config[1]: hostname app.example.com is also declared at config[0]',
        ),
        ({'hostnames': [APP]}, 'cert_id is required for state=enabled of app.example.com'),
        ({'config': [{'hostname': APP, 'state': 'disabled'}]}, 'config[0].cert_id is required for state=disabled of app.example.com'),
        ({'hostnames': [APP], 'cert_id': 'not-an-id'}, "cert_id: 'not-an-id' is not a certificate id"),
        ({'hostnames': ['not a hostname'], 'cert_id': CERT_ID}, "hostnames[0]: 'not a hostname' is not a valid hostname"),
        (
            {'hostnames': ['h%03d.example.com' % number for number in range(101)], 'cert_id': CERT_ID},
            'hostnames: 101 hostnames declared for certificate %s; Cloudflare allows 100 per certificate' % CERT_ID,
        ),
        (
            {'hostnames': [APP], 'cert_id': UNKNOWN_CERT_ID},
            "cert_id is '(known after upload)', the id a check-mode run of aop.cloudflare.hostname_client_cert gives",
        ),
        (
            {'hostnames': [APP], 'cert_id': CERT_ID, 'read_concurrency': 0},
            'read_concurrency must be a whole number, 1 or more (hostnames read at once); it is 0',
        ),
        ({'hostnames': ['app.example.net'], 'cert_id': CERT_ID}, 'hostnames[0]: app.example.net is not in the zone example.com'),
        ({'hostnames': ['app.example.com/../../x'], 'cert_id': CERT_ID}, "hostnames[0]: 'app.example.com/../../x' is not a valid hostname"),
        ({'hostnames': ['app.example.com?x=1'], 'cert_id': CERT_ID}, "hostnames[0]: 'app.example.com?x=1' is not a valid hostname"),
        ({'hostnames': [APP], 'cert_id': CERT_ID + '/..'}, "cert_id: '%s/..' is not a certificate id" % CERT_ID),
        (
            {'config': [{'hostnames': [API], 'cert_id': CERT_ID}, {'hostnames': ['www.example.com', 'not a hostname'], 'cert_id': CERT_ID}]},
            "config[1].hostnames[1]: 'not a hostname' is not a valid hostname",
        ),
        (
            {'config': [{'hostnames': [API, APP], 'cert_id': CERT_ID}, {'hostname': APP, 'state': 'absent'}]},
            'config[1]: hostname app.example.com is also declared at config[0].hostnames[1]',
        ),
        ({'config': [{'hostnames': [API, APP], 'state': 'disabled'}]}, 'config[0].cert_id is required for state=disabled of api.example.com'),
        ({'config': [{'hostname': APP, 'hostnames': [API], 'cert_id': CERT_ID}]}, 'parameters are mutually exclusive: hostname|hostnames found in config'),
        ({'config': [{'cert_id': CERT_ID}]}, 'one of the following is required: hostname, hostnames found in config'),
        (
            {
                'config': [
                    {'hostnames': ['h%03d.example.com' % number for number in range(60)], 'cert_id': CERT_ID},
                    {'hostnames': ['g%03d.example.com' % number for number in range(41)], 'cert_id': CERT_ID},
                ]
            },
            'config: 101 hostnames declared for certificate %s; Cloudflare allows 100 per certificate' % CERT_ID,
        ),
    ],
    ids=[
        'duplicate',
        'duplicate-in-config',
        'missing-cert-id',
        'missing-cert-id-in-config',
        'bad-cert-id',
        'bad-hostname',
        'over-100-per-certificate',
        'unknown-cert-id-outside-check-mode',
        'no-reader',
        'outside-the-zone',
        'hostname-path',
        'hostname-query',
        'cert-id-path',
        'bad-hostname-in-a-group',
        'duplicate-across-a-group',
        'missing-cert-id-of-a-group',
        'hostname-and-hostnames',
        'neither-hostname-nor-hostnames',
        'over-100-per-certificate-across-groups',
    ],
)
def test_bad_input_is_refused_before_any_call(cloudflare, run_module, args, message):
    result = run_module(hostname_aop, dict({'api_token': API_TOKEN, 'zone': 'example.com'}, **args))

    assert cloudflare.calls == []
    assert result.failed and result['msg'].startswith(message)


@pytest.mark.usefixtures('serial_reads')
def test_config_items_may_group_hostnames_that_share_a_certificate_and_state(cloudflare, run_module):
    # The role sends one item per certificate; the calls are those of one item per hostname.
    cloudflare.route('GET', one(APP), not_found())
    cloudflare.route('GET', one(API), ok(association(API, cert_id=OTHER_CERT_ID)))
    cloudflare.route('GET', one('www.example.com'), ok(association('www.example.com')))
    cloudflare.route('GET', one('old.example.com'), ok(association('old.example.com')))
    cloudflare.route('PUT', HOSTNAMES, ok([association(APP), association(API), association('old.example.com', enabled=None)]))
    config = [
        {'hostnames': [APP, API, 'www.example.com'], 'cert_id': CERT_ID},
        {'hostnames': ['old.example.com'], 'state': 'absent'},
        {'hostnames': [], 'cert_id': OTHER_CERT_ID},
    ]

    result = run_module(hostname_aop, dict(ARGS, config=config, wait=False, association_reads='per_hostname'))

    assert cloudflare.sent == read(APP, API, 'www.example.com', 'old.example.com') + [LIST, 'PUT ' + HOSTNAMES]
    assert cloudflare.writes == [put((APP, CERT_ID, True), (API, CERT_ID, True), ('old.example.com', CERT_ID, None))]
    assert result['changed_hostnames'] == [APP, API, 'old.example.com']
    assert result['released_cert_ids'] == [OTHER_CERT_ID]


def test_a_uuid_and_a_32_hex_certificate_id_are_both_accepted(cloudflare, run_module):
    cloudflare.route('GET', one(APP), ok(association(APP, cert_id=CERT_ID)))
    cloudflare.route('GET', one(API), ok(association(API, cert_id=OTHER_CERT_ID)))

    args = dict(ARGS, config=[{'hostname': APP, 'cert_id': CERT_ID}, {'hostname': API, 'cert_id': OTHER_CERT_ID}], association_reads='per_hostname')
    result = run_module(hostname_aop, args)

    assert result['changed'] is False and not result.failed


@pytest.mark.usefixtures('serial_reads')
def test_check_mode_predicts_with_the_id_of_certificates_not_uploaded_yet(cloudflare, run_module):
    """The chain step 1 -> step 3 in check mode: each new certificate is its own unknown, and its hostnames change."""
    cloudflare.route('GET', one(APP), ok(association(APP, cert_id=OTHER_CERT_ID)))
    cloudflare.route('GET', one(API), not_found())
    many = ['h%03d.example.com' % number for number in range(100)]
    for name in many:
        cloudflare.route('GET', one(name), not_found())
    config = [{'hostname': APP, 'cert_id': UNKNOWN_CERT_ID}, {'hostname': API, 'cert_id': UNKNOWN_CERT_ID}]
    config += [{'hostname': name, 'cert_id': UNKNOWN_CERT_ID} for name in many]

    result = run_module(hostname_aop, dict(ARGS, config=config), check_mode=True, diff=True)

    assert cloudflare.writes == []
    assert result['changed'] is True and not result.failed, '102 hostnames of unknown certificates are no limit breach'
    assert result['changed_hostnames'] == [APP, API] + many
    assert managed(result['hostnames'][:2]) == [
        {'hostname': APP, 'state': 'enabled', 'cert_id': UNKNOWN_CERT_ID, 'enabled': True},
        {'hostname': API, 'state': 'enabled', 'cert_id': UNKNOWN_CERT_ID, 'enabled': True},
    ]
    assert result['released_cert_ids'] == [OTHER_CERT_ID], 'a rotation in check mode predicts the release'
    assert result['diff']['after'][APP] == {'state': 'enabled', 'cert_id': UNKNOWN_CERT_ID}


@pytest.mark.usefixtures('serial_reads')
def test_changed_hostnames_lists_only_what_changed(cloudflare, run_module):
    cloudflare.route('GET', one(APP), ok(association(APP)))
    cloudflare.route('GET', one(API), not_found())
    cloudflare.route('PUT', HOSTNAMES, ok([association(API)]))

    result = run_module(hostname_aop, dict(ARGS, hostnames=[APP, API], cert_id=CERT_ID))

    assert result['changed_hostnames'] == [API]


@pytest.mark.usefixtures('serial_reads')
@pytest.mark.parametrize('check_mode', [False, True])
def test_a_certificate_the_zone_does_not_hold_is_refused_before_the_put(cloudflare, run_module, check_mode):
    missing = 'ffffffffffffffffffffffffffffffff'
    cloudflare.route('GET', one(APP), not_found())

    result = run_module(hostname_aop, dict(ARGS, hostnames=[APP], cert_id=missing), check_mode=check_mode)

    assert cloudflare.sent == read(APP) + [LIST] and cloudflare.writes == []
    assert result.failed and result['msg'].startswith('cert_id %s of %s is not a certificate of this zone' % (missing, APP))
    assert '(the zone holds %s)' % ', '.join(sorted([CERT_ID, OTHER_CERT_ID])) in result['msg']


@pytest.mark.usefixtures('serial_reads')
def test_a_certificate_being_deleted_is_refused_before_the_put(cloudflare, run_module, pki):
    cloudflare.route('GET', CERTIFICATES, ok([certificate_object(pki.rsa_leaf, status='pending_deletion')]))
    cloudflare.route('GET', one(APP), not_found())

    result = run_module(hostname_aop, dict(ARGS, hostnames=[APP], cert_id=CERT_ID))

    assert cloudflare.writes == []
    assert result.failed and 'is being deleted from the zone (pending_deletion)' in result['msg']


# --- the association listing, and exclusive mode ---------------------------------------------------------------------

LISTING = HOSTNAMES + '?status=all&per_page=1000'


def listing(*items):
    return page(list(items), 1, 1, per_page=1000)


def test_a_converged_zone_costs_one_call_with_the_listing(cloudflare, run_module):
    cloudflare.route('GET', LISTING, listing(association(APP), association(API), association('legacy.example.com', cert_id=OTHER_CERT_ID)))

    result = run_module(hostname_aop, dict(ARGS, hostnames=[APP, API], cert_id=CERT_ID))

    assert cloudflare.sent == ['GET ' + LISTING]
    assert result['changed'] is False and result['changed_hostnames'] == []
    assert result['association_reads'] == {'used': 'list', 'pages': 1, 'confirmed_per_hostname': 0}
    assert result['associations_complete'] is True
    assert result['certificates_in_use'] == {CERT_ID: [API, APP], OTHER_CERT_ID: ['legacy.example.com']}


def test_without_the_listing_the_same_run_reads_each_hostname_and_says_why(cloudflare, run_module):
    cloudflare.route('GET', LISTING, fail(404, (7003, 'No route for the URI')))
    cloudflare.route('GET', one(APP), ok(association(APP)))
    cloudflare.route('GET', one(API), ok(association(API)))

    result = run_module(hostname_aop, dict(ARGS, hostnames=[APP, API], cert_id=CERT_ID, read_concurrency=1))

    assert cloudflare.sent == ['GET ' + LISTING] + read(APP, API)
    assert result['changed'] is False
    assert result['association_reads'] == {'used': 'per_hostname', 'reason': 'the listing answered HTTP 404 (7003)'}
    assert result['associations_complete'] is False and result['certificates_in_use'] == {CERT_ID: [API, APP]}


@pytest.mark.parametrize('check_mode', [True, False])
def test_exclusive_voids_what_the_declaration_does_not_list(cloudflare, run_module, check_mode):
    legacy = association('legacy.example.com', cert_id=OTHER_CERT_ID)
    cloudflare.route('GET', LISTING, listing(association(APP), legacy, association('void.example.com', enabled=None)))
    cloudflare.route('PUT', HOSTNAMES, ok([dict(legacy, enabled=None)]))

    result = run_module(hostname_aop, dict(ARGS, hostnames=[APP], cert_id=CERT_ID, exclusive=True), check_mode=check_mode, diff=True)

    expected_writes = [] if check_mode else [put(('legacy.example.com', OTHER_CERT_ID, None))]
    assert cloudflare.writes == expected_writes
    assert result['changed'] is True and result['voided_undeclared'] == ['legacy.example.com']
    assert result['changed_hostnames'] == ['legacy.example.com']
    assert result['diff'] == {
        'before': {'legacy.example.com': {'state': 'enabled', 'cert_id': OTHER_CERT_ID}},
        'after': {'legacy.example.com': {'state': 'absent'}},
    }
    assert result['certificates_in_use'] == {CERT_ID: [APP]}


def test_exclusive_refuses_to_run_without_the_listing(cloudflare, run_module):
    refused = run_module(hostname_aop, dict(ARGS, hostnames=[APP], cert_id=CERT_ID, exclusive=True, association_reads='per_hostname'))
    assert refused.failed and refused['msg'].startswith('exclusive=true voids what the declaration does not list, which needs the association listing')
    assert cloudflare.calls == []

    cloudflare.route('GET', LISTING, fail(404, (7003, 'No route for the URI')))
    cloudflare.route('GET', one(APP), ok(association(APP)))
    unlisted = run_module(hostname_aop, dict(ARGS, hostnames=[APP], cert_id=CERT_ID, exclusive=True, read_concurrency=1))
    assert unlisted.failed and unlisted['msg'].startswith('exclusive=true needs the association listing, which cannot be used on this zone')
    assert cloudflare.writes == []
