# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role's planner: every problem named by its variable, and plans without secrets (_role_plan.py)."""

import datetime
import json

import pytest
from cryptography.hazmat.primitives import serialization

from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_plan import KeySource, PlanError, plan_host
from ansible_collections.aop.cloudflare.tests.pki import key_fragments
from ansible_collections.aop.cloudflare.tests.unit.plugins.plugin_utils.conftest import TOKEN, colons, single, variables


def plan_zone(variables_, find_file, environ, **kwargs):
    return plan_host('web1', variables_, find_file, environ, **kwargs)


def problems_of(find_file, environ=None, check_mode=False, **given):
    with pytest.raises(PlanError) as error:
        plan_zone(variables(**given), find_file, environ or {}, check_mode=check_mode)
    return error.value.problems


# --- plans ----------------------------------------------------------------------------------------------------------


def test_a_single_set_is_planned_without_any_secret(files, pki, tmp_path):
    plan = plan_zone(single(hostnames=['App.Example.com.', ' api.example.com']), files, {})

    assert (plan.zone, plan.zone_id, plan.zone_key, plan.state) == ('example.com', None, 'example.com', 'present')
    assert plan.settings == {
        'tls_client_auth': 'enabled',
        'delete_released_certificates': True,
        'exclusive': False,
        'base_url': None,
        'association_reads': 'auto',
    }
    (declared,) = plan.certificates
    assert declared.hostnames == ['app.example.com', 'api.example.com'], 'normalized as hostname_aop normalizes them'
    assert declared.fingerprint == colons(pki.rsa_leaf.fingerprint_sha256)
    assert (declared.subject, declared.issuer) == (pki.rsa_leaf.cert.subject.rfc4514_string(), pki.rsa_leaf.cert.issuer.rfc4514_string())
    assert declared.not_after == pki.rsa_leaf.expires_on
    assert declared.key == KeySource('web1', file=str(tmp_path / 'rsa.key'))
    assert declared.pem == pki.rsa_leaf.cert_pem
    assert declared.label == 'certificate for app.example.com and 1 more'
    shown = json.dumps(plan.to_dict())
    assert TOKEN not in shown
    assert not [fragment for fragment in key_fragments(pki.rsa_leaf.key_pem) if fragment in shown]


def test_a_bundle_file_that_also_holds_the_key_puts_only_the_certificate_in_the_plan(files, pki, tmp_path):
    """A HAProxy-style bundle given as both files: the plan holds the certificate re-encoded, never the file's text."""
    (tmp_path / 'bundle.pem').write_text(pki.rsa_leaf.cert_pem + pki.rsa_leaf.key_pem)

    plan = plan_zone(single(certificate_file='bundle.pem', private_key_file='bundle.pem'), files, {})

    assert plan.certificates[0].pem == pki.rsa_leaf.cert_pem
    assert plan.certificates[0].key == KeySource('web1', file=str(tmp_path / 'bundle.pem'))
    shown = json.dumps(plan.to_dict())
    assert 'PRIVATE KEY' not in shown
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

    assert [item.hostnames for item in plan.certificates] == [['api.example.com'], ['app.example.com']]
    assert plan.certificates[0].key == KeySource('web1', variable='per_hostname_aop_certificates', index=0), 'an inline key is named, not copied'
    assert plan.certificates[1].pem == pki.rsa_leaf.cert_pem


def test_zone_by_id_is_its_key(files):
    plan = plan_zone(single(zone=None, zone_id='023E105F4ECEF8AD9CA31A8372D0C353'), files, {})
    assert plan.zone is None and plan.zone_key == '023e105f4ecef8ad9ca31a8372d0c353'


def test_absent_needs_no_private_key(files):
    plan = plan_zone(variables(state='absent', certificate_file='rsa.crt', hostnames=['app.example.com']), files, {})
    assert plan.state == 'absent' and plan.certificates[0].key is None


