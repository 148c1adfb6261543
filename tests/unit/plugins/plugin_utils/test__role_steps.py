# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the role's steps send, which certificates go or stay and why, and the closing report (_role_steps.py)."""

import pytest

from ansible_collections.aop.cloudflare.plugins.module_utils._rules import UNKNOWN_CERT_ID
from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_plan import plan_host
from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_steps import association_config, cleanup, summary, uploads
from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_zone import assign
from ansible_collections.aop.cloudflare.tests.unit.plugins.plugin_utils.conftest import single, variables

DECLARED = 'a' * 32


def zone_of(files, **hosts):
    plans = {host: plan_host(host, variables(**given) if 'certificates' in given else single(**given), files, {}) for host, given in hosts.items()}
    return assign(next(iter(plans)), plans).zone


def other(zone, cert_id, not_after='2020-01-01T00:00:00Z', status='active', **fields):
    """A certificate of the zone the run does not declare, as step 1 returns it, from the declared one's PEM by default."""
    declared = zone.certificates[0]
    item = {
        'id': cert_id,
        'status': status,
        'subject': declared.subject,
        'issuer_dn': declared.issuer,
        'not_after': not_after,
        'expires_on': not_after,
        'fingerprint_sha256': 'f' * 95,
    }
    item.update(fields)
    return item


def steps(others, in_use=None, released=(), complete=True):
    certificates = {'certificates': [{'id': DECLARED, 'status': 'active'}], 'other_certificates': others}
    associations = {'released_cert_ids': list(released), 'certificates_in_use': in_use or {}, 'associations_complete': complete, 'hostnames': []}
    return certificates, associations


def test_uploads_pair_each_certificate_with_its_key_read_where_the_plan_says(files, pki):
    zone = zone_of(files, web1={}, web2={'certificates': [{'certificate_file': 'ec.crt', 'private_key_file': 'ec.key', 'hostnames': ['api.example.com']}]})
    read = []

    def read_key(source):
        read.append(source.file)
        return 'KEY OF %s' % str(source.file).rsplit('/', 1)[-1]

    result = uploads(zone, read_key)

    assert result == [
        {'certificate': pki.rsa_leaf.cert_pem, 'private_key': 'KEY OF rsa.key'},
        {'certificate': pki.ec_leaf.cert_pem, 'private_key': 'KEY OF ec.key'},
    ]
    assert [path.rsplit('/', 1)[-1] for path in read] == ['rsa.key', 'ec.key']


def test_config_gives_each_hostname_its_certificate_id_then_voids_those_declared_absent(files):
    zone = zone_of(
        files,
        web1={'hostnames': ['app.example.com', 'www.example.com']},
        web2={'certificates': [{'certificate_file': 'ec.crt', 'private_key_file': 'ec.key', 'hostnames': ['api.example.com']}]},
        web3={'hostnames': ['shop.example.com'], 'state': 'absent'},
    )

    assert association_config(zone, [{'id': DECLARED}, {'id': UNKNOWN_CERT_ID}]) == [
        {'hostnames': ['app.example.com', 'www.example.com'], 'cert_id': DECLARED, 'state': 'enabled'},
        {'hostnames': ['api.example.com'], 'cert_id': UNKNOWN_CERT_ID, 'state': 'enabled'},
        {'hostnames': ['shop.example.com'], 'state': 'absent'},
    ]
    assert association_config(zone_of(files, web1={}), [{'id': DECLARED}])[-1]['state'] == 'enabled', 'no empty item to void'


def test_older_generations_and_released_certificates_go_once_nothing_uses_them(files):
    zone = zone_of(files, web1={})
    others = [
        other(zone, 'older'),
        other(zone, 'newer', not_after='2999-01-01T00:00:00Z'),
        other(zone, 'going', status='pending_deletion'),
        other(zone, 'other-issuer', issuer_dn='CN=Someone else'),
        other(zone, 'other-subject', subject='CN=x'),
        other(zone, 'released', subject='CN=released'),
        other(zone, 'older-but-used'),
    ]

    result = cleanup(zone, *steps(others, in_use={'older-but-used': ['web2.example.com']}, released=['released', DECLARED]))

    assert result['delete'] == [{'id': 'older'}, {'id': 'released'}]
    assert result['deleted'] == [
        'deleted certificate older (%s): an older generation of a declared certificate' % zone.certificates[0].subject,
        'deleted certificate released (CN=released): its hostnames moved to another certificate',
    ]
    assert result['kept'] == ['kept certificate older-but-used (%s): still used by web2.example.com' % zone.certificates[0].subject]
    assert result['leftovers'] == [
        'leftover certificate newer (%s, expires 2999-01-01T00:00:00Z): no association uses it and no host declares it; delete it with '
        'per_hostname_aop_exclusive: true, or aop.cloudflare.hostname_client_cert (state=absent, id=newer)' % zone.certificates[0].subject,
        'leftover certificate other-issuer (%s, expires 2020-01-01T00:00:00Z): no association uses it and no host declares it; delete it with '
        'per_hostname_aop_exclusive: true, or aop.cloudflare.hostname_client_cert (state=absent, id=other-issuer)' % zone.certificates[0].subject,
        'leftover certificate other-subject (CN=x, expires 2020-01-01T00:00:00Z): no association uses it and no host declares it; delete it with '
        'per_hostname_aop_exclusive: true, or aop.cloudflare.hostname_client_cert (state=absent, id=other-subject)',
    ]


