# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role per_hostname_aop's rules, in Python (private): check its variables, plan one zone, and decide which of
the play's hosts configures each zone. Nothing here calls the API, and no plan ever holds a private key or a token."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from ansible_collections.aop.cloudflare.plugins.module_utils._certificate import (
    CertificateError,
    certificate_problems,
    fingerprint_sha256,
    format_time,
    load_certificate,
    load_private_key,
    not_after,
    parse_time,
)
from ansible_collections.aop.cloudflare.plugins.module_utils._rules import (
    CERTIFICATE_HOSTNAME_LIMIT,
    ZONE_CERTIFICATE_LIMIT,
    endpoint_problem,
    is_hostname,
    is_zone_id,
    normalize_hostname,
    normalize_zone,
)

PREFIX = 'per_hostname_aop_'
# The role's numbers that only make sense from 1 up, and what each one counts.
NUMBERS_FROM_ONE = (
    ('timeout', 'seconds to wait for each answer of the API'),
    ('wait_timeout', 'seconds to wait for each certificate and association to become active'),
    ('read_concurrency', 'hostnames read at once'),
)
SINGLE_SET_VARIABLES = ('certificate', 'certificate_file', 'private_key', 'private_key_file', 'hostnames')
ENVIRONMENT_TOKEN = 'CLOUDFLARE_API_TOKEN'
ENVIRONMENT_KEY = ('CLOUDFLARE_API_KEY', 'CLOUDFLARE_EMAIL')
# What two hosts must agree on to share one zone's run (credentials excepted: they are never compared or kept).
DECLARATION_FIELDS = ('state', 'tls_client_auth', 'delete_released_certificates', 'base_url')


# find_file(path) -> (the path found or None, the places searched); read_file(path) -> its bytes.
FindFile = Callable[[str], tuple[str | None, list[str]]]
ReadFile = Callable[[str], bytes]