def test_check_mode_needs_no_private_key_and_a_real_run_does(files):
    """A CI job with a read-only token has no production key: check mode predicts without it."""
    plan = plan_zone(variables(certificate_file='rsa.crt', hostnames=['app.example.com']), files, {}, check_mode=True)

    assert plan.certificates[0].key is None
    assert problems_of(files, certificate_file='rsa.crt', hostnames=['app.example.com']) == [
        'neither per_hostname_aop_private_key (PEM text) nor per_hostname_aop_private_key_file (a path on the controller) is given'
    ]


def test_swapped_certificate_and_key_files_report_both(files):
    problems = problems_of(files, certificate_file='rsa.key', private_key_file='rsa.crt', hostnames=['app.example.com'])

    assert [problem.split(' (')[0].split(':')[0] for problem in problems] == [
        'per_hostname_aop_certificate_file is not a PEM certificate',
        'per_hostname_aop_private_key_file is not an unencrypted PEM private key',
    ]


NO_CREDENTIALS = (
    'no Cloudflare credentials: set per_hostname_aop_api_token (keep it in Ansible Vault), or per_hostname_aop_api_key with '
    'per_hostname_aop_api_email, or CLOUDFLARE_API_TOKEN (or CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL) on the controller'
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
        ({'zone': None}, 'set exactly one of per_hostname_aop_zone (the zone name, e.g. example.com) and per_hostname_aop_zone_id'),
        ({'zone_id': '023e105f4ecef8ad9ca31a8372d0c353'}, 'set exactly one of per_hostname_aop_zone'),
        ({'zone': None, 'zone_id': 'zone/../x'}, "per_hostname_aop_zone_id: 'zone/../x' is not a zone id"),
        ({'zone': 'example com'}, "per_hostname_aop_zone: 'example com' is not a zone name"),
        (
            {'api_token': None},
            'no Cloudflare credentials: set per_hostname_aop_api_token (keep it in Ansible Vault), or per_hostname_aop_api_key with '
            'per_hostname_aop_api_email, or CLOUDFLARE_API_TOKEN (or CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL) on the controller',
        ),
        ({'api_token': 'token\nwith a line break inside'}, 'per_hostname_aop_api_token holds a space, a line break or another character'),
        ({'api_token': None, 'api_key': 'k'}, 'per_hostname_aop_api_key needs per_hostname_aop_api_email'),
        ({'base_url': 'api.cloudflare.com/client/v4'}, "per_hostname_aop_base_url: 'api.cloudflare.com/client/v4' is not an http(s) URL"),
        (
            {'base_url': 'http://api.example.net/client/v4'},
            'per_hostname_aop_base_url: http://api.example.net/client/v4 is plain HTTP to another machine, which would send the API credentials '
            'unencrypted: use https://, or set per_hostname_aop_allow_plain_http: true',
        ),
        ({'certificate_file': None}, 'neither per_hostname_aop_certificate (PEM text) nor per_hostname_aop_certificate_file'),
        ({'private_key_file': None}, 'neither per_hostname_aop_private_key (PEM text) nor per_hostname_aop_private_key_file'),
        ({'certificate': 'x'}, 'give per_hostname_aop_certificate or per_hostname_aop_certificate_file, not both'),
        ({'certificate_file': 'missing.crt'}, 'per_hostname_aop_certificate_file: missing.crt not found on the controller'),
        ({'certificate_file': 'rsa.key'}, 'per_hostname_aop_certificate_file is not a PEM certificate'),
        ({'private_key_file': 'rsa.crt'}, 'per_hostname_aop_private_key_file is not an unencrypted PEM private key'),
        ({'private_key_file': 'ec.key'}, 'per_hostname_aop_private_key_file does not belong to per_hostname_aop_certificate_file'),
        ({'certificate_file': 'ca.crt', 'private_key_file': 'ca.key'}, 'per_hostname_aop_certificate_file is a CA certificate'),
        ({'hostnames': []}, 'per_hostname_aop_hostnames is empty'),
        ({'hostnames': 'app.example.com'}, 'per_hostname_aop_hostnames must be a list of hostnames'),
        ({'hostnames': ['app/..']}, "per_hostname_aop_hostnames[0]: 'app/..' is not a valid hostname"),
        ({'hostnames': ['app.example.net']}, 'per_hostname_aop_hostnames[0]: app.example.net is not in the zone example.com: name hostnames of this zone only'),
        (
            {'hostnames': ['h%d.example.com' % n for n in range(101)]},
            'per_hostname_aop_hostnames: 101 hostnames declared for certificate for h0.example.com and 100 more; Cloudflare allows 100 per certificate',
        ),
    ],
)
def test_a_single_set_mistake_names_its_variable(files, given, expected):
    values = {'certificate_file': 'rsa.crt', 'private_key_file': 'rsa.key', 'hostnames': ['app.example.com']}
    values.update(given)
    problems = problems_of(files, **values)
    assert len(problems) == 1 and problems[0].startswith(expected), problems


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
    assert problems_of(files, certificates=eleven) == [
        'per_hostname_aop_certificates: 11 certificates; Cloudflare allows 10 hostname client certificates per zone'
    ] + [
        'per_hostname_aop_certificates[%d].certificate is the same certificate as per_hostname_aop_certificates[0].certificate: '
        'give each certificate once, with all its hostnames' % index
        for index in range(1, 11)
    ]


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
    assert plan.state == 'absent' and len(plan.certificates) == 1


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

    assert plan.certificates[0].key == KeySource('web1', file=str(tmp_path / 'vaulted.key'))
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
    assert len(plan_zone(single(min_days_valid=left), files, {}).certificates) == 1, 'exactly as many days as it has left: accepted'


