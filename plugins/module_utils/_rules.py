# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every input rule of the collection, for the modules and the role's planner alike (private).

Each rule is one function that takes the value and the name the user knows it by (a module option such as
``zone_id``, or a role variable such as ``per_hostname_aop_zone_id``) and returns the message to show, or None when
the value is fine. Nothing here calls the API.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

URLLIB3_IMPORT_ERROR = None  # pylint: disable=invalid-name  # set once, below, when the import fails
try:
    # The parser requests itself uses, so that what is checked is where the call goes.
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url
except ImportError:
    URLLIB3_IMPORT_ERROR = 'urllib3 (a dependency of requests) is missing'  # pylint: disable=invalid-name

DEFAULT_BASE_URL = 'https://api.cloudflare.com/client/v4'
# The environment variables the modules read when an option is not set (the official SDK's names).
ENV_API_TOKEN = 'CLOUDFLARE_API_TOKEN'
ENV_API_KEY = 'CLOUDFLARE_API_KEY'
ENV_API_EMAIL = 'CLOUDFLARE_EMAIL'
ENV_BASE_URL = 'CLOUDFLARE_BASE_URL'

# Cloudflare's limits: certificates per zone, hostnames per certificate.
ZONE_CERTIFICATE_LIMIT = 10
CERTIFICATE_HOSTNAME_LIMIT = 100

# Checked with fullmatch: '$' would let a trailing newline through into a URL.
HOSTNAME_PATTERN = re.compile(r'(?=.{1,253}\Z)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)+')
CERT_ID_PATTERN = re.compile(r'[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}')
ZONE_ID_PATTERN = re.compile(r'[0-9a-fA-F]{32}')

# In check mode a certificate that is not uploaded yet has no id: hostname_client_cert returns this in its place and
# hostname_aop accepts it (in check mode only) to predict step 3. It can never be a real id, nor reach a URL.
UNKNOWN_CERT_ID = '(known after upload)'


def normalize_hostname(hostname: str | None) -> str:
    """A hostname as Cloudflare stores it: lower case, no surrounding space, no trailing dot."""
    return (hostname or '').strip().lower().rstrip('.')


def normalize_zone(name: str | None) -> str:
    """A zone name as compared: lower case, no surrounding space, no trailing dot."""
    return (name or '').strip().lower().rstrip('.')


def is_hostname(value: str) -> bool:
    return HOSTNAME_PATTERN.fullmatch(value) is not None


def is_cert_id(value: str) -> bool:
    return CERT_ID_PATTERN.fullmatch(value) is not None


def is_zone_id(value: str) -> bool:
    return ZONE_ID_PATTERN.fullmatch(value) is not None


# --- the zone ---------------------------------------------------------------------------------------------------------


def zone_problem(zone: Any, zone_id: Any, zone_name: str, zone_id_name: str) -> str | None:
    """Exactly one of the zone's name and id, each well formed (both end up in a URL)."""
    if _given(zone) == _given(zone_id):
        return 'set exactly one of %s (the zone name, e.g. example.com) and %s' % (zone_name, zone_id_name)
    if _given(zone_id):
        if not isinstance(zone_id, str) or not is_zone_id(zone_id):
            return "%s: %r is not a zone id (32 hexadecimal characters, shown on the zone's overview page); or give the zone's name in %s" % (
                zone_id_name,
                zone_id,
                zone_name,
            )
        return None
    if not isinstance(zone, str) or not is_hostname(normalize_zone(zone)):
        return '%s: %r is not a zone name (e.g. example.com)' % (zone_name, zone)
    return None


# --- hostnames --------------------------------------------------------------------------------------------------------


def hostname_problem(value: Any, name: str) -> str | None:
    if not isinstance(value, str) or not is_hostname(normalize_hostname(value)):
        return '%s: %r is not a valid hostname (e.g. app.example.com)' % (name, value)
    return None


def in_zone_problem(hostname: str, zone: str | None, name: str) -> str | None:
    """A hostname of another zone would only ever read as absent: refused while the zone's name is known."""
    if zone and hostname != zone and not hostname.endswith('.' + zone):
        return '%s: %s is not in the zone %s: name hostnames of this zone only' % (name, hostname, zone)
    return None


def hostname_limit_problem(count: int, certificate: str, name: str) -> str | None:
    if count > CERTIFICATE_HOSTNAME_LIMIT:
        return '%s: %d hostnames declared for %s; Cloudflare allows %d per certificate: spread them over more certificates' % (
            name,
            count,
            certificate,
            CERTIFICATE_HOSTNAME_LIMIT,
        )
    return None


