# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Runs that overlap and runs on a bad day: nothing duplicated, nothing lost, and the next run converges."""

import collections
import random
from concurrent.futures import ThreadPoolExecutor

from cryptography import x509

ZONE = 'example.com'
HOSTNAMES = ['app.example.com', 'api.example.com', 'www.example.com', 'shop.example.com']
FAULT_KINDS = ('429', '502', '503', 'drop_before_commit', 'drop_after_commit', 'slow')
CERTIFICATES = r'/client/v4/zones/[0-9a-f]+/origin_tls_client_auth/hostnames/certificates'
CLIENT_TIMEOUT = 2  # the modules' timeout in the soak, so that a slow answer (held HELD_SECONDS) is given up on
HELD_SECONDS = 3
OVERLAP_HOLD_SECONDS = 10
FAULT_METHODS = ('*', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH')
SOAK_RUNS = 40
RESTART_EVERY = 10
SOAK_SEED = 20261201


def role_play(emulator, pki, certificates, **role_variables):
    """The role for ZONE, certificates: {name in the test PKI: hostnames}; other role variables by their short name."""
    variables = {
        'per_hostname_aop_zone': ZONE,
        'per_hostname_aop_base_url': emulator.base_url,
        'per_hostname_aop_api_token': emulator.api_token,
        'per_hostname_aop_certificates': [
            {'certificate_file': str(pki / (name + '.crt')), 'private_key_file': str(pki / (name + '.key')), 'hostnames': hostnames}
            for name, hostnames in certificates.items()
        ],
        **{'per_hostname_aop_' + name: value for name, value in role_variables.items()},
    }
    return [
        {
            'name': 'Per-hostname AOP',
            'hosts': 'localhost',
            'gather_facts': False,
            'roles': [{'role': 'aop.cloudflare.per_hostname_aop', 'vars': variables}],
        }
    ]


def serial_of(pki, name):
    return str(x509.load_pem_x509_certificate((pki / (name + '.crt')).read_bytes()).serial_number)


def inspect(emulator, pki, certificates):
    """(duplicates, leftovers, lost hostnames) on ZONE against what certificates declares."""
    zone = emulator.zone(ZONE)
    live = [cert for cert in zone['certificates'] if cert['status'] not in ('pending_deletion', 'deleted')]
    serials = collections.Counter(cert['serial_number'] for cert in live)
    duplicates = sum(count - 1 for count in serials.values())
    declared = {serial_of(pki, name): name for name in certificates}
    leftovers = [cert['id'] for cert in live if cert['serial_number'] not in declared]
    id_of = {cert['serial_number']: cert['id'] for cert in live}
    enabled = {item['hostname']: item['cert_id'] for item in zone['associations'] if item['enabled'] is True}
    lost = [
        hostname
        for serial, name in declared.items()
        for hostname in certificates[name]
        if enabled.get(hostname) is None or enabled.get(hostname) != id_of.get(serial)
    ]
    return duplicates, leftovers, lost


def test_two_runs_at_once_on_one_zone_leave_no_duplicate_and_a_rerun_converges(emulator, pki, ansible):
    certificates = {'a': HOSTNAMES[:2], 'b': HOSTNAMES[2:]}
    play = role_play(emulator, pki, certificates)
    # The first upload is held while the other run reads the zone, so that both find it empty and both upload; the
    # other run starts with it, so it comes well within the hold (under the modules' timeout of 30 s).
    emulator.fault(method='POST', path=CERTIFICATES + '$', kind='slow', seconds=OVERLAP_HOLD_SECONDS, count=1)

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda _number: ansible(play), range(2)))

    uploads = [entry['status'] for entry in emulator.requests() if entry['method'] == 'POST']
    assert sorted(uploads) == [200, 200, 400, 400], 'both runs uploaded a and b, the later copy of each refused (1406): %s' % uploads
    for run in runs:
        # The run whose upload met the other's adopts the stored copy: neither fails.
        assert run.rc == 0 and run.recap['localhost']['failed'] == 0, run
    assert inspect(emulator, pki, certificates) == (0, [], []), 'one copy of each certificate, every hostname on its own'
    emulator.clear_requests()
    rerun = ansible(play)
    assert rerun.rc == 0 and rerun.recap['localhost']['changed'] == 0 and emulator.writes() == [], rerun


