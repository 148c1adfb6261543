# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Rules on identifiers shared by the modules and the role's planner (private: not a public interface)."""

import re

# Cloudflare's limits: certificates per zone, hostnames per certificate.
ZONE_CERTIFICATE_LIMIT = 10
CERTIFICATE_HOSTNAME_LIMIT = 100

HOSTNAME_PATTERN = re.compile(r'^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)+$')
CERT_ID_PATTERN = re.compile(r'^[0-9a-fA-F]{32}$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
ZONE_ID_PATTERN = re.compile(r'^[0-9a-fA-F]{32}$')

# In check mode a certificate that is not uploaded yet has no id: hostname_client_cert returns this in its place and
# hostname_aop accepts it (in check mode only) to predict step 3. It can never be a real id, nor reach a URL.
UNKNOWN_CERT_ID = '(known after upload)'


def normalize_hostname(hostname):
    """A hostname as Cloudflare stores it: lower case, no surrounding space, no trailing dot."""
    return (hostname or '').strip().lower().rstrip('.')


def normalize_zone(name):
    """A zone name as compared: lower case, no surrounding space, no trailing dot."""
    return (name or '').strip().lower().rstrip('.')
