# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures shared by the unit tests: the fake API, recorded sleeps, and running a module as Ansible would."""

import collections
import contextlib
import datetime
import functools
import json
import math
from unittest import mock

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common import warnings as ansible_warnings
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from ansible_collections.aop.cloudflare.plugins.module_utils import _module, _ratelimit
from ansible_collections.aop.cloudflare.plugins.modules import hostname_aop, hostname_aop_info, hostname_client_cert_info
from ansible_collections.aop.cloudflare.tests.pki import ANY_EXTENDED_KEY_USAGE, CLIENT_AUTH, SERVER_AUTH, CertificateAuthority, key_usage, new_key, resigned
from ansible_collections.aop.cloudflare.tests.unit.plugins.fake_cloudflare import mount
from ansible_collections.aop.cloudflare.tests.unit.plugins.module_result import ModuleResult

try:
    from ansible.module_utils.testing import patch_module_args  # pylint: disable=ungrouped-imports  # optional: ansible-core 2.19+
except ImportError:  # ansible-core before 2.19 had no supported helper: set the serialized arguments directly

    @contextlib.contextmanager
    def patch_module_args(args=None):
        serialized = json.dumps({'ANSIBLE_MODULE_ARGS': args or {}}).encode('utf-8')
        with mock.patch.object(basic, '_ANSIBLE_ARGS', serialized):
            yield


@pytest.fixture(autouse=True)
def no_cloudflare_environment(monkeypatch):
    """Credentials or a base URL from the developer's shell must not leak into a test."""
    for name in ('CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_API_KEY', 'CLOUDFLARE_EMAIL', 'CLOUDFLARE_BASE_URL'):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def no_warnings_of_earlier_tests(monkeypatch):
    """ansible-core keeps a module's warnings and deprecations in globals of the process, returned with every later
    result: ansible-test runs each test in a process of its own, plain pytest does not. Each test starts with none."""
    for name in ('_global_warnings', '_global_deprecations'):
        monkeypatch.setattr(ansible_warnings, name, type(getattr(ansible_warnings, name))())


@pytest.fixture(autouse=True)
def private_ratelimit_ledger(monkeypatch, tmp_path):
    """Each test paces with a ledger of its own: none left by another test or a real run on this machine."""
    monkeypatch.setenv('AOP_CLOUDFLARE_RATELIMIT_DIR', str(tmp_path / 'ratelimit'))


@pytest.fixture(autouse=True)
def calls_not_spaced(monkeypatch):
    """The tests of modules and of the client check their calls and their pauses exactly, with a recorded sleep; the
    spacing of calls per address (a few milliseconds each) would add a pause to every call. test__ratelimit.py checks
    the spacing, with CALLS_PER_SECOND put back."""
    monkeypatch.setattr(_ratelimit, 'CALLS_PER_SECOND', math.inf)


@pytest.fixture
def cloudflare(monkeypatch):
    """The fake API, mounted on every requests.Session."""
    return mount(monkeypatch)


@pytest.fixture
def sleeps(monkeypatch):
    """Seconds the module's client would have slept, in order; nothing really sleeps."""
    recorded: list[float] = []
    monkeypatch.setattr(_module, 'CloudflareClient', functools.partial(_module.CloudflareClient, sleep=recorded.append))
    return recorded


PKI = collections.namedtuple('PKI', 'rsa_ca ec_ca rsa_leaf ec_leaf second_leaf expired_leaf leaves')


@pytest.fixture(scope='session')
def pki():
    """The test PKI (tests/pki.py), made once per test process: two CAs, RSA and ECDSA, and leaves valid for a year.

    leaves holds RSA-CA-signed leaves that each differ from rsa_leaf in one thing an origin may refuse (or accept).
    """
    organization = 'aop.cloudflare tests'
    rsa_ca = CertificateAuthority.create('Test RSA CA', 'rsa', organization)
    ec_ca = CertificateAuthority.create('Test ECDSA CA', key=new_key('ec', ec.SECP384R1()), organization=organization)
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)

    def leaf(kind='rsa', size=None, **options):
        return rsa_ca.issue('app.example.com', key=new_key(kind, size), **options)

    return PKI(
        rsa_ca=rsa_ca.pair,
        ec_ca=ec_ca.pair,
        rsa_leaf=leaf(),
        ec_leaf=ec_ca.issue('api.example.com'),
        second_leaf=leaf('ec'),
        expired_leaf=rsa_ca.issue('old.example.com', not_before=now - datetime.timedelta(days=400), not_after=now - datetime.timedelta(days=1)),
        leaves={
            'server_auth_only': leaf(extensions=[SERVER_AUTH]),
            'any_usage_only': leaf(extensions=[x509.ExtendedKeyUsage([ANY_EXTENDED_KEY_USAGE])]),
            'server_and_client_auth': leaf(extensions=[x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH])]),
            'no_extended_key_usage': leaf(extensions=[]),
            'signing_key_usage': leaf(extensions=[CLIENT_AUTH, key_usage('digital_signature', 'key_encipherment')]),
            'encipherment_key_usage': leaf(extensions=[CLIENT_AUTH, key_usage('key_encipherment')]),
            'agreement_key_usage': leaf('ec', extensions=[CLIENT_AUTH, key_usage('key_agreement')]),
            'not_yet_valid': leaf(not_before=now + datetime.timedelta(days=2)),
            'rsa_1024': leaf(size=1024),
            'p384': leaf('ec', ec.SECP384R1()),
            'p521': leaf('ec', ec.SECP521R1()),
            'secp224r1': leaf('ec', ec.SECP224R1()),
            'secp256k1': leaf('ec', ec.SECP256K1()),
            'sha1_signed': resigned(leaf(), rsa_ca.key, 'sha1'),
            'md5_signed': resigned(leaf(), rsa_ca.key, 'md5'),
        },
    )


@pytest.fixture
def serial_reads(monkeypatch):
    """One GET per hostname, one at a time, so that the order of the reads is exact too (read_concurrency defaults
    to 1, association_reads to per_hostname); the tests of the listing name association_reads themselves."""
    spec = {'read_concurrency': {'type': 'int', 'default': 1}, 'association_reads': {'type': 'str', 'default': 'per_hostname'}}
    for module in (hostname_aop, hostname_aop_info, hostname_client_cert_info):
        monkeypatch.setattr(module, 'ASSOCIATION_READS_ARGUMENT_SPEC', spec)


@pytest.fixture
def run_module(capsys, sleeps):  # pylint: disable=redefined-outer-name,unused-argument
    """run_module(module, args, check_mode=False, diff=False) -> ModuleResult; sleeps are recorded, never taken."""

    def run(module, args, check_mode=False, diff=False):
        args = dict(args)
        if check_mode:
            args['_ansible_check_mode'] = True
        if diff:
            args['_ansible_diff'] = True
        capsys.readouterr()
        with patch_module_args(args):
            with pytest.raises(SystemExit) as exit_info:
                module.main()
        output = capsys.readouterr().out
        return ModuleResult(json.loads(output), exit_info.value.code)

    return run
