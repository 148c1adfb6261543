# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Rules on identifiers shared by the modules and the role's planner (private: not a public interface)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlparse

# Cloudflare's limits: certificates per zone, hostnames per certificate.
ZONE_CERTIFICATE_LIMIT = 10
CERTIFICATE_HOSTNAME_LIMIT = 100

HOSTNAME_PATTERN = re.compile(r'^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)+$')
CERT_ID_PATTERN = re.compile(r'^[0-9a-fA-F]{32}$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
ZONE_ID_PATTERN = re.compile(r'^[0-9a-fA-F]{32}$')

# In check mode a certificate that is not uploaded yet has no id: hostname_client_cert returns this in its place and
# hostname_aop accepts it (in check mode only) to predict step 3. It can never be a real id, nor reach a URL.
UNKNOWN_CERT_ID = '(known after upload)'


def normalize_hostname(hostname: str | None) -> str:
    """A hostname as Cloudflare stores it: lower case, no surrounding space, no trailing dot."""
    return (hostname or '').strip().lower().rstrip('.')


def normalize_zone(name: str | None) -> str:
    """A zone name as compared: lower case, no surrounding space, no trailing dot."""
    return (name or '').strip().lower().rstrip('.')


def endpoint_problem(base_url: str | None, allow_plain_http: bool, url_name: str = 'base_url', allow_name: str = 'allow_plain_http=true') -> str | None:
    """Why base_url must not be used, or None. Plain HTTP would carry the credentials unencrypted, so it is for
    loopback only unless the user says otherwise. The names are those the caller's user knows (option or variable)."""
    parsed = urlparse(base_url or '')
    if parsed.scheme not in ('https', 'http') or not parsed.hostname:
        return '%s: %r is not an http(s) URL (e.g. https://api.cloudflare.com/client/v4)' % (url_name, base_url)
    if parsed.scheme == 'http' and not allow_plain_http and not _is_loopback(parsed.hostname):
        return (
            '%s: %s is plain HTTP to another machine, which would send the API credentials unencrypted: use '
            'https://, or set %s for a network you trust' % (url_name, base_url, allow_name)
        )
    return None


def _is_loopback(hostname: str) -> bool:
    if hostname == 'localhost':
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False
