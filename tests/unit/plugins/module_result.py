# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a module run gave back to Ansible, and the check that it holds no secret."""

import json
import re

from ansible_collections.aop.cloudflare.tests.pki import key_fragments
from ansible_collections.aop.cloudflare.tests.unit.plugins.fake_cloudflare import API_TOKEN

# A PEM header followed by encoded content (in JSON text, line breaks are escaped).
PEM_BLOCK = re.compile(r'-----BEGIN [A-Z ]+-----(\\r|\\n|\s)*[A-Za-z0-9+/=]{16}')


class ModuleResult(dict):
    """What Ansible would receive from the module: the parsed JSON it printed, and its exit code."""

    def __init__(self, output, exit_code):
        super().__init__(output)
        self.exit_code = exit_code
        self.printed = json.dumps(output)

    @property
    def failed(self):
        return bool(self.get('failed'))

    @property
    def without_invocation(self):
        """The result without Ansible's echo of the module arguments (which holds the certificate given as input)."""
        return json.dumps({key: value for key, value in self.items() if key != 'invocation'}, sort_keys=True)

    def assert_no_secret(self, *private_keys):
        """No API token and no line of a private key anywhere in the output; no PEM and nothing masked in the result.

        Ansible masks no_log values in what a module prints, which would hide a leak: its mask must not appear either.
        """
        shown = self.without_invocation
        assert API_TOKEN not in self.printed, 'the API token leaked'
        for key in private_keys:
            assert not [line for line in key_fragments(key) if line in self.printed], 'a line of a private key leaked'
        assert not PEM_BLOCK.search(shown), 'a PEM block is in the result'
        assert '********' not in shown and 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' not in shown, 'a no_log value was masked'
