# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role per_hostname_aop's first step, in Python (private): check one host's role variables and plan what that
host declares. Nothing here calls the API, and a plan never holds a private key, a token, or a file's text: only the
certificates, re-encoded from what was parsed, and where each key is to be read when it is needed."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from ansible_collections.aop.cloudflare.plugins.module_utils._certificate import (
    certificate_problems,
    fingerprint_sha256,
    format_time,
    load_certificate,
    load_private_key,
    not_after,
    re_encoded,
)
from ansible_collections.aop.cloudflare.plugins.module_utils._errors import CertificateError, InputError
from ansible_collections.aop.cloudflare.plugins.module_utils._rules import (
    ENV_API_EMAIL,
    ENV_API_KEY,
    ENV_API_TOKEN,
    ENV_BASE_URL,
    certificate_limit_problem,
    clean_credential,
    credential_problem,
    credentials_problem,
    endpoint_problem,
    hostname_limit_problem,
    hostname_problem,
    in_zone_problem,
    normalize_hostname,
    normalize_zone,
    number_problem,
    whole_number,
    zone_problem,
)

PREFIX = 'per_hostname_aop_'
# The role's variables are those of its argument spec: the one list of them.
ARGUMENT_SPECS = Path(__file__).resolve().parents[2] / 'roles' / 'per_hostname_aop' / 'meta' / 'argument_specs.yml'
# The role's numbers that only make sense from 1 up, and what each one counts.
NUMBERS_FROM_ONE = (
    ('timeout', 'seconds to wait for each answer of the API'),
    ('wait_timeout', 'seconds to wait for each certificate and association to become active'),
    ('read_concurrency', 'hostnames read at once'),
)
SINGLE_SET_VARIABLES = ('certificate', 'certificate_file', 'private_key', 'private_key_file', 'hostnames')
# What every host that names one zone must agree on: the zone's own settings (each host's certificates and hostnames
# are merged instead).
ZONE_SETTINGS = ('tls_client_auth', 'delete_released_certificates', 'exclusive', 'base_url', 'association_reads')
CREDENTIAL_NAMES = {name: PREFIX + name for name in ('api_token', 'api_key', 'api_email')}

# find_file(path) -> (the path found or None, the places searched); read_file(path) -> its bytes.
FindFile = Callable[[str], tuple[str | None, list[str]]]
ReadFile = Callable[[str], bytes]


class PlanError(InputError):
    """The role's variables hold mistakes; every one of them is in problems, each naming its variable."""

    def report(self) -> dict[str, Any]:
        return {'msg': 'aop.cloudflare.per_hostname_aop: %s' % '; '.join(self.problems), 'problems': self.problems}


@dataclasses.dataclass
class KeySource:
    """Where a certificate's private key is read when step 1 uploads it: a file, or a role variable of a host."""

    host: str
    file: str | None = None
    variable: str | None = None
    index: int | None = None  # the set of per_hostname_aop_certificates that holds it


@dataclasses.dataclass
class DeclaredCertificate:
    """One certificate a host declares, with its hostnames: what its PEM says, never the PEM's source text."""

    fingerprint: str
    pem: str  # the certificates of the set, re-encoded from the parsed DER (leaf first, then any chain)
    subject: str
    issuer: str  # the issuer's DN, from the certificate itself
    not_after: str
    hostnames: list[str]
    key: KeySource | None
    where: str  # the variable that declares it, for messages

    @property
    def label(self) -> str:
        """How task output names a set: by its hostnames, never by its PEM or key."""
        if not self.hostnames:
            return 'certificate %s' % self.subject
        more = ' and %d more' % (len(self.hostnames) - 1) if len(self.hostnames) > 1 else ''
        return 'certificate for %s%s' % (self.hostnames[0], more)


@dataclasses.dataclass
class HostPlan:
    """What one host declares for its zone."""

    host: str
    zone: str | None
    zone_id: str | None
    state: str
    settings: dict[str, Any]
    certificates: list[DeclaredCertificate]
    planned_by: str = ''

    @property
    def zone_key(self) -> str:
        """The zone as hosts compare it, until names and ids are resolved to one another."""
        return self.zone_id.lower() if self.zone_id else str(self.zone)

    def to_dict(self) -> dict[str, Any]:
        return dict(dataclasses.asdict(self), zone_key=self.zone_key)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HostPlan:
        certificates = [DeclaredCertificate(**dict(item, key=KeySource(**item['key']) if item.get('key') else None)) for item in data.get('certificates') or []]
        fields = {field.name for field in dataclasses.fields(cls)}
        return cls(**{name: value for name, value in data.items() if name in fields and name != 'certificates'}, certificates=certificates)


