# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role aop.cloudflare.per_hostname_aop end to end: real ansible-playbook runs against a fresh emulator each,
checked by their output and by the emulator's request log and state."""

import subprocess
import sys

import pytest
from cryptography import x509

from tests.pki import SERVER_AUTH, CertificateAuthority, Pair  # pylint: disable=import-error  # conftest puts the repository on sys.path

from .conftest import MAKE_PKI

HOSTNAMES = ['app.example.com', 'api.example.com', 'www.example.com']
CERTIFICATES = '/zones/%s/origin_tls_client_auth/hostnames/certificates'
ASSOCIATIONS = '/zones/%s/origin_tls_client_auth/hostnames'
SETTING = '/zones/%s/settings/tls_client_auth'
KEY_LINE_LENGTH = 40


def role_vars(emulator, pki, cert='a', **overrides):
    values = {
        'per_hostname_aop_zone': 'example.com',
        'per_hostname_aop_base_url': emulator.base_url,
        'per_hostname_aop_api_token': emulator.api_token,
        'per_hostname_aop_certificate_file': str(pki / (cert + '.crt')),
        'per_hostname_aop_private_key_file': str(pki / (cert + '.key')),
        'per_hostname_aop_hostnames': HOSTNAMES,
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def role_play(variables, hosts='localhost', **play):
    return [
        dict(
            {'name': 'Per-hostname AOP', 'hosts': hosts, 'gather_facts': False, 'roles': [{'role': 'aop.cloudflare.per_hostname_aop', 'vars': variables}]},
            **play
        )
    ]


def client_path(emulator, template):
    return '/client/v4' + template % emulator.zone_ids['example.com']


def secrets_of(pki, emulator):
    """Strings that must never be printed: the token and lines of every private key."""
    lines = []
    for name in ('a', 'b'):
        key = (pki / (name + '.key')).read_text().splitlines()
        # Lines shorter than that (a block's last one) occur by chance in any base64 text: they prove nothing.
        lines += [line[:KEY_LINE_LENGTH] for line in key[1:-1] if len(line) >= KEY_LINE_LENGTH]
    return [emulator.api_token] + lines


def test_role_from_nothing_then_second_run_writes_nothing(emulator, pki, ansible):
    first = ansible(role_play(role_vars(emulator, pki)))
    assert first.rc == 0, first
    assert first.recap['localhost']['changed'] == 3, first
    assert sorted(emulator.writes()) == [
        ('PATCH', client_path(emulator, SETTING)),
        ('POST', client_path(emulator, CERTIFICATES)),
        ('PUT', client_path(emulator, ASSOCIATIONS)),
    ]
    zone = emulator.zone()
    assert [cert['status'] for cert in zone['certificates']] == ['active']
    cert_id = zone['certificates'][0]['id']
    assert zone['settings']['tls_client_auth']['value'] == 'on'
    assert sorted((a['hostname'], a['cert_id'], a['enabled'], a['status']) for a in zone['associations']) == sorted(
        (hostname, cert_id, True, 'active') for hostname in HOSTNAMES
    )
    assert 'changed app.example.com: enabled with certificate %s, status active' % cert_id in first.output
    assert 'certificate for app.example.com and 2 more: certificate %s, active' % cert_id in first.output

    emulator.clear_requests()
    second = ansible(role_play(role_vars(emulator, pki)))
    assert second.rc == 0, second
    assert second.recap['localhost']['changed'] == 0, second
    assert emulator.requests(), 'the second run read nothing?'
    assert emulator.writes() == []


def test_check_mode_on_fresh_zone_reports_changes_and_writes_nothing(emulator, pki, ansible):
    run = ansible(role_play(role_vars(emulator, pki)), '--check')
    assert run.rc == 0, run
    assert run.recap['localhost']['changed'] == 3, run
    assert emulator.writes() == []
    zone = emulator.zone()
    assert zone['certificates'] == [] and zone['associations'] == []
    assert zone['settings']['tls_client_auth']['value'] == 'off'
    assert 'changed app.example.com: enabled with certificate (known after upload)' in run.output, run


def test_diff_shows_fingerprints_never_pem_or_key(emulator, pki, ansible):
    run = ansible(role_play(role_vars(emulator, pki)), '--diff')
    assert run.rc == 0, run
    assert '"fingerprint_sha256": "' in run.output
    assert '"value": "on"' in run.output
    assert '"cert_id": "%s"' % emulator.zone()['certificates'][0]['id'] in run.output
    assert 'BEGIN' not in run.output
    for secret in secrets_of(pki, emulator):
        assert secret not in run.output


@pytest.mark.parametrize('form', ['roles', 'include_role', 'import_role'])
def test_role_in_a_playbook_for_other_hosts_runs_once_on_the_controller(emulator, pki, ansible, form):
    # Hosts that cannot be reached (TEST-NET-1, a Python that does not exist): any contact with them would fail.
    inventory = {
        'webservers': {
            'hosts': {'web%d' % number: {'ansible_host': '192.0.2.%d' % number} for number in (1, 2, 3)},
            'vars': {'ansible_connection': 'ssh', 'ansible_ssh_timeout': 2, 'ansible_python_interpreter': '/nonexistent/python'},
        }
    }
    variables = role_vars(emulator, pki)
    after = {'name': 'A task of the caller after the role', 'ansible.builtin.debug': {'msg': 'the play goes on for {{ inventory_hostname }}'}}
    if form == 'roles':
        play = role_play(variables, hosts='webservers', tasks=[after])
    else:
        task = {'name': 'Per-hostname AOP', 'ansible.builtin.' + form: {'name': 'aop.cloudflare.per_hostname_aop'}, 'vars': variables}
        play = [{'name': 'Web servers', 'hosts': 'webservers', 'gather_facts': False, 'tasks': [task, after]}]
    run = ansible(play, inventory=inventory)
    assert run.rc == 0, run
    assert set(run.recap) == {'web1', 'web2', 'web3'}, run
    assert all(counts['unreachable'] == 0 and counts['failed'] == 0 for counts in run.recap.values()), run
    assert sum(counts['changed'] for counts in run.recap.values()) == 3, run
    assert all('the play goes on for %s' % host in run.output for host in ('web1', 'web2', 'web3')), run
    assert 'zone example.com is configured by web1 (merged from 3 hosts)' in run.output, run
    assert sorted(method for method, path in emulator.writes()) == ['PATCH', 'POST', 'PUT']
    # One zone lookup for the whole run: by step 1, whose zone_id the later steps take.
    zone_lookups = [entry for entry in emulator.requests() if entry['path'] == '/client/v4/zones']
    assert len(zone_lookups) == 1


def test_rotation_uploads_new_moves_hostnames_in_one_put_deletes_old(emulator, pki, ansible):
    assert ansible(role_play(role_vars(emulator, pki, cert='a'))).rc == 0
    old_id = emulator.zone()['certificates'][0]['id']
    emulator.clear_requests()

    run = ansible(role_play(role_vars(emulator, pki, cert='b')))
    assert run.rc == 0, run
    writes = emulator.writes()
    assert [method for method, path in writes] == ['POST', 'PUT', 'DELETE'], writes
    assert writes[2][1].endswith('/' + old_id)
    zone = emulator.zone()
    new_ids = [cert['id'] for cert in zone['certificates']]
    assert len(new_ids) == 1 and new_ids[0] != old_id
    assert sorted((a['hostname'], a['cert_id']) for a in zone['associations']) == sorted((h, new_ids[0]) for h in HOSTNAMES)

    emulator.clear_requests()
    again = ansible(role_play(role_vars(emulator, pki, cert='b')))
    assert again.rc == 0 and again.recap['localhost']['changed'] == 0, again
    assert emulator.writes() == []


def test_rotation_keeps_old_certificate_that_other_hostnames_use(emulator, pki, ansible):
    assert ansible(role_play(role_vars(emulator, pki, cert='a'))).rc == 0
    old_id = emulator.zone()['certificates'][0]['id']
    # A hostname the role does not manage uses the same certificate.
    answer = emulator.api(
        'PUT', ASSOCIATIONS % emulator.zone_ids['example.com'], {'config': [{'hostname': 'legacy.example.com', 'cert_id': old_id, 'enabled': True}]}
    )
    assert answer['success'], answer

    emulator.clear_requests()
    run = ansible(role_play(role_vars(emulator, pki, cert='b')))
    assert run.rc == 0, run
    subject = x509.load_pem_x509_certificate((pki / 'a.crt').read_bytes()).subject.rfc4514_string()
    assert 'kept certificate %s (%s): still used by legacy.example.com' % (old_id, subject) in run.output, run
    assert [method for method, _path in emulator.writes() if method == 'DELETE'] == [], 'never a DELETE the associations say Cloudflare refuses'
    zone = emulator.zone()
    assert old_id in [cert['id'] for cert in zone['certificates']]
    assert {a['hostname']: a['cert_id'] for a in zone['associations']}['legacy.example.com'] == old_id


def test_removal_voids_hostnames_then_deletes_certificates(emulator, pki, ansible):
    assert ansible(role_play(role_vars(emulator, pki))).rc == 0
    emulator.clear_requests()

    absent = role_vars(emulator, pki, per_hostname_aop_state='absent', per_hostname_aop_private_key_file=None)
    run = ansible(role_play(absent))
    assert run.rc == 0, run
    assert run.recap['localhost']['changed'] == 2, run
    assert [method for method, path in emulator.writes()] == ['PUT', 'DELETE']
    zone = emulator.zone()
    assert zone['certificates'] == [] and zone['associations'] == []
    assert zone['settings']['tls_client_auth']['value'] == 'on'  # left alone unless told "disabled"

    emulator.clear_requests()
    again = ansible(role_play(absent))
    assert again.rc == 0 and again.recap['localhost']['changed'] == 0, again
    assert emulator.writes() == []


def test_several_certificate_sets_in_one_put_with_global_api_key(emulator, pki, ansible):
    variables = {
        'per_hostname_aop_zone_id': emulator.zone_ids['example.com'],
        'per_hostname_aop_base_url': emulator.base_url,
        'per_hostname_aop_api_key': emulator.info['api_key'],
        'per_hostname_aop_api_email': emulator.info['api_email'],
        'per_hostname_aop_tls_client_auth': 'unchanged',
        'per_hostname_aop_certificates': [
            {'certificate_file': str(pki / 'a.crt'), 'private_key_file': str(pki / 'a.key'), 'hostnames': ['app.example.com', 'API.example.com']},
            {'certificate': (pki / 'b.crt').read_text(), 'private_key': (pki / 'b.key').read_text(), 'hostnames': ['www.example.com']},
        ],
    }
    run = ansible(role_play(variables))
    assert run.rc == 0, run
    assert sorted(method for method, path in emulator.writes()) == ['POST', 'POST', 'PUT']
    zone = emulator.zone()
    assert zone['settings']['tls_client_auth']['value'] == 'off'
    ids = {cert['id']: cert['serial_number'] for cert in zone['certificates']}
    assert len(ids) == 2
    by_hostname = {a['hostname']: a['cert_id'] for a in zone['associations']}
    assert by_hostname['app.example.com'] == by_hostname['api.example.com'] != by_hostname['www.example.com']
    # The zone id was given: no zone lookup at all.
    assert not [entry for entry in emulator.requests() if entry['path'] == '/client/v4/zones']


def test_a_tight_rate_limit_is_paced_never_exceeded(emulator, pki, ansible):
    """Cloudflare blocks every call for 5 minutes once its budget is exceeded: the client must pause before that."""
    emulator.configure(rate_limit=30, rate_window=2)
    hostnames = ['host%02d.example.com' % index for index in range(40)]

    result = ansible(role_play(role_vars(emulator, pki, per_hostname_aop_hostnames=hostnames)))

    assert result.rc == 0, result
    statuses = [entry['status'] for entry in emulator.requests()]
    assert len(statuses) > 30, 'more calls than one window allows, so the run had to pace itself'
    assert 429 not in statuses


def test_per_hostname_aop_timeout_applies_to_the_calls_of_every_step(emulator, pki, ansible):
    """The first write of each step (the upload, the setting, the associations) is held past the role's timeout of
    1 s: each is given up on and sent again, the held one lands after, and the zone ends configured once."""
    for method in ('POST', 'PATCH', 'PUT'):
        emulator.fault(method=method, kind='slow', seconds=3, count=1)

    run = ansible(role_play(role_vars(emulator, pki, per_hostname_aop_timeout=1)))
    assert len(emulator.held_answered(3)) == 3, 'the three held writes have landed'

    assert run.rc == 0, run
    for method in ('POST', 'PATCH', 'PUT'):
        sent = sorted(str(entry['fault']) for entry in emulator.requests() if entry['method'] == method)
        assert sent == ['None', 'slow'], '%s: the held call, then the one sent after the timeout: %s' % (method, sent)
    zone = emulator.zone()
    [certificate] = zone['certificates']
    assert certificate['serial_number'] == str(x509.load_pem_x509_certificate((pki / 'a.crt').read_bytes()).serial_number)
    assert zone['settings']['tls_client_auth']['value'] == 'on'
    assert sorted((item['hostname'], item['cert_id'], item['enabled']) for item in zone['associations']) == sorted(
        (hostname, certificate['id'], True) for hostname in HOSTNAMES
    )


def test_wrong_token_fails_clearly(emulator, pki, ansible):
    run = ansible(role_play(role_vars(emulator, pki, per_hostname_aop_api_token='not-the-token')))
    assert run.rc != 0
    assert 'credentials were refused' in run.output, run
    assert 'HTTP 401' in run.output and 'cf-ray' in run.output, run
    assert emulator.writes() == []


def test_wrong_zone_fails_clearly(emulator, pki, ansible):
    run = ansible(role_play(role_vars(emulator, pki, per_hostname_aop_zone='no-such-zone.example')))
    assert run.rc != 0
    assert 'no-such-zone.example' in run.output, run
    assert emulator.writes() == []


def test_neither_key_nor_token_in_output_at_vvv(emulator, pki, ansible):
    # Key and token given as text, the hardest case; then a rotation, a failing call and a failing argument check.
    variables = role_vars(
        emulator,
        pki,
        per_hostname_aop_certificate_file=None,
        per_hostname_aop_private_key_file=None,
        per_hostname_aop_certificate=(pki / 'a.crt').read_text(),
        per_hostname_aop_private_key=(pki / 'a.key').read_text(),
    )
    run = ansible(role_play(variables), '-vvv', '--diff')
    assert run.rc == 0, run
    rotation = ansible(role_play(role_vars(emulator, pki, cert='b')), '-vvv', '--diff')
    assert rotation.rc == 0, rotation
    failing = ansible(role_play(dict(variables, per_hostname_aop_zone='no-such-zone.example')), '-vvv')
    assert failing.rc != 0
    invalid = ansible(role_play(dict(variables, per_hostname_aop_tls_client_auth=True)), '-vvv')
    assert invalid.rc != 0
    for output in (run.output, rotation.output, failing.output, invalid.output):
        assert 'PRIVATE KEY' not in output
        for secret in secrets_of(pki, emulator):
            assert secret not in output


@pytest.mark.parametrize(
    'overrides, message',
    [
        ({'per_hostname_aop_certificate_file': None}, 'neither per_hostname_aop_certificate (PEM text) nor per_hostname_aop_certificate_file'),
        ({'per_hostname_aop_private_key_file': '/nonexistent/client.key'}, 'per_hostname_aop_private_key_file: /nonexistent/client.key not found'),
        ({'per_hostname_aop_hostnames': []}, 'per_hostname_aop_hostnames is empty'),
        ({'per_hostname_aop_zone': None}, 'set exactly one of per_hostname_aop_zone'),
        (
            {'per_hostname_aop_certificates': [{'certificate_file': '/x.crt', 'hostnames': ['a.example.com']}]},
            'per_hostname_aop_certificates is set, and so is',
        ),
        ({'per_hostname_aop_tls_client_auth': True}, 'per_hostname_aop_tls_client_auth'),
        ({'per_hostname_aop_timeout': 0}, 'per_hostname_aop_timeout must be a whole number, 1 or more (seconds to wait for each answer of the API); it is 0'),
    ],
    ids=['no-certificate', 'missing-key-file', 'no-hostnames', 'no-zone', 'both-forms', 'boolean-setting', 'zero-timeout'],
)
def test_invalid_input_is_refused_before_any_call(emulator, pki, ansible, overrides, message):
    run = ansible(role_play(role_vars(emulator, pki, **overrides)))
    assert run.rc != 0
    assert message in run.output, run
    assert emulator.requests() == []


def test_min_days_valid_refuses_a_certificate_too_close_to_its_end_before_any_write(emulator, pki, ansible):
    # The demo certificate is valid for a year.
    expires_on = x509.load_pem_x509_certificate((pki / 'a.crt').read_bytes()).not_valid_after_utc
    run = ansible(role_play(role_vars(emulator, pki, per_hostname_aop_min_days_valid=400)))
    assert run.rc != 0
    assert 'per_hostname_aop_certificate_file expires on %s' % expires_on.strftime('%Y-%m-%dT%H:%M:%SZ') in run.output, run
    assert 'fewer than per_hostname_aop_min_days_valid (400)' in run.output, run
    assert emulator.writes() == []


def test_a_server_auth_only_certificate_is_refused_before_any_call(emulator, pki, ansible, tmp_path):
    """Cloudflare takes it, but an origin refuses it on every pull (OpenSSL: unsuitable certificate purpose)."""
    CertificateAuthority(Pair.read(pki, 'ca')).issue('server-only', extensions=[SERVER_AUTH]).write(tmp_path, 'server-only')

    run = ansible(
        role_play(
            role_vars(
                emulator,
                pki,
                per_hostname_aop_certificate_file=str(tmp_path / 'server-only.crt'),
                per_hostname_aop_private_key_file=str(tmp_path / 'server-only.key'),
            )
        )
    )
    assert run.rc != 0
    assert 'per_hostname_aop_certificate_file has an extendedKeyUsage without clientAuth (serverAuth)' in run.output, run
    assert emulator.requests() == []


def test_a_rotation_interrupted_before_the_deletion_is_finished_by_the_next_run(emulator, pki, ansible, tmp_path):
    """The next run deletes the older generation (same subject and issuer, earlier expiry) that the move released."""
    assert ansible(role_play(role_vars(emulator, pki, cert='a'))).rc == 0
    old_id = emulator.zone()['certificates'][0]['id']
    renewed = tmp_path / 'renewed'  # the same client, issued again by a CA of the same name, valid longer
    subprocess.run([sys.executable, str(MAKE_PKI), str(renewed), '--client', 'a', '--days', '400'], check=True, capture_output=True)
    emulator.fault(method='DELETE', path=r'/hostnames/certificates/', kind='502', count=6)

    interrupted = ansible(role_play(role_vars(emulator, renewed, cert='a')))
    assert interrupted.rc != 0 and 'HTTP 502' in interrupted.output, interrupted
    zone = emulator.zone()
    new_id = [cert['id'] for cert in zone['certificates'] if cert['id'] != old_id][0]
    assert {a['cert_id'] for a in zone['associations']} == {new_id}, 'the move happened, the deletion did not'

    emulator.control('/faults', 'DELETE')
    emulator.clear_requests()
    finished = ansible(role_play(role_vars(emulator, renewed, cert='a')))
    assert finished.rc == 0 and finished.recap['localhost']['changed'] == 1, finished
    assert emulator.writes() == [('DELETE', client_path(emulator, CERTIFICATES) + '/' + old_id)]
    assert [cert['id'] for cert in emulator.zone()['certificates']] == [new_id]


def test_a_certificate_of_another_subject_is_never_deleted_as_a_leftover(emulator, pki, ansible):
    unrelated = emulator.api(
        'POST', CERTIFICATES % emulator.zone_ids['example.com'], {'certificate': (pki / 'c.crt').read_text(), 'private_key': (pki / 'c.key').read_text()}
    )
    assert unrelated['success'], unrelated

    run = ansible(role_play(role_vars(emulator, pki, cert='a')))

    assert run.rc == 0, run
    assert unrelated['result']['id'] in [cert['id'] for cert in emulator.zone()['certificates']]
    assert [method for method, path in emulator.writes() if method == 'DELETE'] == []