def certificate_limit_problem(count: int, name: str) -> str | None:
    if count > ZONE_CERTIFICATE_LIMIT:
        return '%s: %d certificates; Cloudflare allows %d hostname client certificates per zone' % (name, count, ZONE_CERTIFICATE_LIMIT)
    return None


def cert_id_problem(value: Any, name: str) -> str | None:
    """A certificate id goes into a URL path: nothing but an id may."""
    if not isinstance(value, str) or not is_cert_id(value):
        return '%s: %r is not a certificate id (32 hex characters or a UUID, as aop.cloudflare.hostname_client_cert_info lists them)' % (name, value)
    return None


# --- numbers ----------------------------------------------------------------------------------------------------------


def whole_number(value: Any) -> int | None:
    """value as a whole number (0 or more), or None when it is none: a string when templated by ansible-core before
    2.19, and a boolean is no number."""
    if isinstance(value, bool) or not re.fullmatch(r'\s*\d+\s*', str(value)):
        return None
    return int(value)


def number_problem(value: Any, name: str, minimum: int, meaning: str) -> str | None:
    number = whole_number(value)
    if number is None or number < minimum:
        return '%s must be a whole number, %d or more (%s); it is %r' % (name, minimum, meaning, value)
    return None


# --- credentials and endpoint ------------------------------------------------------------------------------------------


def clean_credential(value: str | None) -> str | None:
    """A credential without the surrounding whitespace a secret file or a YAML block scalar adds (a trailing newline)."""
    return value.strip() if isinstance(value, str) else value


def credential_problem(value: str | None, name: str) -> str | None:
    """A credential goes into an HTTP header: a space or control character inside it would be refused there, and the
    refusal would quote it. The message never quotes the value."""
    if value is not None and any(character <= ' ' or character == '\x7f' or not character.isascii() for character in value):
        return (
            '%s holds a space, a line break or another character no Cloudflare credential has: give the token or key exactly '
            '(surrounding whitespace, such as a secret file\'s final newline, is removed for you)' % name
        )
    return None


def credentials_problem(api_token: str | None, api_key: str | None, api_email: str | None, names: Mapping[str, str]) -> str | None:
    """An API token, or a global API key with its e-mail. names: how the user sets each (option or variable)."""
    if api_token:
        return None
    if api_key and not api_email:
        return '%s needs %s (the e-mail address of the account that owns the key)' % (names['api_key'], names['api_email'])
    if api_key:
        return None
    return 'no Cloudflare credentials: set %s (keep it in Ansible Vault), or %s with %s, or %s (or %s and %s) on the controller' % (
        names['api_token'],
        names['api_key'],
        names['api_email'],
        ENV_API_TOKEN,
        ENV_API_KEY,
        ENV_API_EMAIL,
    )


def endpoint_problem(base_url: str | None, allow_plain_http: bool, url_name: str = 'base_url', allow_name: str = 'allow_plain_http=true') -> str | None:
    """Why base_url must not be used, or None. Plain HTTP would carry the credentials unencrypted, so it is for
    loopback only unless the user says otherwise. The names are those the caller's user knows (option or variable)."""
    if URLLIB3_IMPORT_ERROR:
        return '%s cannot be checked: %s on the controller (pip install requests)' % (url_name, URLLIB3_IMPORT_ERROR)
    example = 'e.g. %s' % DEFAULT_BASE_URL
    text = base_url or ''
    # What another parser could read otherwise: user info, a backslash, white space, a query or a fragment.
    if any(character <= ' ' or character in '\\@?#' for character in text):
        return (
            '%s: %r is not a plain http(s) URL: give scheme, host, optional port and path only, without user info, spaces, backslashes, query or fragment (%s)'
            % (
                url_name,
                base_url,
                example,
            )
        )
    try:
        parsed = parse_url(text)
    except LocationParseError:
        parsed = None
    if parsed is None or parsed.scheme not in ('https', 'http') or not parsed.host:
        return '%s: %r is not an http(s) URL (%s)' % (url_name, base_url, example)
    if parsed.scheme == 'http' and not allow_plain_http and not is_loopback(parsed.host):
        return '%s: %s is plain HTTP to another machine, which would send the API credentials unencrypted: use https://, or set %s for a network you trust' % (
            url_name,
            base_url,
            allow_name,
        )
    return None


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1 (the brackets of an IPv6 literal allowed)."""
    host = host.strip('[]')
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _given(value: Any) -> bool:
    return value not in (None, '')