@pytest.mark.parametrize('given', [-1, 'soon', True, 1.5])
def test_min_days_valid_must_be_a_number_of_days(files, given):
    problems = problems_of(files, certificate_file='rsa.crt', private_key_file='rsa.key', hostnames=['app.example.com'], min_days_valid=given)
    assert problems == ['per_hostname_aop_min_days_valid must be a whole number, 0 or more (days; 0 turns the check off); it is %r' % (given,)]


@pytest.mark.parametrize('name', ['timeout', 'wait_timeout', 'read_concurrency'])
@pytest.mark.parametrize('given', [0, -1, 'soon', True, 1.5, '0'])
def test_timeouts_and_concurrency_must_be_whole_numbers_from_one(files, name, given):
    problems = problems_of(files, certificate_file='rsa.crt', private_key_file='rsa.key', hostnames=['app.example.com'], **{name: given})
    assert len(problems) == 1 and problems[0].startswith('per_hostname_aop_%s must be a whole number, 1 or more (' % name), problems
    assert problems[0].endswith('; it is %r' % (given,))


@pytest.mark.parametrize('given', [1, 30, '45'])
def test_timeouts_and_concurrency_from_one_are_accepted(files, given):
    # The role gives them to the modules as they are: the plan is the one made without them.
    assert plan_zone(single(timeout=given, wait_timeout=given, read_concurrency=given), files, {}) == plan_zone(single(), files, {})


def test_plain_http_to_loopback_or_when_allowed_is_planned(files):
    assert plan_zone(single(base_url='http://127.0.0.1:8080/client/v4/'), files, {}).settings['base_url'] == 'http://127.0.0.1:8080/client/v4'
    assert (
        plan_zone(single(base_url='http://proxy.internal/client/v4', allow_plain_http=True), files, {}).settings['base_url']
        == 'http://proxy.internal/client/v4'
    )


@pytest.mark.parametrize(
    'url',
    [
        'http://192.0.2.2:43939\\@127.0.0.1/client/v4',
        'https://user:secret@api.cloudflare.com/client/v4',
        'https://api.cloudflare.com/client/v4?x=1',
        'https://api.cloudflare.com/client/v4#x',
    ],
)
def test_a_base_url_that_another_parser_could_read_otherwise_is_refused(files, url):
    problems = problems_of(files, base_url=url, certificate_file='rsa.crt', private_key_file='rsa.key', hostnames=['app.example.com'])
    assert problems == [
        'per_hostname_aop_base_url: %r is not a plain http(s) URL: give scheme, host, optional port and path only, without user info, spaces, '
        'backslashes, query or fragment (e.g. https://api.cloudflare.com/client/v4)' % url
    ]
