# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role's rules: every problem named by its variable, plans without secrets, one host per zone, conflicts."""

import datetime
import json
import os

import pytest
from cryptography.hazmat.primitives import serialization

from ansible_collections.aop.cloudflare.plugins.module_utils._rules import UNKNOWN_CERT_ID
from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_plan import (
    PlanError,
    assign_zone,
    association_config,
    certificates_to_delete,
    plan_zone,
    summary,
)
from ansible_collections.aop.cloudflare.tests.pki import key_fragments

TOKEN = 'role-unit-token-0123456789abcdef'


@pytest.fixture
def files(tmp_path, pki):
    """The test PKI as files, and a find_file that looks only in tmp_path (relative) or at the path (absolute)."""
    for name, pair in [('rsa', pki.rsa_leaf), ('ec', pki.ec_leaf), ('ca', pki.rsa_ca)] + sorted(pki.leaves.items()):
        (tmp_path / (name + '.crt')).write_text(pair.cert_pem)
        (tmp_path / (name + '.key')).write_text(pair.key_pem)

    def find_file(path):
        candidate = path if os.path.isabs(path) else str(tmp_path / path)
        return (candidate if os.path.isfile(candidate) else None), [str(tmp_path)]

    return find_file


def variables(**given):
    """The role's variables as the role passes them (unprefixed names here, for brevity), with its defaults."""
    values = {
        'state': 'present',
        'zone': 'example.com',
        'api_token': TOKEN,
        'tls_client_auth': 'enabled',
        'delete_released_certificates': True,
        'hostnames': [],
        'certificates': [],
    }
    values.update(given)
    return {'per_hostname_aop_' + name: value for name, value in values.items()}


def single(**given):
    values = {'certificate_file': 'rsa.crt', 'private_key_file': 'rsa.key', 'hostnames': ['app.example.com']}
    values.update(given)
    return variables(**values)


def problems_of(find_file, environ=None, **given):
    with pytest.raises(PlanError) as error:
        plan_zone(variables(**given), find_file, environ or {})
    return error.value.problems


# --- plans ----------------------------------------------------------------------------------------------------------


def test_a_single_set_is_planned_without_any_secret(files, pki, tmp_path):
    plan = plan_zone(single(hostnames=['App.Example.com.', ' api.example.com']), files, {})

    assert plan['zone'] == 'example.com' and plan['zone_key'] == 'example.com' and plan['zone_id'] is None
    assert plan['hostnames'] == ['app.example.com', 'api.example.com'], 'normalized as hostname_aop normalizes them'
    assert plan['sets'] == [
        {
            'index': 0,
            'label': 'certificate for app.example.com and 1 more',
            'fingerprint_sha256': ':'.join(pki.rsa_leaf.fingerprint_sha256[i : i + 2] for i in range(0, 64, 2)),
            'subject': pki.rsa_leaf.cert.subject.rfc4514_string(),
            'issuer': pki.rsa_leaf.issuer,
            'expires_on': pki.rsa_leaf.expires_on,
            'private_key_file': str(tmp_path / 'rsa.key'),
            'hostnames': ['app.example.com', 'api.example.com'],
        }
    ]
    assert plan['certificates'] == [{'certificate': pki.rsa_leaf.cert_pem}]
    shown = json.dumps(plan)
    assert TOKEN not in shown
    assert not [fragment for fragment in key_fragments(pki.rsa_leaf.key_pem) if fragment in shown]


def test_sets_keep_their_order_and_inline_text_is_accepted(files, pki):
    plan = plan_zone(
        variables(
            certificates=[
                {'certificate_file': 'ec.crt', 'private_key': pki.ec_leaf.key_pem, 'hostnames': ['api.example.com']},
                {'certificate': pki.rsa_leaf.cert_pem, 'private_key_file': 'rsa.key', 'hostnames': ['app.example.com']},
            ]
        ),
        files,
        {},
    )

    assert [item['hostnames'] for item in plan['sets']] == [['api.example.com'], ['app.example.com']]
    assert plan['sets'][0]['private_key_file'] is None, 'an inline key is not in the plan, and has no file'
    assert plan['certificates'][1] == {'certificate': pki.rsa_leaf.cert_pem}


