# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role's variables are defined once, in meta/argument_specs.yml: the planner reads that list, and the defaults,
the tasks and the README agree with it."""

import re
from pathlib import Path

import yaml

from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_plan import ARGUMENT_SPECS, role_variables

ROLE = Path(ARGUMENT_SPECS).parents[1]
SPEC = yaml.safe_load(ARGUMENT_SPECS.read_text(encoding='utf-8'))['argument_specs']['main']['options']


def test_the_planner_reads_every_variable_of_the_argument_spec():
    assert role_variables() == list(SPEC)
    assert all(name.startswith('per_hostname_aop_') and not name.startswith('per_hostname_aop__') for name in SPEC)


def test_the_defaults_are_the_argument_spec_s_defaults():
    defaults = yaml.safe_load((ROLE / 'defaults' / 'main.yml').read_text(encoding='utf-8'))

    assert defaults == {name: option['default'] for name, option in SPEC.items() if 'default' in option}


def test_the_tasks_and_the_readme_name_only_variables_of_the_argument_spec():
    tasks = ''.join(path.read_text(encoding='utf-8') for path in sorted((ROLE / 'tasks').glob('*.yml')))
    readme = (ROLE / 'README.md').read_text(encoding='utf-8')

    named = set(re.findall(r'\bper_hostname_aop_[a-z][a-z_]*', tasks + readme)) - {'per_hostname_aop_plan', 'per_hostname_aop_uploads'}
    filters = {'per_hostname_aop_config', 'per_hostname_aop_cleanup', 'per_hostname_aop_summary'}
    assert named - filters <= set(SPEC), sorted(named - filters - set(SPEC))
    assert {name for name in SPEC if '`%s`' % name not in readme} == set(), 'the README describes every variable'
