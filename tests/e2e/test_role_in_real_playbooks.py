# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role as users run it inside their own playbooks: an inventory of zones under forks, hosts that share or dispute
a zone, check mode however it is asked for, paths relative to where the user stands, faults and one rate budget."""

import shutil
import subprocess
import sys

import pytest
import yaml

from .conftest import MAKE_PKI, REPO_ROOT

ZONES = ['zone%d.example' % number for number in range(3)]
CERTIFICATES = r'/client/v4/zones/[0-9a-f]+/origin_tls_client_auth/hostnames/certificates'


def hostnames_of(zone, count=2):
    return ['host%02d.%s' % (number, zone) for number in range(count)]


def write_inventory(tmp_path, emulator, pki, zones, hostnames_per_zone=2, extra_hosts=None, **shared):
    """An inventory directory as a user keeps one: a group of zones, group_vars for what they share, host_vars each."""
    directory = tmp_path / 'inventory'
    (directory / 'group_vars').mkdir(parents=True)
    (directory / 'host_vars').mkdir()
    hosts = dict.fromkeys(zones)
    hosts.update(extra_hosts or {})
    (directory / 'hosts.yml').write_text(yaml.safe_dump({'cloudflare_zones': {'hosts': hosts}}, sort_keys=False))
    (directory / 'group_vars' / 'cloudflare_zones.yml').write_text(
        yaml.safe_dump(
            {
                'ansible_connection': 'local',
                'per_hostname_aop_zone': '{{ inventory_hostname }}',
                'per_hostname_aop_base_url': emulator.base_url,
                'per_hostname_aop_api_token': emulator.api_token,
                'per_hostname_aop_certificate_file': str(pki / 'a.crt'),
                'per_hostname_aop_private_key_file': str(pki / 'a.key'),
                **shared,
            }
        )
    )
    for zone in zones:
        (directory / 'host_vars' / (zone + '.yml')).write_text(yaml.safe_dump({'per_hostname_aop_hostnames': hostnames_of(zone, hostnames_per_zone)}))
    return directory


def zones_play(**play):
    return [dict({'name': 'Cloudflare zones', 'hosts': 'cloudflare_zones', 'gather_facts': False, 'roles': ['aop.cloudflare.per_hostname_aop']}, **play)]


def configured(emulator, zone):
    """{hostname: enabled} of a zone, read from the emulator's state."""
    state = [item for item in emulator.control('/state')['zones'] if item['name'] == zone][0]
    return {association['hostname']: association['enabled'] for association in state['associations']}


def writes_by_zone(emulator):
    zone_of = {zone_id: name for name, zone_id in emulator.zone_ids.items()}
    counted: dict[str, int] = {}
    for _method, path in emulator.writes():
        zone = zone_of[path.split('/')[4]]
        counted[zone] = counted.get(zone, 0) + 1
    return counted


def test_an_inventory_of_zones_configures_every_zone_once_each_under_forks(emulator_with_zones, pki, ansible, tmp_path):
    emulator = emulator_with_zones(ZONES)
    # web1 and web2 name zone0 exactly as zone0's host does (the web servers case): still one set of calls.
    same = {name: {'per_hostname_aop_zone': ZONES[0], 'per_hostname_aop_hostnames': hostnames_of(ZONES[0])} for name in ('web1', 'web2')}
    inventory = write_inventory(tmp_path, emulator, pki, ZONES, extra_hosts=same)

    first = ansible(zones_play(), '--forks', '5', inventory=inventory)

    assert first.rc == 0, first
    for zone in ZONES:
        assert configured(emulator, zone) == dict.fromkeys(hostnames_of(zone), True), zone
    assert writes_by_zone(emulator) == dict.fromkeys(ZONES, 3), 'POST, PATCH and PUT once per zone'
    lookups = [entry for entry in emulator.requests() if entry['path'] == '/client/v4/zones']
    assert len(lookups) == len(ZONES), 'each zone is looked up once per run, not once per task'
    assert 'zone %s is configured by %s (merged from 3 hosts)' % (ZONES[0], ZONES[0]) in first.output
    assert first.recap['web1']['changed'] == first.recap['web2']['changed'] == 0, first

    emulator.clear_requests()
    second = ansible(zones_play(), '--forks', '5', inventory=inventory)
    assert second.rc == 0 and sum(counts['changed'] for counts in second.recap.values()) == 0, second
    assert emulator.writes() == []


