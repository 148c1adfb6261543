# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role in a play of web servers, each declaring its own hostnames: hosts are merged per zone, real conflicts
fail before any write, one zone however named, --limit and serial batches, strategies and run_once, and check mode
without a production key."""

import collections
import sys

import pytest

ZONE = 'example.com'


def web_inventory(emulator, pki, hosts, **shared):
    """An inventory of web servers standing in for this machine: hosts is {name: its own variables}."""
    common = {
        'ansible_connection': 'local',
        'ansible_python_interpreter': sys.executable,
        'per_hostname_aop_zone': ZONE,
        'per_hostname_aop_base_url': emulator.base_url,
        'per_hostname_aop_api_token': emulator.api_token,
        'per_hostname_aop_certificate_file': str(pki / 'a.crt'),
        'per_hostname_aop_private_key_file': str(pki / 'a.key'),
    }
    common.update(shared)
    return {'webservers': {'hosts': hosts, 'vars': {name: value for name, value in common.items() if value is not None}}}


def servers(count):
    return {'web%02d' % number: {'per_hostname_aop_hostnames': ['web%02d.%s' % (number, ZONE)]} for number in range(count)}


def associations(emulator):
    return {item['hostname']: item['cert_id'] for item in emulator.zone()['associations'] if item['enabled']}


def calls(emulator):
    return collections.Counter(entry['method'] for entry in emulator.requests())


def web_play(**play):
    return [dict({'name': 'Web servers', 'hosts': 'webservers', 'gather_facts': False, 'roles': ['aop.cloudflare.per_hostname_aop']}, **play)]


def test_fifty_servers_cost_what_one_host_declaring_their_hostnames_costs(emulator_with_zones, pki, ansible, record_property):
    """The merge is free: the zone's run makes the same calls whoever declares its hostnames."""
    fifty = emulator_with_zones([ZONE])
    merged = ansible(web_play(), '--forks', '10', inventory=web_inventory(fifty, pki, servers(50)))
    single_emulator = emulator_with_zones([ZONE])
    hostnames = [hostname for variables in servers(50).values() for hostname in variables['per_hostname_aop_hostnames']]
    single = ansible(web_play(), inventory=web_inventory(single_emulator, pki, {'web00': {'per_hostname_aop_hostnames': hostnames}}))

    assert merged.rc == 0 and single.rc == 0, (merged, single)
    assert 'configures zone example.com (merged from 50 hosts)' in merged.output
    assert sorted(associations(fifty)) == sorted(associations(single_emulator)) == sorted(hostnames)
    assert len(set(associations(fifty).values())) == 1, 'every hostname with the one certificate'
    assert calls(fifty) == calls(single_emulator), (calls(fifty), calls(single_emulator))
    record_property('summary', 'merge of 50 hosts: %s; one host declaring the 50 hostnames: %s' % (dict(calls(fifty)), dict(calls(single_emulator))))


def test_a_hostname_claimed_for_two_certificates_fails_every_host_of_the_zone_before_any_write(emulator, pki, ansible):
    hosts = servers(3)
    hosts['web02'] = {
        'per_hostname_aop_hostnames': ['web00.' + ZONE],
        'per_hostname_aop_certificate_file': str(pki / 'b.crt'),
        'per_hostname_aop_private_key_file': str(pki / 'b.key'),
    }

    run = ansible(web_play(), inventory=web_inventory(emulator, pki, hosts))

    assert run.rc != 0
    assert {host: counts['failed'] for host, counts in run.recap.items()} == {'web00': 1, 'web01': 1, 'web02': 1}, run
    assert 'web00.example.com is declared for 2 certificates (' in run.output and '... on web00, ' in run.output and '... on web02)' in run.output
    assert emulator.writes() == []


def test_one_zone_named_by_name_and_by_id_is_uploaded_once(emulator, pki, ansible):
    hosts = servers(2)
    hosts['web01'].update(per_hostname_aop_zone=None, per_hostname_aop_zone_id=emulator.zone_ids[ZONE])

    run = ansible(web_play(), inventory=web_inventory(emulator, pki, hosts))

    assert run.rc == 0, run
    assert 'configures zone %s (merged from 2 hosts)' % emulator.zone_ids[ZONE] in run.output, run
    assert sorted(method for method, _path in emulator.writes()) == ['PATCH', 'POST', 'PUT']
    assert sorted(associations(emulator)) == ['web00.example.com', 'web01.example.com']