def test_zone_by_id_is_its_key(files):
    plan = plan_zone(single(zone=None, zone_id='023E105F4ECEF8AD9CA31A8372D0C353'), files, {})
    assert plan['zone'] is None and plan['zone_key'] == '023e105f4ecef8ad9ca31a8372d0c353'


def test_absent_needs_no_private_key(files):
    plan = plan_zone(variables(state='absent', certificate_file='rsa.crt', hostnames=['app.example.com']), files, {})
    assert plan['state'] == 'absent' and plan['sets'][0]['private_key_file'] is None


NO_CREDENTIALS = (
    'no Cloudflare credentials: set per_hostname_aop_api_token (keep it in Ansible Vault), or per_hostname_aop_api_key with '
    'per_hostname_aop_api_email, or CLOUDFLARE_API_TOKEN on the controller'
)
NO_EMAIL = 'per_hostname_aop_api_key needs per_hostname_aop_api_email (the e-mail address of the account that owns the key)'


@pytest.mark.parametrize(
    'given, environ, problem_without_it',
    [
        ({}, {'CLOUDFLARE_API_TOKEN': 'x'}, NO_CREDENTIALS),
        ({}, {'CLOUDFLARE_API_KEY': 'k', 'CLOUDFLARE_EMAIL': 'e@example.com'}, NO_CREDENTIALS),
        ({'api_key': 'k'}, {'CLOUDFLARE_EMAIL': 'e@example.com'}, NO_EMAIL),
    ],
)
def test_credentials_may_come_from_the_environment(files, given, environ, problem_without_it):
    with pytest.raises(PlanError) as without:
        plan_zone(single(api_token=None, **given), files, {})

    assert plan_zone(single(api_token=None, **given), files, environ) == plan_zone(single(), files, {}), 'the plan keeps no credential'
    assert without.value.problems == [problem_without_it]


