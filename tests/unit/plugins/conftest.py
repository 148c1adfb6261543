# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures shared by the unit tests: the fake API, recorded sleeps, and running a module as Ansible would."""

import contextlib
import functools
import json
from unittest import mock

import pytest

from ansible.module_utils import basic

from ansible_collections.aop.cloudflare.plugins.module_utils import _module
from ansible_collections.aop.cloudflare.tests.unit.plugins.fake_cloudflare import mount
from ansible_collections.aop.cloudflare.tests.unit.plugins.module_result import ModuleResult
from ansible_collections.aop.cloudflare.tests.unit.plugins.pki import pki as make_pki

try:
    from ansible.module_utils.testing import patch_module_args
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
def private_ratelimit_ledger(monkeypatch, tmp_path):
    """Each test paces with a ledger of its own: none left by another test or a real run on this machine."""
    monkeypatch.setenv('AOP_CLOUDFLARE_RATELIMIT_DIR', str(tmp_path / 'ratelimit'))


@pytest.fixture
def cloudflare(monkeypatch):
    """The fake API, mounted on every requests.Session."""
    return mount(monkeypatch)


@pytest.fixture
def sleeps(monkeypatch):
    """Seconds the module's client would have slept, in order; nothing really sleeps."""
    recorded = []
    monkeypatch.setattr(_module, 'CloudflareClient', functools.partial(_module.CloudflareClient, sleep=recorded.append))
    return recorded


@pytest.fixture(scope='session')
def pki():
    return make_pki()


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