def queue_random_faults(emulator, rng):
    """Two to four faults on random verbs, each hitting every few matching calls a few times; a slow answer costs the
    run a timeout and a wait, so it hits once, the first matching call. Returns how many slow faults were queued."""
    slow = 0
    for _fault in range(rng.randint(2, 4)):
        method, kind, every, count = rng.choice(FAULT_METHODS), rng.choice(FAULT_KINDS), rng.randint(2, 6), rng.randint(1, 3)
        if kind == 'slow':
            every, count, slow = 1, 1, slow + 1
        emulator.fault(method=method, kind=kind, every=every, count=count, retry_after=1, seconds=HELD_SECONDS)
    return slow


def test_fault_soak_nothing_duplicated_nothing_lost_every_run_converges_by_the_next(emulator_with_zones, pki, ansible, tmp_path, record_property):
    """SOAK_RUNS role runs, each rotating between two certificates under a random mix of 429, 502, 503, answers lost
    before or after commit and answers slower than the client's timeout (the write landing after the client's retry),
    with an emulator restart from its saved state every RESTART_EVERY runs."""
    rng = random.Random(SOAK_SEED)
    state_file = tmp_path / 'emulator-state.json'
    emulator = emulator_with_zones([ZONE], state_file)
    emulator.configure(activation_seconds=0)  # the faults are the subject here, not the waiting
    figures: collections.Counter[str] = collections.Counter()
    for number in range(SOAK_RUNS):
        if number and number % RESTART_EVERY == 0:
            emulator.stop()
            emulator = emulator_with_zones([ZONE], state_file)
            emulator.configure(activation_seconds=0)
            figures['emulator restarts'] += 1
        certificates = {('a', 'b')[number % 2]: HOSTNAMES[:3], 'c': HOSTNAMES[3:]}
        play = role_play(emulator, pki, certificates, timeout=CLIENT_TIMEOUT)
        emulator.clear_requests()
        slow_queued = queue_random_faults(emulator, rng)
        run = ansible(play)
        # A slow fault leaves the queue when it fires, but its request is logged only once answered: the queue tells.
        slow_fired = slow_queued - sum(1 for fault in emulator.control('/faults') if fault['kind'] == 'slow')
        emulator.control('/faults', 'DELETE')
        # Every held write lands before the state is judged, not during the next run.
        emulator.held_answered(slow_fired)
        faults = collections.Counter(entry['fault'] for entry in emulator.requests() if entry['fault'])
        assert faults['slow'] == slow_fired, 'each slow fault that fired was answered: %s' % faults
        figures['faults injected'] += sum(faults.values())
        figures['of them slow answers'] += faults['slow']
        if run.rc == 0 and inspect(emulator, pki, certificates) == (0, [], []):
            figures['converged in the same run'] += 1
        elif ansible(play).rc == 0 and inspect(emulator, pki, certificates) == (0, [], []):
            figures['needed one more run'] += 1
        else:
            figures['not converged by the next run'] += 1
        duplicates, leftovers, lost = inspect(emulator, pki, certificates)
        figures['duplicates'] += duplicates
        figures['certificates left behind'] += len(leftovers)
        figures['associations lost'] += len(lost)
    figures['runs'] = SOAK_RUNS
    report = ', '.join(
        '%s %d' % (name, figures[name])
        for name in (
            'runs',
            'faults injected',
            'of them slow answers',
            'emulator restarts',
            'converged in the same run',
            'needed one more run',
            'not converged by the next run',
            'duplicates',
            'certificates left behind',
            'associations lost',
        )
    )
    record_property('summary', 'fault soak: ' + report)

    assert figures['faults injected'] >= SOAK_RUNS, report
    assert figures['duplicates'] == 0 and figures['associations lost'] == 0, report
    assert figures['certificates left behind'] == 0 and figures['not converged by the next run'] == 0, report