# --- every problem, named by its variable ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    'given, expected',
    [
        ({'zone': None}, ['set exactly one of per_hostname_aop_zone (the zone name, e.g. example.com) and per_hostname_aop_zone_id']),
        (
            {'zone_id': '023e105f4ecef8ad9ca31a8372d0c353'},
            ['set exactly one of per_hostname_aop_zone (the zone name, e.g. example.com) and per_hostname_aop_zone_id'],
        ),
        (
            {'zone': None, 'zone_id': 'zone/../x'},
            [
                "per_hostname_aop_zone_id: 'zone/../x' is not a zone id (32 hexadecimal characters, shown on the zone's overview page); or give "
                'the name in per_hostname_aop_zone'
            ],
        ),
        (
            {'zone': 'example com'},
            [
                "per_hostname_aop_zone: 'example com' is not a zone name (e.g. example.com)",
                'per_hostname_aop_hostnames: app.example.com is not in the zone example com',
            ],
        ),
        ({'api_token': None}, [NO_CREDENTIALS]),
        ({'api_token': None, 'api_key': 'k'}, [NO_EMAIL]),
        (
            {'base_url': 'api.cloudflare.com/client/v4'},
            ["per_hostname_aop_base_url: 'api.cloudflare.com/client/v4' is not an http(s) URL (e.g. https://api.cloudflare.com/client/v4)"],
        ),
        (
            {'base_url': 'http://api.example.net/client/v4'},
            [
                'per_hostname_aop_base_url: http://api.example.net/client/v4 is plain HTTP to another machine, which would send the API '
                'credentials unencrypted: use https://, or set per_hostname_aop_allow_plain_http: true for a network you trust'
            ],
        ),
        (
            {'certificate_file': None},
            ['neither per_hostname_aop_certificate (PEM text) nor per_hostname_aop_certificate_file (a path on the controller) is given'],
        ),
        (
            {'private_key_file': None},
            ['neither per_hostname_aop_private_key (PEM text) nor per_hostname_aop_private_key_file (a path on the controller) is given'],
        ),
        ({'certificate': 'x'}, ['give per_hostname_aop_certificate or per_hostname_aop_certificate_file, not both']),
        (
            {'certificate_file': 'missing.crt'},
            [
                'per_hostname_aop_certificate_file: missing.crt not found on the controller (looked in {tmp_path}); give an absolute path, or one '
                'relative to the playbook or to the working directory'
            ],
        ),
        (
            {'certificate_file': 'rsa.key'},
            [
                'per_hostname_aop_certificate_file is not a PEM certificate (Valid PEM but no BEGIN CERTIFICATE/END CERTIFICATE delimiters. Are '
                'you sure this is a certificate?): give the "-----BEGIN CERTIFICATE-----" block of the client certificate'
            ],
        ),
        (
            {'private_key_file': 'rsa.crt'},
            [
                'per_hostname_aop_private_key_file is not an unencrypted PEM private key: give the whole PEM block of the key (PKCS#8, RSA or EC) '
                'that belongs to the certificate, without a passphrase'
            ],
        ),
        (
            {'private_key_file': 'ec.key'},
            [
                'per_hostname_aop_private_key_file does not belong to per_hostname_aop_certificate_file (their public keys differ): give the key '
                'that was used to request this certificate'
            ],
        ),
        (
            {'certificate_file': 'ca.crt', 'private_key_file': 'ca.key'},
            [
                'per_hostname_aop_certificate_file is a CA certificate (basicConstraints CA:TRUE); Cloudflare needs the leaf client certificate '
                'that your CA issued, not the CA itself'
            ],
        ),
        ({'hostnames': []}, ['per_hostname_aop_hostnames is empty: name at least one hostname of the zone']),
        ({'hostnames': 'app.example.com'}, ['per_hostname_aop_hostnames must be a list of hostnames']),
        ({'hostnames': ['app/..']}, ["per_hostname_aop_hostnames[0]: 'app/..' is not a valid hostname (e.g. app.example.com)"]),
        ({'hostnames': ['app.example.net']}, ['per_hostname_aop_hostnames: app.example.net is not in the zone example.com']),
        (
            {'hostnames': ['h%d.example.com' % n for n in range(101)]},
            ['per_hostname_aop_hostnames has 101 entries; Cloudflare allows 100 per certificate: spread them over more certificates'],
        ),
    ],
)
def test_a_single_set_mistake_names_its_variable(files, tmp_path, given, expected):
    values = {'certificate_file': 'rsa.crt', 'private_key_file': 'rsa.key', 'hostnames': ['app.example.com']}
    values.update(given)
    assert problems_of(files, **values) == [problem.format(tmp_path=tmp_path) for problem in expected]


def test_list_mistakes_name_the_set_and_all_are_reported_at_once(files):
    problems = problems_of(
        files,
        certificates=[
            {'certificate_file': 'rsa.crt', 'private_key_file': 'rsa.key', 'hostnames': ['app.example.com']},
            {'certificate_file': 'rsa.crt', 'private_key_file': 'rsa.key', 'hostnames': ['APP.example.com']},
            'not a dict',
        ],
    )

    assert problems == [
        'per_hostname_aop_certificates[2] must be a dictionary with certificate or certificate_file, private_key or private_key_file, and hostnames',
        'per_hostname_aop_certificates[1].hostnames: app.example.com is already in per_hostname_aop_certificates[0].hostnames; '
        'a hostname uses one certificate',
        'per_hostname_aop_certificates[1].certificate is the same certificate as per_hostname_aop_certificates[0].certificate: '
        'give each certificate once, with all its hostnames',
    ]


def test_both_forms_at_once_and_too_many_sets(files):
    problems = problems_of(files, hostnames=['app.example.com'], certificates=[{'certificate_file': 'rsa.crt', 'hostnames': ['a.example.com']}])
    assert problems == ['per_hostname_aop_certificates is set, and so is per_hostname_aop_hostnames: use one form, not both']

    eleven = [{'certificate_file': 'rsa.crt', 'private_key_file': 'rsa.key', 'hostnames': ['h%d.example.com' % n]} for n in range(11)]
    assert 'per_hostname_aop_certificates has 11 sets' in problems_of(files, certificates=eleven)[0]


def test_a_missing_file_says_where_it_was_looked_for(files, tmp_path):
    problems = problems_of(files, certificate_file='pki/app.crt', private_key_file='rsa.key', hostnames=['app.example.com'])
    assert problems == [
        'per_hostname_aop_certificate_file: pki/app.crt not found on the controller (looked in %s); give an '
        'absolute path, or one relative to the playbook or to the working directory' % tmp_path
    ]