def test_a_certificate_shown_without_its_pem_is_never_deleted_by_inference(files):
    """Cloudflare's issuer is a display string: without the PEM nothing says which generation a certificate is."""
    zone = zone_of(files, web1={})
    without_pem = other(zone, 'no-pem', subject=None, issuer_dn=None, not_after=None, issuer='GlobalSign', expires_on='2020-01-01T00:00:00Z')

    result = cleanup(zone, *steps([without_pem]))

    assert result['delete'] == []
    assert result['leftovers'][0].startswith('leftover certificate no-pem (no PEM, expires 2020-01-01T00:00:00Z)')


def test_without_the_whole_zone_in_view_no_leftover_is_claimed_and_cloudflare_has_the_last_word(files):
    zone = zone_of(files, web1={})

    result = cleanup(zone, *steps([other(zone, 'older'), other(zone, 'unknown', subject='CN=x')], complete=False))

    assert result['delete'] == [{'id': 'older'}], 'the module keeps it if Cloudflare refuses (1433)'
    assert result['leftovers'] == []


def test_released_certificates_stay_when_asked(files):
    zone = zone_of(files, web1={'delete_released_certificates': False})

    result = cleanup(zone, *steps([other(zone, 'older'), other(zone, 'released', subject='CN=r')], released=['released']))

    assert result['delete'] == []


def test_a_certificate_declared_absent_goes_unless_another_host_declares_it(files):
    retired = zone_of(files, web1={}, web3={'certificates': [{'certificate_file': 'ec.crt', 'hostnames': ['shop.example.com']}], 'state': 'absent'})
    fingerprint = retired.retired[0].fingerprint
    shared = zone_of(files, web1={}, web3={'hostnames': ['shop.example.com'], 'state': 'absent'})

    gone = cleanup(retired, *steps([other(retired, 'ec-id', subject='CN=ec', fingerprint_sha256=fingerprint)]))
    kept = cleanup(shared, *steps([]))

    assert gone['delete'] == [{'id': 'ec-id'}] and gone['deleted'] == ['deleted certificate ec-id (CN=ec): declared absent']
    assert kept['delete'] == []
    assert kept['kept'] == ['kept certificate %s: declared absent by web3, and present by web1' % shared.certificates[0].subject]


def test_exclusive_deletes_every_undeclared_certificate_nothing_uses(files):
    zone = zone_of(files, web1={'exclusive': True})

    result = cleanup(zone, *steps([other(zone, 'unrelated', subject='CN=x'), other(zone, 'used', subject='CN=y')], in_use={'used': ['legacy.example.com']}))

    assert result['delete'] == [{'id': 'unrelated'}]
    assert result['deleted'] == ['deleted certificate unrelated (CN=x): not declared (per_hostname_aop_exclusive)']
    assert result['kept'] == ['kept certificate used (CN=y): still used by legacy.example.com']


@pytest.mark.parametrize('full', [False, True])
def test_summary_names_each_certificate_what_changed_and_what_was_voided(files, full):
    zone = zone_of(files, web1={'hostnames': ['app.example.com', 'www.example.com']}, web3={'hostnames': ['shop.example.com'], 'state': 'absent'})
    certificates = {'certificates': [{'id': DECLARED, 'status': 'active'}]}
    associations = {
        'changed_hostnames': ['www.example.com', 'shop.example.com'],
        'hostnames': [
            {'hostname': 'app.example.com', 'state': 'enabled', 'cert_id': DECLARED, 'status': 'active'},
            {'hostname': 'www.example.com', 'state': 'enabled', 'cert_id': DECLARED, 'status': 'active'},
            {'hostname': 'shop.example.com', 'state': 'absent', 'cert_id': None, 'status': None},
        ],
    }
    tidy = {'deleted': [], 'kept': ['kept certificate X: declared absent by web3, and present by web1'], 'leftovers': []}

    lines = summary(zone, certificates, associations, tidy, full=full)

    expected = [
        'certificate for app.example.com and 1 more: certificate %s, active, expires %s, 2 hostname(s) enabled' % (DECLARED, zone.certificates[0].not_after),
        '1 hostname(s) voided: shop.example.com',
        'changed www.example.com: enabled with certificate %s, status active' % DECLARED,
        'changed shop.example.com: absent',
        'kept certificate X: declared absent by web3, and present by web1',
    ]
    if full:
        expected.insert(2, 'unchanged app.example.com: enabled with certificate %s, status active' % DECLARED)
    assert lines == expected
    assert 'None' not in ' '.join(lines)


def test_summary_of_a_run_that_changed_nothing_says_so(files):
    zone = zone_of(files, web1={})
    lines = summary(zone, {'certificates': [{'id': DECLARED, 'status': 'active'}]}, {'changed_hostnames': [], 'hostnames': []}, {})
    assert lines[-1] == 'no hostname changed'