@pytest.mark.parametrize('forks', ['1', '5'])
def test_a_host_that_claims_a_hostname_of_its_zone_for_another_certificate_fails_that_zone_only(emulator_with_zones, pki, ansible, tmp_path, forks):
    # With one fork the hosts merge one after another: the first of the zone fails before the other merges, and the
    # other must still see its declaration (it once configured the disputed zone alone, 1 run in 150 at 5 forks).
    emulator = emulator_with_zones(ZONES)
    claimed = hostnames_of(ZONES[1])[0]
    rogue = {
        'rogue': {
            'per_hostname_aop_zone': ZONES[1],
            'per_hostname_aop_hostnames': [claimed],
            'per_hostname_aop_certificate_file': str(pki / 'b.crt'),
            'per_hostname_aop_private_key_file': str(pki / 'b.key'),
        }
    }
    inventory = write_inventory(tmp_path, emulator, pki, ZONES, extra_hosts=rogue)

    run = ansible(zones_play(), '--forks', forks, inventory=inventory)

    assert run.rc != 0
    assert run.recap['rogue']['failed'] == 1 and run.recap[ZONES[1]]['failed'] == 1, (
        run.recap,
        [line[:300] for line in run.output.splitlines() if line.startswith(('fatal:', 'ERROR', '[ERROR]'))],
        run,
    )
    assert '%s is declared for 2 certificates (' % claimed in run.output and '... on rogue)' in run.output, run
    assert writes_by_zone(emulator) == {ZONES[0]: 3, ZONES[2]: 3}, 'POST, PATCH and PUT on each undisputed zone, nothing on the disputed one'
    for zone in (ZONES[0], ZONES[2]):
        assert configured(emulator, zone) == dict.fromkeys(hostnames_of(zone), True), 'the undisputed zone %s is still configured' % zone


def check_mode_plays(form):
    """The same play, asking for check mode in one of the ways a user can."""
    include = {'name': 'AOP', 'ansible.builtin.include_role': {'name': 'aop.cloudflare.per_hostname_aop'}}
    imported = {'name': 'AOP', 'ansible.builtin.import_role': {'name': 'aop.cloudflare.per_hostname_aop'}}
    base = {'name': 'Cloudflare zones', 'hosts': 'cloudflare_zones', 'gather_facts': False}
    if form == 'play keyword':
        return zones_play(check_mode=True)
    if form == 'block keyword':
        return [dict(base, tasks=[{'name': 'In check mode', 'check_mode': True, 'block': [include]}])]
    if form == 'include_role':  # include_role takes keywords for the role's tasks through apply
        return [dict(base, tasks=[{'name': 'AOP', 'ansible.builtin.include_role': {'name': 'aop.cloudflare.per_hostname_aop', 'apply': {'check_mode': True}}}])]
    if form == 'import_role':
        return [dict(base, tasks=[dict(imported, check_mode=True)])]
    return zones_play()


@pytest.mark.parametrize('form', ['--check', 'play keyword', 'block keyword', 'include_role', 'import_role'])
def test_check_mode_however_asked_predicts_and_writes_nothing_on_fresh_zones(emulator_with_zones, pki, ansible, tmp_path, form):
    emulator = emulator_with_zones(ZONES)
    inventory = write_inventory(tmp_path, emulator, pki, ZONES)

    run = ansible(check_mode_plays(form), *(['--check'] if form == '--check' else []), inventory=inventory)

    assert run.rc == 0, run
    assert emulator.writes() == []
    # Each zone predicts its three steps: upload, tls_client_auth, associations.
    assert [run.recap[zone]['changed'] for zone in ZONES] == [3] * len(ZONES), run
    assert '(known after upload)' in run.output