# --- certificates an origin accepts, and min_days_valid -----------------------------------------------------------


@pytest.mark.parametrize(
    'leaf, start',
    [
        ('server_auth_only', 'per_hostname_aop_certificate_file has an extendedKeyUsage without clientAuth (serverAuth)'),
        ('encipherment_key_usage', 'per_hostname_aop_certificate_file has a keyUsage without digitalSignature (keyEncipherment)'),
        ('not_yet_valid', 'per_hostname_aop_certificate_file is not valid before '),
        ('rsa_1024', 'per_hostname_aop_certificate_file has a 1024-bit RSA key'),
        ('secp224r1', 'per_hostname_aop_certificate_file has an EC key on secp224r1'),
        ('sha1_signed', 'per_hostname_aop_certificate_file is signed with SHA-1 (SHA1WithRSA)'),
    ],
)
def test_what_an_origin_refuses_is_refused_naming_the_role_variable(files, leaf, start):
    problems = problems_of(files, certificate_file=leaf + '.crt', private_key_file=leaf + '.key', hostnames=['app.example.com'])

    assert len(problems) == 1 and problems[0].startswith(start), problems


def test_sets_in_a_list_are_named_by_place_and_by_the_variable_given(files, pki):
    pair = pki.leaves['server_auth_only']
    problems = problems_of(
        files,
        certificates=[
            {'certificate_file': 'rsa.crt', 'private_key_file': 'rsa.key', 'hostnames': ['app.example.com']},
            {'certificate_file': 'rsa_1024.crt', 'private_key_file': 'rsa_1024.key', 'hostnames': ['api.example.com']},
            {'certificate': pair.cert_pem, 'private_key': pair.key_pem, 'hostnames': ['www.example.com']},
        ],
    )

    assert [problem.split(' ')[0] for problem in problems] == [
        'per_hostname_aop_certificates[1].certificate_file',
        'per_hostname_aop_certificates[2].certificate',
    ]


def test_absent_applies_no_certificate_rule(files):
    plan = plan_zone(variables(state='absent', certificate_file='server_auth_only.crt', hostnames=['app.example.com'], min_days_valid=1000), files, {})
    assert plan['state'] == 'absent'


@pytest.mark.parametrize('key_format', ['PKCS8', 'TraditionalOpenSSL'])
def test_an_encrypted_key_file_is_refused_with_the_fix(files, pki, tmp_path, key_format):
    encrypted = pki.rsa_leaf.key.private_bytes(
        serialization.Encoding.PEM, getattr(serialization.PrivateFormat, key_format), serialization.BestAvailableEncryption(b'passphrase')
    ).decode('ascii')
    (tmp_path / 'encrypted.key').write_text(encrypted)

    problems = problems_of(files, certificate_file='rsa.crt', private_key_file='encrypted.key', hostnames=['app.example.com'])
    inline = problems_of(files, certificate_file='rsa.crt', private_key=encrypted, hostnames=['app.example.com'])

    assert len(problems) == 1 and problems[0].startswith(
        'per_hostname_aop_private_key_file is encrypted (it needs a passphrase), and Cloudflare needs the key itself: '
        'decrypt it once with "openssl pkey -in key.pem -out key-plain.pem", then protect key-plain.pem with '
        '"ansible-vault encrypt key-plain.pem" instead'
    )
    assert inline[0].startswith('per_hostname_aop_private_key is encrypted (it needs a passphrase)')
    assert not [line for line in key_fragments(encrypted) if line in json.dumps(problems + inline)]


