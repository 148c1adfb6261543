# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The modules under the emulator's injected faults: what Cloudflare's edge does on a bad day, end to end."""

CERTIFICATES = r'/client/v4/zones/[0-9a-f]+/origin_tls_client_auth/hostnames/certificates'
ASSOCIATIONS = r'/client/v4/zones/[0-9a-f]+/origin_tls_client_auth/hostnames'
HELD_SECONDS = 3  # a slow fault's hold, longer than the client's timeout of 1 s


def play(emulator, tasks):
    return [
        {
            'name': 'Modules under faults',
            'hosts': 'localhost',
            'gather_facts': False,
            'module_defaults': {'group/aop.cloudflare.all': {'base_url': emulator.base_url, 'api_token': emulator.api_token, 'zone': 'example.com'}},
            'tasks': tasks,
        }
    ]


def upload(pki, name='a'):
    return {
        'name': 'Upload',
        'register': 'uploaded',
        'aop.cloudflare.hostname_client_cert': {'certificate': (pki / (name + '.crt')).read_text(), 'private_key': (pki / (name + '.key')).read_text()},
    }


def calls(emulator, method):
    return [entry['status'] for entry in emulator.requests() if entry['method'] == method]


def test_an_upload_whose_answer_is_lost_is_adopted_not_sent_twice(emulator, pki, ansible):
    emulator.fault(method='POST', path=CERTIFICATES + '$', kind='drop_after_commit', count=1)

    result = ansible(play(emulator, [upload(pki)]))

    assert result.rc == 0, result
    assert result.recap['localhost']['changed'] == 1, result
    assert len(calls(emulator, 'POST')) == 1, 'the upload is never sent again: the list is read instead'
    assert len(emulator.zone()['certificates']) == 1


def test_an_upload_answered_502_that_did_not_land_is_sent_again_once_the_list_shows_it_absent(emulator, pki, ansible):
    emulator.fault(method='POST', path=CERTIFICATES + '$', kind='502', count=1)

    result = ansible(play(emulator, [upload(pki)]))

    assert result.rc == 0, result
    assert calls(emulator, 'POST') == [502, 200], 'sent again only after the list showed it was not stored'
    assert len(emulator.zone()['certificates']) == 1


def test_an_upload_that_keeps_failing_fails_clearly_with_cf_ray(emulator, pki, ansible):
    emulator.fault(method='POST', path=CERTIFICATES + '$', kind='502', count=5)

    result = ansible(play(emulator, [upload(pki)]))

    assert result.rc != 0, result
    assert 'HTTP 502' in result.output and 'cf-ray' in result.output, result
    assert calls(emulator, 'POST') == [502, 502, 502], 'a bounded number of sends'
    assert emulator.zone()['certificates'] == []


def test_a_put_that_meets_503_then_a_lost_answer_is_retried_and_converges(emulator, pki, ansible):
    emulator.fault(method='PUT', path=ASSOCIATIONS + '$', kind='503', count=1, retry_after=1)
    emulator.fault(method='PUT', path=ASSOCIATIONS + '$', kind='drop_after_commit', count=1)
    enable = {
        'name': 'Enable',
        'aop.cloudflare.hostname_aop': {'hostnames': ['app.example.com', 'api.example.com'], 'cert_id': '{{ uploaded.certificate.id }}'},
    }

    first = ansible(play(emulator, [upload(pki), enable]))
    emulator.clear_requests()
    second = ansible(play(emulator, [upload(pki), enable]))

    assert first.rc == 0, first
    assert second.rc == 0 and second.recap['localhost']['changed'] == 0, second
    assert calls(emulator, 'PUT') == [], 'converged: the second run writes nothing'
    enabled = sorted(item['hostname'] for item in emulator.zone()['associations'] if item['enabled'] is True)
    assert enabled == ['api.example.com', 'app.example.com']


def test_reads_rate_limited_with_retry_after_are_retried(emulator, pki, ansible):
    emulator.fault(method='GET', path=CERTIFICATES + '$', kind='429', count=2, retry_after=1)

    result = ansible(play(emulator, [upload(pki)]))

    assert result.rc == 0, result
    assert calls(emulator, 'GET').count(429) == 2


def test_writes_held_past_the_client_timeout_are_retried_land_once_and_the_next_run_writes_nothing(emulator, pki, ansible):
    """Cloudflare slower than the client's timeout: each write is retried (the upload only after the list shows it
    absent) while the held one lands after the retry. Nothing is stored twice, and the state is what was declared."""
    for method in ('POST', 'PATCH', 'PUT'):
        emulator.fault(method=method, kind='slow', seconds=HELD_SECONDS, count=1)
    tasks = [
        upload(pki),
        {'name': 'Zone setting', 'aop.cloudflare.zone_tls_client_auth': {'enabled': True}},
        {'name': 'Enable', 'aop.cloudflare.hostname_aop': {'hostnames': ['app.example.com'], 'cert_id': '{{ uploaded.certificate.id }}'}},
    ]
    impatient = play(emulator, tasks)
    impatient[0]['module_defaults']['group/aop.cloudflare.all']['timeout'] = 1

    first = ansible(impatient)
    held = [(entry['method'], entry['status']) for entry in emulator.held_answered(3)]
    uploads = calls(emulator, 'POST')
    emulator.clear_requests()
    second = ansible(impatient)

    assert first.rc == 0, first
    # The held upload lands after the retry stored the certificate, so Cloudflare refuses it as a duplicate (1406).
    assert sorted(held) == [('PATCH', 200), ('POST', 400), ('PUT', 200)], held
    assert sorted(uploads, key=str) == [200, 400], 'one retry, sent after the list showed the certificate absent'
    zone = emulator.zone()
    assert len(zone['certificates']) == 1, 'the held upload met the retry: no second copy'
    assert [(item['hostname'], item['cert_id'], item['enabled']) for item in zone['associations']] == [('app.example.com', zone['certificates'][0]['id'], True)]
    assert zone['settings']['tls_client_auth']['value'] == 'on'
    assert second.rc == 0 and second.recap['localhost']['changed'] == 0, second
    assert emulator.writes() == [], 'converged: the next run writes nothing'