def role_variables() -> list[str]:
    """The name of every variable of the role, from its argument spec."""
    with ARGUMENT_SPECS.open(encoding='utf-8') as handle:
        return list(yaml.safe_load(handle)['argument_specs']['main']['options'])


def read_plain_file(path: str) -> bytes:
    """The bytes of a file; OSError when it cannot be read."""
    with open(path, 'rb') as handle:
        return handle.read()


class _Planner:
    """Collects every problem instead of stopping at the first, so one run shows the user all there is to fix."""

    def __init__(self, host: str, variables: Mapping[str, Any], find_file: FindFile, environ: Mapping[str, str], read_file: ReadFile, check_mode: bool) -> None:
        self.host = host
        self.variables = variables
        self.find_file = find_file
        self.environ = environ
        self.read_file = read_file
        self.check_mode = check_mode
        self.problems: list[str] = []

    def var(self, name: str) -> Any:
        return self.variables.get(PREFIX + name)

    def problem(self, message: str | None) -> None:
        if message:
            self.problems.append(message)

    def plan(self) -> HostPlan:
        state = self.var('state') or 'present'
        zone, zone_id = self.zone()
        self.credentials()
        base_url = self.base_url()
        min_days_valid = self.min_days_valid()
        for name, meaning in NUMBERS_FROM_ONE:
            value = self.var(name)
            if value not in (None, ''):
                self.problem(number_problem(value, PREFIX + name, 1, meaning))
        given_sets = self.given_sets()
        certificates = [self.certificate_set(index, given, where, state, min_days_valid) for index, (given, where) in enumerate(given_sets)]
        declared = [item for item in certificates if item is not None]
        self.cross_set_rules(declared, zone)
        if self.problems:
            raise PlanError(*self.problems)
        settings = {
            'tls_client_auth': self.var('tls_client_auth') or 'enabled',
            'delete_released_certificates': bool(self.var('delete_released_certificates')),
            'exclusive': bool(self.var('exclusive')),
            'base_url': base_url,
            'association_reads': self.var('association_reads') or 'auto',
        }
        return HostPlan(self.host, zone, zone_id, state, settings, declared)

    # --- zone, credentials, endpoint ---------------------------------------------------------------------------

    def zone(self) -> tuple[str | None, str | None]:
        zone, zone_id = self.var('zone'), self.var('zone_id')
        problem = zone_problem(zone, zone_id, PREFIX + 'zone', PREFIX + 'zone_id')
        self.problem(problem)
        if problem:
            return None, None
        return (None, str(zone_id)) if zone_id else (normalize_zone(str(zone)), None)

    def credentials(self) -> None:
        values = {name: clean_credential(self.var(name)) for name in CREDENTIAL_NAMES}
        for name, variable in CREDENTIAL_NAMES.items():
            self.problem(credential_problem(values[name], variable))
        if not values['api_token'] and not values['api_key']:
            # The modules fall back to the controller's environment.
            values = {'api_token': self.environ.get(ENV_API_TOKEN), 'api_key': self.environ.get(ENV_API_KEY), 'api_email': self.environ.get(ENV_API_EMAIL)}
        elif values['api_key'] and not values['api_email']:
            values['api_email'] = self.environ.get(ENV_API_EMAIL)
        self.problem(credentials_problem(values['api_token'], values['api_key'], values['api_email'], CREDENTIAL_NAMES))

    def base_url(self) -> str | None:
        url = self.var('base_url') or self.environ.get(ENV_BASE_URL)
        if not url:
            return None
        variable = PREFIX + 'base_url' if self.var('base_url') else ENV_BASE_URL
        self.problem(endpoint_problem(str(url), bool(self.var('allow_plain_http')), variable, PREFIX + 'allow_plain_http: true'))
        return str(url).rstrip('/')

    def min_days_valid(self) -> int:
        value = self.var('min_days_valid')
        if value in (None, ''):
            return 0
        problem = number_problem(value, PREFIX + 'min_days_valid', 0, 'days; 0 turns the check off')
        self.problem(problem)
        return 0 if problem else int(whole_number(value) or 0)

    # --- certificate sets --------------------------------------------------------------------------------------

    def given_sets(self) -> list[tuple[dict[str, Any], str]]:
        """[(set, the variable that holds it)] in one shape, whichever form the user chose."""
        listed = self.var('certificates') or []
        single = [name for name in SINGLE_SET_VARIABLES if self.var(name)]
        if listed and single:
            self.problem('per_hostname_aop_certificates is set, and so is %s: use one form, not both' % ', '.join(PREFIX + name for name in single))
            return []
        if listed:
            self.problem(certificate_limit_problem(len(listed), PREFIX + 'certificates'))
            return [(given, '%scertificates[%d]' % (PREFIX, index)) for index, given in enumerate(listed)]
        return [({name: self.var(name) for name in SINGLE_SET_VARIABLES}, '')]

    def certificate_set(self, index: int, given: Any, where: str, state: str, min_days_valid: int) -> DeclaredCertificate | None:
        prefix = where + '.' if where else PREFIX
        if not isinstance(given, dict):
            self.problem('%s must be a dictionary with certificate or certificate_file, private_key or private_key_file, and hostnames' % where)
            return None
        hostnames = self.hostnames(given.get('hostnames'), prefix + 'hostnames')
        certificate_text, certificate_path = self.pem(given, 'certificate', prefix, required=True)
        # A key is needed to upload; check mode uploads nothing, and a certificate already on the zone needs none.
        key_text, key_path = self.pem(given, 'private_key', prefix, required=state == 'present' and not self.check_mode)
        if certificate_text is None:
            return None
        # Problems name the variable the user set: the text or the file.
        names = {
            'certificate': prefix + ('certificate_file' if certificate_path else 'certificate'),
            'private_key': prefix + ('private_key_file' if key_path else 'private_key'),
            'min_days_valid': PREFIX + 'min_days_valid',
        }
        problems = []
        cert = key = None
        try:
            cert = load_certificate(certificate_text, option=names['certificate'])
        except CertificateError as exc:
            problems.extend(exc.problems)
        try:
            key = load_private_key(key_text, option=names['private_key']) if key_text else None
        except CertificateError as exc:
            problems.extend(exc.problems)
        if cert is None or problems:
            self.problems.extend(problems)
            return None
        if state == 'present':
            # The module's own rules (step 1 applies them again); with no call, upload and adoption cannot be told apart.
            self.problems.extend(certificate_problems(cert, key, min_days_valid=min_days_valid, names=names))
        if key_path:
            source: KeySource | None = KeySource(self.host, file=key_path)
        elif key_text:
            source = KeySource(self.host, variable=PREFIX + ('certificates' if where else 'private_key'), index=index if where else None)
        else:
            source = None
        return DeclaredCertificate(
            fingerprint=fingerprint_sha256(cert),
            pem=re_encoded(certificate_text),
            subject=cert.subject.rfc4514_string(),
            issuer=cert.issuer.rfc4514_string(),
            not_after=format_time(not_after(cert)),
            hostnames=hostnames,
            key=source,
            where=where or PREFIX + 'certificate',
        )

    def pem(self, given: Mapping[str, Any], kind: str, prefix: str, required: bool) -> tuple[str | None, str | None]:
        """(text, path) of a certificate or key given as text or as a file on the controller; (None, None) if missing."""
        text, path = given.get(kind), given.get(kind + '_file')
        if text and path:
            self.problem('give %s%s or %s%s_file, not both' % (prefix, kind, prefix, kind))
            return None, None
        if text:
            return str(text), None
        if not path:
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
        hostnames = []
        for position, value in enumerate(given):
            problem = hostname_problem(value, '%s[%d]' % (variable, position))
            self.problem(problem)
            if not problem:
                hostnames.append(normalize_hostname(value))
        return hostnames

    def cross_set_rules(self, declared: list[DeclaredCertificate], zone: str | None) -> None:
        seen_hostnames: dict[str, str] = {}  # hostname -> the variable of the set that named it
        seen_certificates: dict[str, str] = {}  # fingerprint -> the variable
        for item in declared:
            variable = item.where + '.hostnames' if '[' in item.where else PREFIX + 'hostnames'
            self.problem(hostname_limit_problem(len(item.hostnames), item.label, variable))
            for position, hostname in enumerate(item.hostnames):
                if hostname in seen_hostnames:
                    self.problem('%s: %s is already in %s; a hostname uses one certificate' % (variable, hostname, seen_hostnames[hostname]))
                seen_hostnames.setdefault(hostname, variable)
                self.problem(in_zone_problem(hostname, zone, '%s[%d]' % (variable, position)))
            if item.fingerprint in seen_certificates:
                self.problem(
                    '%s.certificate is the same certificate as %s.certificate: give each certificate once, with all its hostnames'
                    % (item.where, seen_certificates[item.fingerprint])
                )
            seen_certificates.setdefault(item.fingerprint, item.where)


def plan_host(
    host: str,
    variables: Mapping[str, Any],
    find_file: FindFile,
    environ: Mapping[str, str] | None = None,
    read_file: ReadFile = read_plain_file,
    check_mode: bool = False,
) -> HostPlan:
    """The plan of one host's role variables (names with the per_hostname_aop_ prefix); raises PlanError.

    find_file(path) -> (absolute path or None, [places searched]); read_file(path) -> bytes, or OSError.
    """
    return _Planner(host, variables, find_file, os.environ if environ is None else environ, read_file, check_mode).plan()