def test_files_are_read_by_the_reader_given(files, pki, tmp_path):
    """The action plugin reads through Ansible, which decrypts a file that Ansible Vault encrypted."""
    (tmp_path / 'vaulted.key').write_text('$ANSIBLE_VAULT;1.1;AES256\n6162\n')

    def read_file(path):
        if path.endswith('vaulted.key'):
            return pki.rsa_leaf.key_pem.encode('ascii')
        if path.endswith('locked.key'):
            raise OSError('Attempting to decrypt but no vault secrets found.')
        with open(path, 'rb') as handle:
            return handle.read()

    plan = plan_zone(single(private_key_file='vaulted.key'), files, {}, read_file=read_file)
    (tmp_path / 'locked.key').write_text('$ANSIBLE_VAULT;1.1;AES256\n6162\n')
    with pytest.raises(PlanError) as error:
        plan_zone(single(private_key_file='locked.key'), files, {}, read_file=read_file)

    assert plan['sets'][0]['private_key_file'] == str(tmp_path / 'vaulted.key')
    assert error.value.problems == [
        'per_hostname_aop_private_key_file: %s cannot be read (Attempting to decrypt but no vault secrets found.)' % (tmp_path / 'locked.key')
    ]


def test_min_days_valid_refuses_naming_the_variable_the_date_and_the_days_left(files, pki):
    left = (pki.rsa_leaf.cert.not_valid_after_utc - datetime.datetime.now(datetime.UTC)).days

    for given in (400, '400'):  # a string when templated by ansible-core before 2.19
        assert problems_of(files, certificate_file='rsa.crt', private_key_file='rsa.key', hostnames=['app.example.com'], min_days_valid=given) == [
            'per_hostname_aop_certificate_file expires on %s, %d whole day(s) from now, fewer than '
            'per_hostname_aop_min_days_valid (400): issue a new client certificate and give it instead, or lower '
            'per_hostname_aop_min_days_valid' % (pki.rsa_leaf.expires_on, left)
        ]
    assert plan_zone(single(min_days_valid=left), files, {})['sets'], 'exactly as many days as it has left: accepted'


@pytest.mark.parametrize('given', [-1, 'soon', True, 1.5])
def test_min_days_valid_must_be_a_number_of_days(files, given):
    problems = problems_of(files, certificate_file='rsa.crt', private_key_file='rsa.key', hostnames=['app.example.com'], min_days_valid=given)
    assert problems == ['per_hostname_aop_min_days_valid: %r is not a number of days (0 turns the check off)' % (given,)]


# --- one host per zone ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize('name', ['timeout', 'wait_timeout', 'read_concurrency'])
@pytest.mark.parametrize('given', [0, -1, 'soon', True, 1.5, '0'])
def test_timeouts_and_concurrency_must_be_whole_numbers_from_one(files, name, given):
    problems = problems_of(files, certificate_file='rsa.crt', private_key_file='rsa.key', hostnames=['app.example.com'], **{name: given})
    assert len(problems) == 1 and problems[0].startswith('per_hostname_aop_%s: %r is not a whole number of 1 or more (' % (name, given)), problems


@pytest.mark.parametrize('given', [1, 30, '45'])
def test_timeouts_and_concurrency_from_one_are_accepted(files, given):
    # The role gives them to the modules as they are: the plan is the one made without them.
    assert plan_zone(single(timeout=given, wait_timeout=given, read_concurrency=given), files, {}) == plan_zone(single(), files, {})


def plans_for(files, **zones_of_hosts):
    return {host: plan_zone(single(**given), files, {}) for host, given in zones_of_hosts.items()}


def test_the_first_host_of_a_zone_configures_it_and_the_others_say_who_does(files):
    plans = plans_for(files, web1={}, web2={}, other={'zone': 'example.net', 'hostnames': ['app.example.net']})

    assert assign_zone('web1', plans) == (True, 'configures zone example.com (also declared, identically, by web2)')
    assert assign_zone('web2', plans) == (False, 'zone example.com is configured by web1, which declares it identically')
    assert assign_zone('other', plans) == (True, 'configures zone example.net')


def test_hosts_that_declare_one_zone_differently_fail_naming_both_and_the_difference(files):
    plans = plans_for(
        files,
        web1={},
        web2={'hostnames': ['app.example.com', 'www.example.com'], 'tls_client_auth': 'unchanged'},
        other={'zone': 'example.net', 'hostnames': ['app.example.net']},
    )

    with pytest.raises(PlanError) as error:
        assign_zone('web2', plans)

    first = error.value.problems[0]
    assert first.startswith('web2 and web1 declare zone example.com differently (')
    assert "per_hostname_aop_tls_client_auth is 'unchanged' on web2, 'enabled' on web1" in first
    assert 'www.example.com only on web2, none only on web1' in first
    assert assign_zone('other', plans)[0] is True, 'a zone nobody disputes is still configured'


