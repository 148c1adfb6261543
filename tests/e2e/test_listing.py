# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A zone's associations in a handful of calls: the association listing, the per-hostname fallback when the API
has none, exclusive mode, and the certificates no one uses named in the report."""

import re
import subprocess
import sys

import pytest
from cryptography import x509

from .conftest import MAKE_PKI
from .test_role import ASSOCIATIONS, CERTIFICATES, role_play, role_vars

FULL_ZONE_CERTIFICATES = 10
FULL_ZONE_HOSTNAMES = 100


@pytest.fixture(scope='module')
def ten_clients(tmp_path_factory):
    directory = tmp_path_factory.mktemp('ten-clients')
    names = ['c%d' % number for number in range(FULL_ZONE_CERTIFICATES)]
    subprocess.run([sys.executable, str(MAKE_PKI), str(directory)] + [arg for name in names for arg in ('--client', name)], check=True, capture_output=True)
    return directory, names


def full_zone(emulator, clients):
    directory, names = clients
    sets = [
        {
            'certificate_file': str(directory / (name + '.crt')),
            'private_key_file': str(directory / (name + '.key')),
            'hostnames': ['h%02d-%03d.example.com' % (index, number) for number in range(FULL_ZONE_HOSTNAMES)],
        }
        for index, name in enumerate(names)
    ]
    return role_vars(
        emulator,
        directory,
        per_hostname_aop_certificate_file=None,
        per_hostname_aop_private_key_file=None,
        per_hostname_aop_hostnames=None,
        per_hostname_aop_certificates=sets,
    )


def test_a_full_zone_no_op_costs_a_handful_of_calls_with_the_listing_and_one_per_hostname_without(emulator, ten_clients, ansible, record_property):
    # Three runs of about 1,000 calls would wait for Cloudflare's budget: pacing is not the subject here.
    emulator.configure(activation_seconds=0, rate_limit=100000)
    variables = full_zone(emulator, ten_clients)
    assert ansible(role_play(variables)).rc == 0

    emulator.clear_requests()
    listed = ansible(role_play(variables), '-v')
    listed_calls = emulator.requests()
    emulator.configure(association_listing='off')
    emulator.clear_requests()
    fallback = ansible(role_play(variables), '-v')
    fallback_calls = emulator.requests()

    assert listed.rc == 0 and fallback.rc == 0, (listed, fallback)
    assert [entry for entry in listed_calls + fallback_calls if entry['method'] != 'GET'] == [], 'a no-op writes nothing, whichever way it reads'
    assert len(listed_calls) <= 25, [entry['path'] for entry in listed_calls]
    assert len(fallback_calls) >= FULL_ZONE_CERTIFICATES * FULL_ZONE_HOSTNAMES
    assert 'associations read with the listing (1 page(s); 0 hostname(s) confirmed one by one)' in listed.output, listed
    assert 'associations read one by one (the listing answered HTTP 404 (7003))' in fallback.output, fallback
    record_property('summary', 'full zone (10 x 100) no-op: %d calls with the listing, %d without' % (len(listed_calls), len(fallback_calls)))


def test_exclusive_mode_predicts_then_voids_undeclared_hostnames_and_deletes_unused_undeclared_certificates(emulator, pki, ansible):
    emulator.configure(activation_seconds=0)
    assert ansible(role_play(role_vars(emulator, pki))).rc == 0
    zone_id = emulator.zone_ids['example.com']
    declared_id = emulator.zone()['certificates'][0]['id']
    # What nobody declares: a hostname on the declared certificate, and a certificate no association uses.
    assert emulator.api('PUT', ASSOCIATIONS % zone_id, {'config': [{'hostname': 'legacy.example.com', 'cert_id': declared_id, 'enabled': True}]})['success']
    leftover = emulator.api('POST', CERTIFICATES % zone_id, upload_body(pki, 'c'))['result']['id']
    exclusive = role_vars(emulator, pki, per_hostname_aop_exclusive=True)

    emulator.clear_requests()
    predicted = ansible(role_play(exclusive), '--check', '--diff')
    assert predicted.rc == 0, predicted
    assert emulator.writes() == []
    assert (
        'legacy.example.com' in predicted.output
        and 'deleted certificate %s (%s): not declared (per_hostname_aop_exclusive)' % (leftover, subject(pki, 'c')) in predicted.output
    )

    real = ansible(role_play(exclusive))
    assert real.rc == 0, real
    zone = emulator.zone()
    assert sorted(item['hostname'] for item in zone['associations'] if item['enabled']) == ['api.example.com', 'app.example.com', 'www.example.com']
    assert [item['id'] for item in zone['certificates'] if item['status'] != 'pending_deletion'] == [declared_id]

    emulator.clear_requests()
    again = ansible(role_play(exclusive))
    assert again.rc == 0 and emulator.writes() == [], again


def test_exclusive_mode_is_refused_under_limit_before_any_write(emulator, pki, ansible):
    run = ansible(role_play(role_vars(emulator, pki, per_hostname_aop_exclusive=True)), '--limit', 'localhost')

    assert run.rc != 0
    assert 'per_hostname_aop_exclusive is set for zone example.com, and this run does not see every host of the play (--limit)' in run.output, run
    assert emulator.requests() == []


def test_every_run_names_the_certificates_no_association_uses_and_no_host_declares(emulator, pki, ansible):
    leftover = emulator.api('POST', CERTIFICATES % emulator.zone_ids['example.com'], upload_body(pki, 'c'))['result']['id']

    run = ansible(role_play(role_vars(emulator, pki)))

    assert run.rc == 0, run
    expires = x509.load_pem_x509_certificate((pki / 'c.crt').read_bytes()).not_valid_after_utc.strftime('%Y-%m-%dT%H:%M:%SZ')
    assert (
        'leftover certificate %s (%s, expires %s): no association uses it and no host declares it; delete it with per_hostname_aop_exclusive: true, '
        'or aop.cloudflare.hostname_client_cert (state=absent, id=%s)' % (leftover, subject(pki, 'c'), expires, leftover)
    ) in run.output, run
    assert leftover in [item['id'] for item in emulator.zone()['certificates']], 'named, not deleted'


def upload_body(pki, name):
    return {'certificate': (pki / (name + '.crt')).read_text(), 'private_key': (pki / (name + '.key')).read_text()}


def subject(pki, name):
    return x509.load_pem_x509_certificate((pki / (name + '.crt')).read_bytes()).subject.rfc4514_string()


def test_a_run_paced_by_the_budget_says_how_long_it_waited_and_is_never_refused(emulator, pki, ansible):
    """A budget of 14 calls per 20 s: with its reserve of 10 the shared ledger holds calls back for most of a window."""
    emulator.configure(activation_seconds=0, rate_limit=14, rate_window=20)

    run = ansible(role_play(role_vars(emulator, pki)), '-v')

    assert run.rc == 0, run
    assert (
        "s for Cloudflare's rate limit (1,200 calls per 5 minutes per user, shared by every run and tool with these credentials): the run is paced, not hung"
        in run.output
    ), run
    waited = [float(seconds) for seconds in re.findall(r'"waited_seconds": ([0-9.]+)', run.output)]
    assert max(waited) > 10, waited
    assert [entry for entry in emulator.requests() if entry['status'] == 429] == [], 'paced, never refused'
