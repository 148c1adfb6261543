# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The hosts that name one zone are merged, not compared: the zone's plan is the sum, and only real conflicts fail."""

import pytest

from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_plan import KeySource, PlanError, plan_host
from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_zone import ZonePlan, assign
from ansible_collections.aop.cloudflare.tests.unit.plugins.plugin_utils.conftest import colons, single

ZONE_ID = '023e105f4ecef8ad9ca31a8372d0c353'


def plans_for(files, **hosts):
    """{host: plan} in the order given, each host's variables being single(**given)."""
    return {host: plan_host(host, single(**given), files, {}) for host, given in hosts.items()}


def test_hosts_that_each_declare_their_own_hostname_are_merged(files, pki, tmp_path):
    plans = plans_for(
        files,
        web1={'hostnames': ['web1.example.com']},
        web2={'hostnames': ['web2.example.com']},
        web3={'hostnames': ['shop.example.com']},
        other={'zone': 'example.net', 'hostnames': ['app.example.net']},
    )

    first, second = assign('web1', plans), assign('web2', plans)

    assert (first.configures, first.message) == (True, 'configures zone example.com (merged from 3 hosts)')
    assert (second.configures, second.message) == (False, 'zone example.com is configured by web1 (merged from 3 hosts)')
    assert first.zone == second.zone
    (certificate,) = first.zone.certificates
    assert certificate.fingerprint == colons(pki.rsa_leaf.fingerprint_sha256)
    assert certificate.hostnames == ['web1.example.com', 'web2.example.com', 'shop.example.com']
    assert certificate.key == KeySource('web1', file=str(tmp_path / 'rsa.key'))
    assert (first.zone.void_hostnames, first.zone.retired, first.zone.kept_declared) == ([], [], [])
    assert first.zone.hosts == ['web1', 'web2', 'web3']
    assert assign('other', plans).message == 'configures zone example.net', 'a zone of its own is configured by its host'


def test_the_zone_plan_survives_a_round_trip_through_a_registered_result(files):
    zone = assign('web1', plans_for(files, web1={}, web2={'hostnames': ['www.example.com']})).zone

    assert ZonePlan.from_dict(zone.to_dict()) == zone


def test_a_host_declaring_absent_voids_its_own_hostnames_and_the_certificate_others_use_stays(files):
    plans = plans_for(
        files,
        web1={'hostnames': ['web1.example.com']},
        web2={'hostnames': ['web2.example.com']},
        web3={'hostnames': ['shop.example.com'], 'state': 'absent', 'private_key_file': None},
    )

    zone = assign('web1', plans).zone

    assert [item.hostnames for item in zone.certificates] == [['web1.example.com', 'web2.example.com']]
    assert zone.void_hostnames == ['shop.example.com']
    assert zone.retired == [], 'web1 and web2 still declare the certificate present'
    assert zone.kept_declared == [
        {
            'fingerprint': zone.certificates[0].fingerprint,
            'subject': zone.certificates[0].subject,
            'declared_absent_by': ['web3'],
            'declared_present_by': ['web1', 'web2'],
        }
    ]


def test_a_certificate_only_declared_absent_is_retired(files):
    plans = plans_for(
        files, web1={'hostnames': ['web1.example.com']}, web3={'certificate_file': 'ec.crt', 'hostnames': ['shop.example.com'], 'state': 'absent'}
    )

    zone = assign('web1', plans).zone

    assert [item.subject for item in zone.retired] == [zone.retired[0].subject] and zone.retired[0].hostnames == ['shop.example.com']
    assert zone.void_hostnames == ['shop.example.com']


def test_one_zone_named_by_name_on_one_host_and_by_id_on_another_is_one_zone(files):
    plans = plans_for(files, web1={'hostnames': ['web1.example.com']}, web2={'zone': None, 'zone_id': ZONE_ID.upper(), 'hostnames': ['web2.example.com']})

    unresolved = assign('web2', plans)
    resolved = assign('web2', plans, {'example.com': ZONE_ID})

    assert unresolved.configures is True, 'without the lookup they look like two zones'
    assert (resolved.configures, resolved.message) == (False, 'zone %s is configured by web1 (merged from 2 hosts)' % ZONE_ID)
    assert (str(resolved.zone.zone_id).lower(), resolved.zone.zone) == (ZONE_ID, 'example.com')
    assert resolved.zone.certificates[0].hostnames == ['web1.example.com', 'web2.example.com']


def test_a_hostname_claimed_for_two_certificates_fails_every_host_of_the_zone(files):
    plans = plans_for(
        files, web1={'hostnames': ['app.example.com']}, web2={'certificate_file': 'ec.crt', 'private_key_file': 'ec.key', 'hostnames': ['app.example.com']}
    )

    for host in plans:
        with pytest.raises(PlanError) as error:
            assign(host, plans)
        (problem,) = error.value.problems
        assert problem.startswith('app.example.com is declared for 2 certificates (')
        assert '... on web1, ' in problem and problem.endswith(
            '... on web2): a hostname uses one certificate; fix per_hostname_aop_hostnames or the certificate on those hosts'
        )


def test_a_hostname_present_on_one_host_and_absent_on_another_fails(files):
    plans = plans_for(files, web1={}, web2={'state': 'absent'})

    with pytest.raises(PlanError) as error:
        assign('web1', plans)

    assert error.value.problems == ['app.example.com is declared present on web1 and absent on web2 (per_hostname_aop_state): declare it on one side only']


def test_zone_settings_must_agree_and_the_message_names_the_hosts(files):
    plans = plans_for(files, web1={}, web2={'hostnames': ['www.example.com'], 'tls_client_auth': 'unchanged'}, web3={'hostnames': ['x.example.com']})

    with pytest.raises(PlanError) as error:
        assign('web2', plans)

    assert error.value.problems == [
        "per_hostname_aop_tls_client_auth differs between the hosts of zone example.com: 'enabled' on web1 and web3, 'unchanged' on web2; "
        'it is a setting of the zone, so give every host that names the zone the same value'
    ]


def test_a_refusal_grows_with_the_conflicts_not_with_the_hosts(files):
    """Ten hosts that all disagree on one setting give one problem of bounded length, not one per pair."""
    plans = plans_for(files, **{'web%d' % n: {'hostnames': ['web%d.example.com' % n], 'delete_released_certificates': n % 2 == 0} for n in range(10)})

    with pytest.raises(PlanError) as error:
        assign('web0', plans)

    (problem,) = error.value.problems
    assert 'True on web0, web2, web4 and 2 more hosts, False on web1, web3, web5 and 2 more hosts' in problem
    assert len(problem) < 400


def test_the_limits_apply_after_the_merge(files):
    plans = plans_for(files, **{'web%d' % n: {'hostnames': ['h%d-%d.example.com' % (n, i) for i in range(30)]} for n in range(4)})

    with pytest.raises(PlanError) as error:
        assign('web0', plans)

    assert error.value.problems == [
        'per_hostname_aop_hostnames of zone example.com: 120 hostnames declared for certificate for h0-0.example.com and 119 more; '
        'Cloudflare allows 100 per certificate: spread them over more certificates'
    ]


def test_a_key_given_as_a_file_by_any_host_is_preferred(files, pki, tmp_path):
    plans = {
        'web1': plan_host('web1', single(private_key_file=None, private_key=pki.rsa_leaf.key_pem), files, {}),
        'web2': plan_host('web2', single(hostnames=['www.example.com']), files, {}),
    }

    zone = assign('web1', plans).zone

    assert zone.certificates[0].key == KeySource('web2', file=str(tmp_path / 'rsa.key'))