def test_the_modules_chained_as_the_readme_shows_predict_in_check_mode(emulator, pki, ansible):
    defaults = {'base_url': emulator.base_url, 'api_token': emulator.api_token, 'zone': 'example.com'}
    play = [
        {
            'name': 'Three steps',
            'hosts': 'localhost',
            'gather_facts': False,
            'module_defaults': {'group/aop.cloudflare.all': defaults},
            'tasks': [
                {
                    'name': 'Upload',
                    'register': 'client_cert',
                    'aop.cloudflare.hostname_client_cert': {'certificate': (pki / 'a.crt').read_text(), 'private_key': (pki / 'a.key').read_text()},
                },
                {'name': 'Setting', 'aop.cloudflare.zone_tls_client_auth': {'enabled': True}},
                {'name': 'Hostnames', 'aop.cloudflare.hostname_aop': {'hostnames': ['app.example.com'], 'cert_id': '{{ client_cert.certificate.id }}'}},
            ],
        }
    ]

    run = ansible(play, '--check')

    assert run.rc == 0, run
    assert run.recap['localhost']['changed'] == 3, run
    assert emulator.writes() == []


def test_relative_paths_are_found_where_the_user_stands(emulator, pki, ansible, tmp_path):
    """ansible-playbook aop.cloudflare.per_hostname_aop -e @vars.yml, from a directory holding pki/."""
    shutil.copytree(str(pki), str(tmp_path / 'pki'))
    (tmp_path / 'vars.yml').write_text(
        yaml.safe_dump(
            {
                'per_hostname_aop_zone': 'example.com',
                'per_hostname_aop_base_url': emulator.base_url,
                'per_hostname_aop_api_token': emulator.api_token,
                'per_hostname_aop_certificate_file': 'pki/a.crt',
                'per_hostname_aop_private_key_file': 'pki/a.key',
                'per_hostname_aop_hostnames': ['app.example.com'],
            }
        )
    )

    run = ansible('aop.cloudflare.per_hostname_aop', '-e', '@vars.yml')

    assert run.rc == 0, run
    assert configured(emulator, 'example.com') == {'app.example.com': True}


def test_a_full_zone_reports_a_summary_not_every_hostname(emulator, pki, ansible):
    """100 hostnames: the closing message has a line per certificate and per change, every hostname only with -v."""
    hostnames = hostnames_of('example.com', 100)
    variables = {
        'per_hostname_aop_zone': 'example.com',
        'per_hostname_aop_base_url': emulator.base_url,
        'per_hostname_aop_api_token': emulator.api_token,
        'per_hostname_aop_certificate_file': str(pki / 'a.crt'),
        'per_hostname_aop_private_key_file': str(pki / 'a.key'),
        'per_hostname_aop_hostnames': hostnames,
    }
    play = [{'name': 'Full zone', 'hosts': 'localhost', 'gather_facts': False, 'roles': [{'role': 'aop.cloudflare.per_hostname_aop', 'vars': variables}]}]

    assert ansible(play).rc == 0
    quiet = ansible(play)
    verbose = ansible(play, '-v')

    assert quiet.rc == 0 and quiet.recap['localhost']['changed'] == 0, quiet
    assert '100 hostname(s) enabled' in quiet.output and 'no hostname changed' in quiet.output, quiet
    assert 'unchanged host05.example.com' not in quiet.output
    assert 'unchanged host05.example.com: enabled with certificate' in verbose.output, verbose