def test_zone_names_compare_as_cloudflare_compares_them(files):
    plans = plans_for(files, a={'zone': 'Example.COM.'}, b={})
    assert assign_zone('b', plans) == (False, 'zone example.com is configured by a, which declares it identically')


# --- reshaping module results ---------------------------------------------------------------------------------------


def test_config_pairs_each_set_with_its_certificate_id(files):
    plan = plan_zone(
        variables(
            certificates=[
                {'certificate_file': 'rsa.crt', 'private_key_file': 'rsa.key', 'hostnames': ['app.example.com', 'www.example.com']},
                {'certificate_file': 'ec.crt', 'private_key_file': 'ec.key', 'hostnames': ['api.example.com']},
            ]
        ),
        files,
        {},
    )

    config = association_config(plan, [{'id': 'a' * 32}, {'id': UNKNOWN_CERT_ID}])

    assert config == [
        {'hostname': 'app.example.com', 'cert_id': 'a' * 32, 'state': 'enabled'},
        {'hostname': 'www.example.com', 'cert_id': 'a' * 32, 'state': 'enabled'},
        {'hostname': 'api.example.com', 'cert_id': UNKNOWN_CERT_ID, 'state': 'enabled'},
    ]


def test_summary_is_one_line_per_certificate_then_only_what_changed(files):
    plan = plan_zone(single(hostnames=['app.example.com', 'www.example.com']), files, {})
    certificates = [{'id': 'a' * 32, 'status': 'active', 'expires_on': '2027-01-01T00:00:00Z'}]
    associations = {
        'changed_hostnames': ['www.example.com'],
        'hostnames': [
            {'hostname': 'app.example.com', 'state': 'enabled', 'cert_id': 'a' * 32, 'status': 'active'},
            {'hostname': 'www.example.com', 'state': 'enabled', 'cert_id': 'a' * 32, 'status': 'active'},
        ],
    }

    assert summary(plan, certificates, associations) == [
        'certificate for app.example.com and 1 more: certificate %s, active, expires 2027-01-01T00:00:00Z, 2 hostname(s) enabled' % ('a' * 32),
        'changed www.example.com: enabled with certificate %s, status active' % ('a' * 32),
    ]
    assert len(summary(plan, certificates, associations, full=True)) == 3
    assert summary(plan, certificates, dict(associations, changed_hostnames=[]))[-1] == 'no hostname changed'


# --- what a rotation leaves behind -----------------------------------------------------------------------------------


def test_certificates_to_delete_are_those_released_and_older_generations_of_declared_ones(files):
    plan = plan_zone(single(), files, {})
    declared = plan['sets'][0]
    same = {'subject': declared['subject'], 'issuer': declared['issuer']}
    certificates = {
        'certificates': [{'id': 'declared'}],
        'other_certificates': [
            dict(same, id='older', expires_on='2020-01-01T00:00:00Z', status='active'),
            dict(same, id='newer', expires_on='2999-01-01T00:00:00Z', status='active'),
            dict(same, id='going', expires_on='2020-01-01T00:00:00Z', status='pending_deletion'),
            dict(same, id='other-issuer', issuer='CN=Someone else', expires_on='2020-01-01T00:00:00Z', status='active'),
            {'id': 'other-subject', 'subject': 'CN=x', 'issuer': declared['issuer'], 'expires_on': '2020-01-01T00:00:00Z'},
            dict(same, id='released', expires_on='2020-01-01T00:00:00Z', status='active'),
        ],
    }
    associations = {'released_cert_ids': ['released', 'declared']}

    assert certificates_to_delete(plan, certificates, associations) == ['released', 'older']


def test_plain_http_to_loopback_or_when_allowed_is_planned(files):
    assert plan_zone(single(base_url='http://127.0.0.1:8080/client/v4/'), files, {})['base_url'] == 'http://127.0.0.1:8080/client/v4'
    assert plan_zone(single(base_url='http://proxy.internal/client/v4', allow_plain_http=True), files, {})['base_url'] == 'http://proxy.internal/client/v4'
