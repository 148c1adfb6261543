# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The playbook aop.cloudflare.expiry_report over an inventory of zones set up by the role: it fails only the zones
where a certificate that a declared hostname uses expires soon, and writes nothing."""

import subprocess
import sys

from .conftest import MAKE_PKI

HEALTHY, EXPIRING, UNUSED = 'healthy.example', 'expiring.example', 'unused.example'
CERTIFICATES = '/zones/%s/origin_tls_client_auth/hostnames/certificates'


def cert_id_of(emulator, zone, hostname):
    return [item['cert_id'] for item in emulator.zone(zone)['associations'] if item['hostname'] == hostname][0]


def test_the_report_fails_only_zones_whose_certificate_in_use_expires_soon(emulator_with_zones, pki, ansible, tmp_path):
    emulator = emulator_with_zones([HEALTHY, EXPIRING, UNUSED])
    short = tmp_path / 'short-pki'
    subprocess.run([sys.executable, str(MAKE_PKI), str(short), '--client', 'short', '--days', '10'], check=True, capture_output=True)
    year_long = {'certificate_file': str(pki / 'a.crt'), 'private_key_file': str(pki / 'a.key')}
    ten_days = {'certificate_file': str(short / 'short.crt'), 'private_key_file': str(short / 'short.key')}
    # The role's own variables, in both of their forms; the report reads the same inventory.
    inventory = {
        'cloudflare_zones': {
            'vars': {
                'ansible_connection': 'local',
                'per_hostname_aop_zone': '{{ inventory_hostname }}',
                'per_hostname_aop_base_url': emulator.base_url,
                'per_hostname_aop_api_token': emulator.api_token,
            },
            'hosts': {
                HEALTHY: {
                    'per_hostname_aop_certificate_file': year_long['certificate_file'],
                    'per_hostname_aop_private_key_file': year_long['private_key_file'],
                    'per_hostname_aop_hostnames': ['app.' + HEALTHY, 'api.' + HEALTHY],
                },
                EXPIRING: {'per_hostname_aop_certificates': [dict(year_long, hostnames=['app.' + EXPIRING]), dict(ten_days, hostnames=['shop.' + EXPIRING])]},
                UNUSED: {
                    'per_hostname_aop_certificate_file': year_long['certificate_file'],
                    'per_hostname_aop_private_key_file': year_long['private_key_file'],
                    'per_hostname_aop_hostnames': ['app.' + UNUSED],
                },
            },
        }
    }
    setup = ansible([{'name': 'Zones', 'hosts': 'cloudflare_zones', 'gather_facts': False, 'roles': ['aop.cloudflare.per_hostname_aop']}], inventory=inventory)
    assert setup.rc == 0, setup
    # The ten-day certificate also sits on UNUSED, where no declared hostname uses it.
    uploaded = emulator.api(
        'POST', CERTIFICATES % emulator.zone_ids[UNUSED], {'certificate': (short / 'short.crt').read_text(), 'private_key': (short / 'short.key').read_text()}
    )
    assert uploaded['success'], uploaded
    expiring_id = cert_id_of(emulator, EXPIRING, 'shop.' + EXPIRING)
    emulator.clear_requests()

    report = ansible('aop.cloudflare.expiry_report', inventory=inventory)

    assert report.rc == 2, report
    assert {zone: counts['failed'] for zone, counts in report.recap.items()} == {HEALTHY: 0, EXPIRING: 1, UNUSED: 0}
    assert (
        'certificate %s (CN=Cloudflare origin pull client (short),O=aop.cloudflare demo), used by shop.%s, is valid '
        'until' % (expiring_id, EXPIRING) in report.output
    )
    assert '(9 days left): issue a new one' in report.output
    # Every certificate is listed with its days left and the hostnames that use it.
    assert report.output.count('days left, used by api.%s, app.%s' % (HEALTHY, HEALTHY)) == 1, report
    assert report.output.count('9 days left, used by shop.%s' % EXPIRING) == 1, report
    assert report.output.count('9 days left, used by no hostname') == 1, report
    assert report.output.count('364 days left, used by app.%s' % UNUSED) == 1, report
    assert uploaded['result']['id'] not in report.output.split('TASK [Fail the zone')[1]
    assert emulator.writes() == []

    # A shorter horizon than the certificate's days left: every zone passes.
    relaxed = ansible('aop.cloudflare.expiry_report', '-e', 'aop_expiry_report_days=5', inventory=inventory)
    assert relaxed.rc == 0, relaxed
    assert sum(counts['failed'] for counts in relaxed.recap.values()) == 0, relaxed


def test_the_report_reads_each_zone_once_from_the_webservers_example_and_names_a_missing_variable(emulator, pki, ansible):
    """Three web servers name one zone in group_vars: one read of it. A host without the zone is named, not skipped."""
    shared = {
        'ansible_connection': 'local',
        'ansible_python_interpreter': sys.executable,
        'per_hostname_aop_zone': 'example.com',
        'per_hostname_aop_base_url': emulator.base_url,
        'per_hostname_aop_api_token': emulator.api_token,
        'per_hostname_aop_certificate_file': str(pki / 'a.crt'),
        'per_hostname_aop_private_key_file': str(pki / 'a.key'),
        'per_hostname_aop_hostnames': ['{{ public_hostname }}'],
    }
    hosts = {'web%d' % number: {'public_hostname': 'web%d.example.com' % number} for number in (1, 2, 3)}
    inventory = {'webservers': {'vars': shared, 'hosts': hosts}, 'databases': {'hosts': {'db1': {'ansible_connection': 'local'}}}}
    assert ansible([{'name': 'Web', 'hosts': 'webservers', 'gather_facts': False, 'roles': ['aop.cloudflare.per_hostname_aop']}], inventory=inventory).rc == 0
    emulator.clear_requests()

    report = ansible('aop.cloudflare.expiry_report', inventory=inventory)

    assert report.rc == 0, report
    lists = [entry for entry in emulator.requests() if entry['path'].endswith('/hostnames/certificates')]
    assert len(lists) == 1, 'the zone is read once, not once per web server'
    assert 'days left, used by web1.example.com, web2.example.com, web3.example.com' in report.output, report
    assert report.recap['db1']['failed'] == 0, 'a host that sets none of the role variables has nothing to report'

    inventory['webservers']['hosts']['web4'] = {'public_hostname': 'web4.example.com', 'per_hostname_aop_zone': None}
    missing = ansible('aop.cloudflare.expiry_report', inventory=inventory)
    assert missing.rc != 0 and missing.recap['web4']['failed'] == 1, missing
    assert 'set exactly one of per_hostname_aop_zone (the zone name, e.g. example.com) and per_hostname_aop_zone_id' in missing.output