def test_limit_configures_only_what_the_limited_hosts_declare(emulator, pki, ansible):
    inventory = web_inventory(emulator, pki, servers(3))

    limited = ansible(web_play(), '--limit', 'web01', inventory=inventory)
    assert limited.rc == 0, limited
    assert sorted(associations(emulator)) == ['web01.example.com']

    everyone = ansible(web_play(), inventory=inventory)
    assert everyone.rc == 0, everyone
    assert sorted(associations(emulator)) == ['web00.example.com', 'web01.example.com', 'web02.example.com']

    emulator.clear_requests()
    again = ansible(web_play(), '--limit', 'web02', inventory=inventory)
    assert again.rc == 0 and emulator.writes() == [], 'a limited run of a converged zone writes nothing and voids nothing'


def test_serial_batches_each_configure_their_own_hosts_and_void_nothing_of_the_others(emulator, pki, ansible):
    run = ansible(web_play(serial=1), inventory=web_inventory(emulator, pki, servers(3)))

    assert run.rc == 0, run
    assert sorted(associations(emulator)) == ['web00.example.com', 'web01.example.com', 'web02.example.com']
    assert [method for method, _path in emulator.writes()].count('POST') == 1, 'the certificate is uploaded once, then adopted'
    assert run.output.count('configures zone example.com') == 3, 'each batch of one host configures what it declares'


@pytest.mark.parametrize(
    'play, reason',
    [
        ({'strategy': 'free'}, 'the play runs with strategy free, which lets each host run ahead'),
        ({'roles': [{'role': 'aop.cloudflare.per_hostname_aop', 'run_once': True}]}, 'run_once would run the role for web00 alone and silently leave out'),
    ],
    ids=['free', 'run_once'],
)
def test_plays_whose_hosts_cannot_be_merged_are_refused_with_the_reason(emulator, pki, ansible, play, reason):
    run = ansible(web_play(**play), inventory=web_inventory(emulator, pki, servers(3)))

    assert run.rc != 0
    assert reason in run.output, run
    assert emulator.writes() == []


def test_check_mode_needs_no_production_key(emulator, pki, ansible):
    """A CI job with a read-only token and no key: a configured zone predicts no change, a new certificate an upload."""
    inventory = web_inventory(emulator, pki, servers(2))
    assert ansible(web_play(), inventory=inventory).rc == 0
    no_key = web_inventory(emulator, pki, servers(2), per_hostname_aop_private_key_file=None)

    converged = ansible(web_play(), '--check', inventory=no_key)
    rotated = ansible(
        web_play(),
        '--check',
        inventory=web_inventory(emulator, pki, servers(2), per_hostname_aop_private_key_file=None, per_hostname_aop_certificate_file=str(pki / 'b.crt')),
    )
    real = ansible(web_play(), inventory=no_key)

    assert converged.rc == 0 and sum(counts['changed'] for counts in converged.recap.values()) == 0, converged
    assert 'not checked' not in converged.output and 'private key' not in converged.output.lower(), converged
    assert rotated.rc == 0, rotated
    assert (
        'is not on the zone, so a real run uploads it, which needs its private key; none was given, so check mode predicts the upload without checking the key'
        in rotated.output
    )
    assert 'certificate for web00.example.com and 1 more: certificate (known after upload), (known after upload)' in rotated.output, rotated
    assert real.rc != 0 and 'neither per_hostname_aop_private_key (PEM text) nor per_hostname_aop_private_key_file' in real.output, real
    assert [method for method, _path in emulator.writes()].count('POST') == 1, 'only the first, real run uploaded'


def test_the_plan_of_a_host_holds_no_key_even_from_a_bundle_file(emulator, pki, ansible, tmp_path):
    bundle = tmp_path / 'bundle.pem'
    bundle.write_text((pki / 'a.crt').read_text() + (pki / 'a.key').read_text())
    inventory = web_inventory(emulator, pki, servers(1), per_hostname_aop_certificate_file=str(bundle), per_hostname_aop_private_key_file=str(bundle))
    play = web_play(
        roles=[],
        tasks=[{'ansible.builtin.include_role': {'name': 'aop.cloudflare.per_hostname_aop'}}, {'ansible.builtin.debug': {'var': 'per_hostname_aop__plan'}}],
    )

    run = ansible(play, '-vvv', inventory=inventory)

    assert run.rc == 0, run
    assert 'PRIVATE KEY' not in run.output
    key_lines = [line for line in (pki / 'a.key').read_text().splitlines()[1:-1] if len(line) >= 40]
    assert not [line for line in key_lines if line in run.output]
    assert associations(emulator) == {'web00.example.com': emulator.zone()['certificates'][0]['id']}