def test_the_role_converges_in_one_run_under_429_502_and_lost_answers(emulator_with_zones, pki, ansible, tmp_path):
    emulator = emulator_with_zones(ZONES)
    inventory = write_inventory(tmp_path, emulator, pki, ZONES, hostnames_per_zone=20)
    emulator.fault(method='POST', path=CERTIFICATES + '$', kind='drop_after_commit', count=1)
    emulator.fault(method='POST', path=CERTIFICATES + '$', kind='502', count=1)
    emulator.fault(method='POST', path=CERTIFICATES + '$', kind='429', count=1, retry_after=1)
    emulator.fault(kind='429', every=7, count=12, retry_after=1)
    emulator.fault(kind='502', every=11, count=8)

    first = ansible(zones_play(), '--forks', '3', inventory=inventory)

    assert first.rc == 0, first
    statuses = [entry['status'] for entry in emulator.requests()]
    assert statuses.count(429) >= 3 and statuses.count(502) >= 2 and None in statuses, 'the faults were met'
    for zone in ZONES:
        state = [item for item in emulator.control('/state')['zones'] if item['name'] == zone][0]
        assert len(state['certificates']) == 1, 'never two copies of the certificate on %s' % zone
        assert configured(emulator, zone) == dict.fromkeys(hostnames_of(zone, 20), True)

    emulator.control('/faults', 'DELETE')
    emulator.clear_requests()
    second = ansible(zones_play(), '--forks', '3', inventory=inventory)
    assert second.rc == 0 and emulator.writes() == [], second


def test_one_budget_across_forks_ten_zones_of_100_hostnames_never_refused(emulator_with_zones, pki, ansible, tmp_path):
    """Ten module processes at once share Cloudflare's per-user budget: scaled down, it is paced, never exceeded."""
    zones = ['zone%d.example' % number for number in range(10)]
    emulator = emulator_with_zones(zones)
    emulator.configure(rate_limit=300, rate_window=10)
    # One read per hostname: the heaviest way to check a zone, the one that needs pacing.
    inventory = write_inventory(tmp_path, emulator, pki, zones, hostnames_per_zone=100, per_hostname_aop_association_reads='per_hostname')

    first = ansible(zones_play(), '--forks', '10', inventory=inventory)
    first_calls = emulator.requests()
    emulator.clear_requests()
    second = ansible(zones_play(), '--forks', '10', inventory=inventory)
    second_calls = emulator.requests()

    assert first.rc == 0, first
    assert second.rc == 0, second
    assert len(first_calls) > 1000 and len(second_calls) >= 1000, 'more than three windows of calls each'
    assert [entry for entry in first_calls + second_calls if entry['status'] == 429] == [], 'no call refused'
    assert emulator.writes() == [], 'the second run converged already'


def test_the_inventory_of_zones_example_runs_as_written(emulator, ansible, tmp_path):
    """examples/inventory-of-zones, copied as it is; only the documented environment variables and the PKI are added."""
    example = tmp_path / 'example'
    shutil.copytree(str(REPO_ROOT / 'examples' / 'inventory-of-zones'), str(example))
    subprocess.run([sys.executable, str(MAKE_PKI), str(example / 'pki'), '--client', 'client', '--client', 'shop'], check=True, capture_output=True)
    environment = {'CLOUDFLARE_BASE_URL': emulator.base_url, 'CLOUDFLARE_API_TOKEN': emulator.api_token}

    first = ansible(str(example / 'site.yml'), '--forks', '2', inventory=example / 'hosts.yml', env_extra=environment)
    second = ansible(str(example / 'site.yml'), '--forks', '2', inventory=example / 'hosts.yml', env_extra=environment)

    assert first.rc == 0, first
    assert configured(emulator, 'example.com') == {'app.example.com': True, 'api.example.com': True}
    assert configured(emulator, 'example.net') == {'app.example.net': True, 'shop.example.net': True, 'checkout.example.net': True}
    assert second.rc == 0 and sum(counts['changed'] for counts in second.recap.values()) == 0, second