class PlanError(Exception):
    """The role's variables hold mistakes; every one of them is in problems, each naming its variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__('; '.join(problems))
        self.problems = problems


def _given(value: Any) -> bool:
    return value not in (None, '')


def _whole_number(value: Any) -> int | None:
    """value as a whole number (0 or more), or None when it is none: a string when templated by ansible-core before
    2.19, and a boolean is no number."""
    if isinstance(value, bool) or not re.match(r'^\s*\d+\s*$', str(value)):
        return None
    return int(value)


def read_plain_file(path: str) -> bytes:
    """The bytes of a file; IOError/OSError when it cannot be read."""
    with open(path, 'rb') as handle:
        return handle.read()


class _Planner:
    """Collects every problem instead of stopping at the first, so one run shows the user all there is to fix."""

    def __init__(self, variables: Mapping[str, Any], find_file: FindFile, environ: Mapping[str, str], read_file: ReadFile) -> None:
        self.variables = variables
        self.find_file = find_file
        self.environ = environ
        self.read_file = read_file
        self.problems: list[str] = []

    def var(self, name: str) -> Any:
        return self.variables.get(PREFIX + name)

    def problem(self, message: str) -> None:
        self.problems.append(message)

    def plan(self) -> dict[str, Any]:
        state = self.var('state') or 'present'
        zone, zone_id = self.zone()
        self.credentials()
        base_url = self.base_url()
        min_days_valid = self.min_days_valid()
        for name, meaning in NUMBERS_FROM_ONE:
            self.number_from_one(name, meaning)
        given_sets = self.given_sets()
        planned = [self.certificate_set(index, given, prefix, state, min_days_valid) for index, (given, prefix) in enumerate(given_sets)]
        sets = [item for item in planned if item is not None]
        self.cross_set_rules(sets, [prefix for _given, prefix in given_sets], zone)
        if self.problems:
            raise PlanError(self.problems)
        return {
            'zone': zone,
            'zone_id': zone_id,
            'zone_key': zone_id.lower() if zone_id else zone,
            'state': state,
            'tls_client_auth': self.var('tls_client_auth') or 'enabled',
            'delete_released_certificates': bool(self.var('delete_released_certificates')),
            'base_url': base_url,
            'sets': [{key: value for key, value in item.items() if key != 'certificate'} for item in sets],
            # Step 1's input without keys, in the order of sets (the role adds each key when it uploads).
            'certificates': [{'certificate': item['certificate']} for item in sets],
            'hostnames': [hostname for item in sets for hostname in item['hostnames']],
        }

    # --- zone, credentials, endpoint ---------------------------------------------------------------------------

    def zone(self) -> tuple[str | None, str | None]:
        zone, zone_id = self.var('zone'), self.var('zone_id')
        if _given(zone) == _given(zone_id):
            self.problem('set exactly one of per_hostname_aop_zone (the zone name, e.g. example.com) and per_hostname_aop_zone_id')
            return None, None
        if _given(zone_id):
            if not is_zone_id(str(zone_id)):
                self.problem(
                    'per_hostname_aop_zone_id: %r is not a zone id (32 hexadecimal characters, shown on the zone\'s '
                    'overview page); or give the name in per_hostname_aop_zone' % (zone_id,)
                )
            return None, str(zone_id)
        name = normalize_zone(str(zone))
        if not is_hostname(name):
            self.problem('per_hostname_aop_zone: %r is not a zone name (e.g. example.com)' % (zone,))
        return name, None

    def credentials(self) -> None:
        if _given(self.var('api_token')):
            return
        if _given(self.var('api_key')):
            if not _given(self.var('api_email')) and not self.environ.get('CLOUDFLARE_EMAIL'):
                self.problem('per_hostname_aop_api_key needs per_hostname_aop_api_email (the e-mail address of the account that owns the key)')
            return
        if self.environ.get(ENVIRONMENT_TOKEN) or all(self.environ.get(name) for name in ENVIRONMENT_KEY):
            return
        self.problem(
            'no Cloudflare credentials: set per_hostname_aop_api_token (keep it in Ansible Vault), or '
            'per_hostname_aop_api_key with per_hostname_aop_api_email, or CLOUDFLARE_API_TOKEN on the controller'
        )

    def base_url(self) -> str | None:
        url = self.var('base_url') or self.environ.get('CLOUDFLARE_BASE_URL')
        if _given(url):
            variable = 'per_hostname_aop_base_url' if _given(self.var('base_url')) else 'CLOUDFLARE_BASE_URL'
            problem = endpoint_problem(str(url), bool(self.var('allow_plain_http')), variable, 'per_hostname_aop_allow_plain_http: true')
            if problem:
                self.problem(problem)
        return str(url).rstrip('/') if _given(url) else None

    def min_days_valid(self) -> int:
        value = self.var('min_days_valid')
        if not _given(value):
            return 0
        days = _whole_number(value)
        if days is None:
            self.problem('per_hostname_aop_min_days_valid: %r is not a number of days (0 turns the check off)' % (value,))
            return 0
        return days

    def number_from_one(self, name: str, meaning: str) -> None:
        """A whole number of 1 or more, or not given (the role's default, which ansible-core types, is then used)."""
        value = self.var(name)
        number = _whole_number(value) if _given(value) else 1
        if number is None or number < 1:
            self.problem('%s%s: %r is not a whole number of 1 or more (%s)' % (PREFIX, name, value, meaning))

    # --- certificate sets --------------------------------------------------------------------------------------

    def given_sets(self) -> list[tuple[dict[str, Any], str]]:
        """[(set, variable prefix)] in one shape, whichever form the user chose."""
        listed = self.var('certificates') or []
        single = [name for name in SINGLE_SET_VARIABLES if self.var(name)]
        if listed and single:
            self.problem('per_hostname_aop_certificates is set, and so is %s: use one form, not both' % ', '.join(PREFIX + name for name in single))
            return []
        if listed:
            if len(listed) > ZONE_CERTIFICATE_LIMIT:
                self.problem(
                    'per_hostname_aop_certificates has %d sets; Cloudflare allows %d hostname client certificates '
                    'per zone' % (len(listed), ZONE_CERTIFICATE_LIMIT)
                )
            return [(given, 'per_hostname_aop_certificates[%d].' % index) for index, given in enumerate(listed)]
        return [({name: self.var(name) for name in SINGLE_SET_VARIABLES}, PREFIX)]

    def certificate_set(self, index: int, given: Any, prefix: str, state: str, min_days_valid: int) -> dict[str, Any] | None:
        if not isinstance(given, dict):
            self.problem('%s must be a dictionary with certificate or certificate_file, private_key or private_key_file, and hostnames' % prefix[:-1])
            return None
        hostnames = self.hostnames(given.get('hostnames'), prefix + 'hostnames')
        certificate_pem, certificate_path = self.pem(given, 'certificate', prefix, required=True)
        key_pem, key_path = self.pem(given, 'private_key', prefix, required=state == 'present')
        if certificate_pem is None:
            return None
        # Problems name the variable the user set: the text or the file.
        names = {
            'certificate': prefix + ('certificate_file' if certificate_path else 'certificate'),
            'private_key': prefix + ('private_key_file' if key_path else 'private_key'),
            'min_days_valid': PREFIX + 'min_days_valid',
        }
        try:
            cert = load_certificate(certificate_pem, option=names['certificate'])
            key = load_private_key(key_pem, option=names['private_key']) if key_pem else None
        except CertificateError as exc:
            self.problem(str(exc))
            return None
        if state == 'present':
            # The module's own rules (step 1 applies them again); with no call, upload and adoption cannot be told apart.
            self.problems.extend(certificate_problems(cert, key, min_days_valid=min_days_valid, names=names))
        return {
            'index': index,
            'label': self.label(hostnames),
            'fingerprint_sha256': fingerprint_sha256(cert),
            'subject': cert.subject.rfc4514_string(),
            'issuer': cert.issuer.rfc4514_string(),
            'expires_on': format_time(not_after(cert)),
            'private_key_file': key_path,
            'hostnames': hostnames,
            'certificate': certificate_pem,
        }

    def pem(self, given: Mapping[str, Any], kind: str, prefix: str, required: bool) -> tuple[str | None, str | None]:
        """(text, path) of a certificate or key given as text or as a file on the controller; (None, None) if missing."""
        text, path = given.get(kind), given.get(kind + '_file')
        if _given(text) and _given(path):
            self.problem('give %s%s or %s%s_file, not both' % (prefix, kind, prefix, kind))
            return None, None
        if _given(text):
            return str(text), None
        if not _given(path):
            if required:
                self.problem('neither %s%s (PEM text) nor %s%s_file (a path on the controller) is given' % (prefix, kind, prefix, kind))
            return None, None
        found, searched = self.find_file(str(path))
        if found is None:
            self.problem(
                '%s%s_file: %s not found on the controller (looked in %s); give an absolute path, or one relative '
                'to the playbook or to the working directory' % (prefix, kind, path, ', '.join(searched))
            )
            return None, None
        try:
            return self.read_file(found).decode('utf-8'), found
        except UnicodeDecodeError:
            self.problem('%s%s_file: %s is not PEM text (not UTF-8)' % (prefix, kind, found))
        except OSError as exc:
            self.problem('%s%s_file: %s cannot be read (%s)' % (prefix, kind, found, exc.strerror or exc))
        return None, None

    def hostnames(self, given: Any, variable: str) -> list[str]:
        if isinstance(given, str) or not isinstance(given, (list, tuple)):
            self.problem('%s must be a list of hostnames' % variable)
            return []
        if not given:
            self.problem('%s is empty: name at least one hostname of the zone' % variable)
        if len(given) > CERTIFICATE_HOSTNAME_LIMIT:
            self.problem(
                '%s has %d entries; Cloudflare allows %d per certificate: spread them over more certificates'
                % (variable, len(given), CERTIFICATE_HOSTNAME_LIMIT)
            )
        hostnames = []
        for position, value in enumerate(given):
            hostname = normalize_hostname(str(value))
            if not is_hostname(hostname):
                self.problem('%s[%d]: %r is not a valid hostname (e.g. app.example.com)' % (variable, position, value))
            hostnames.append(hostname)
        return hostnames

    @staticmethod
    def label(hostnames: list[str]) -> str:
        """How task output names a set: by its hostnames, never by its PEM or key."""
        if not hostnames:
            return 'certificate for no hostname'
        more = ' and %d more' % (len(hostnames) - 1) if len(hostnames) > 1 else ''
        return 'certificate for %s%s' % (hostnames[0], more)

    def cross_set_rules(self, sets: list[dict[str, Any]], prefixes: list[str], zone: str | None) -> None:
        seen_hostnames: dict[str, str] = {}  # hostname -> prefix of the set that named it
        seen_certificates: dict[str, str] = {}  # fingerprint -> prefix
        for item in sets:
            prefix = prefixes[item['index']]
            for hostname in item['hostnames']:
                if hostname in seen_hostnames:
                    self.problem('%shostnames: %s is already in %shostnames; a hostname uses one certificate' % (prefix, hostname, seen_hostnames[hostname]))
                seen_hostnames.setdefault(hostname, prefix)
                if zone and is_hostname(hostname) and hostname != zone and not hostname.endswith('.' + zone):
                    self.problem('%shostnames: %s is not in the zone %s' % (prefix, hostname, zone))
            if item['fingerprint_sha256'] in seen_certificates:
                self.problem(
                    '%scertificate is the same certificate as %scertificate: give each certificate once, with all '
                    'its hostnames' % (prefix, seen_certificates[item['fingerprint_sha256']])
                )
            seen_certificates.setdefault(item['fingerprint_sha256'], prefix)


def plan_zone(
    variables: Mapping[str, Any], find_file: FindFile, environ: Mapping[str, str] | None = None, read_file: ReadFile = read_plain_file
) -> dict[str, Any]:
    """The plan of one host's role variables (names with the per_hostname_aop_ prefix); raises PlanError.

    find_file(path) -> (absolute path or None, [places searched]); read_file(path) -> bytes, or IOError/OSError.
    """
    return _Planner(variables, find_file, os.environ if environ is None else environ, read_file).plan()


def declaration(plan: dict[str, Any]) -> dict[str, Any]:
    """What hosts must agree on for one zone: the settings, and each certificate (by fingerprint) with its hostnames."""
    shown = {field: plan[field] for field in DECLARATION_FIELDS}
    shown['certificates'] = {item['fingerprint_sha256']: sorted(item['hostnames']) for item in plan['sets']}
    return shown


def difference(first: dict[str, Any], second: dict[str, Any], first_host: str, second_host: str) -> str:
    """One line saying how two hosts' declarations of a zone differ."""
    parts = []
    for field in DECLARATION_FIELDS:
        if first[field] != second[field]:
            parts.append('%s%s is %r on %s, %r on %s' % (PREFIX, field, first[field], first_host, second[field], second_host))
    ours, theirs = first['certificates'], second['certificates']
    for fingerprint in sorted(set(ours) | set(theirs)):
        shown = 'certificate %s...' % fingerprint[:23]
        if fingerprint not in theirs:
            parts.append('%s only on %s' % (shown, first_host))
        elif fingerprint not in ours:
            parts.append('%s only on %s' % (shown, second_host))
        elif ours[fingerprint] != theirs[fingerprint]:
            parts.append(
                'hostnames of %s: %s only on %s, %s only on %s'
                % (
                    shown,
                    ', '.join(sorted(set(ours[fingerprint]) - set(theirs[fingerprint]))) or 'none',
                    first_host,
                    ', '.join(sorted(set(theirs[fingerprint]) - set(ours[fingerprint]))) or 'none',
                    second_host,
                )
            )
    return '; '.join(parts)


def assign_zone(host: str, plans: dict[str, dict[str, Any]]) -> tuple[bool, str]:
    """Which host configures this host's zone, with a message; raises PlanError when hosts declare it differently.

    plans: {host: plan} of the hosts running the role in this play, in play order (this host's own included).
    """
    own = plans[host]
    sharing = [name for name, plan in plans.items() if plan['zone_key'] == own['zone_key']]
    own_declaration = declaration(own)
    conflicts = []
    for name in sharing:
        if name != host:
            other = declaration(plans[name])
            if other != own_declaration:
                conflicts.append('%s and %s declare zone %s differently (%s)' % (host, name, own['zone_key'], difference(own_declaration, other, host, name)))
    if conflicts:
        raise PlanError(conflicts + ['give every host that names this zone the same per_hostname_aop_* variables, or run the role for the zone from one host'])
    owner = sharing[0]
    others = [name for name in sharing if name != owner]
    if owner == host:
        message = 'configures zone %s' % own['zone_key']
        if others:
            message += ' (also declared, identically, by %s)' % ', '.join(others)
    else:
        message = 'zone %s is configured by %s, which declares it identically' % (own['zone_key'], owner)
    return owner == host, message


def association_config(plan: dict[str, Any], certificates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Step 3's config: every hostname of every set with the id step 1 returned for its certificate (same order)."""
    return [
        {'hostname': hostname, 'cert_id': certificate['id'], 'state': 'enabled'}
        for item, certificate in zip(plan['sets'], certificates)
        for hostname in item['hostnames']
    ]


def certificates_to_delete(plan: dict[str, Any], certificates: dict[str, Any], associations: dict[str, Any]) -> list[str]:
    """Ids of the certificates a rotation leaves behind, which the role may delete.

    - Those the declared hostnames used before this run and no longer use (step 3's released_cert_ids).
    - Those an earlier run left behind when it stopped between the move and the deletion: a certificate of the zone
      that the role does not declare, with the subject and issuer of a declared one and an earlier expiry (an older
      generation of it). No declared hostname uses it after step 3. Hostnames the role does not manage may: then
      Cloudflare refuses the deletion (1433) and the role keeps it, with a warning.
    A certificate already being deleted is left to finish.
    """
    declared = {(item['subject'], item['issuer']): parse_time(item['expires_on']) for item in plan['sets']}
    managed = {certificate['id'] for certificate in certificates['certificates']}
    ids = list(associations.get('released_cert_ids') or [])
    for other in certificates.get('other_certificates') or []:
        newer = declared.get((other.get('subject'), other.get('issuer')))
        older = parse_time(other.get('expires_on'))
        if newer is not None and older is not None and older < newer and other.get('status') != 'pending_deletion':
            ids.append(other['id'])
    return [cert_id for index, cert_id in enumerate(ids) if cert_id not in managed and cert_id not in ids[:index]]


def summary(plan: dict[str, Any], certificates: list[dict[str, Any]], associations: dict[str, Any], full: bool = False) -> list[str]:
    """The role's closing report: one line per certificate, then what changed (or every hostname when full)."""
    by_certificate: dict[str | None, list[dict]] = {}
    for association in associations.get('hostnames') or []:
        by_certificate.setdefault(association.get('cert_id'), []).append(association)
    lines = []
    for item, certificate in zip(plan['sets'], certificates):
        certificate = certificate or {}
        lines.append(
            '%s: certificate %s, %s, expires %s, %d hostname(s) %s'
            % (
                item['label'],
                certificate.get('id'),
                certificate.get('status'),
                certificate.get('expires_on') or item['expires_on'],
                len(by_certificate.get(certificate.get('id'), [])),
                'enabled' if plan['state'] == 'present' else 'voided',
            )
        )
    changed = set(associations.get('changed_hostnames') or [])
    shown = [association for association in associations.get('hostnames') or [] if full or association['hostname'] in changed]
    for association in shown:
        lines.append(
            '%s %s: %s%s, status %s'
            % (
                'changed' if association['hostname'] in changed else 'unchanged',
                association['hostname'],
                association['state'],
                ' with certificate %s' % association['cert_id'] if association.get('cert_id') else '',
                association.get('status'),
            )
        )
    if not full and not changed:
        lines.append('no hostname changed')
    return lines
