# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role per_hostname_aop's second step, in Python (private): the hosts of a play batch that name one zone are
merged into that zone's plan, and the first of them configures it. Hosts that only add hostnames never conflict; what
cannot be merged (a hostname claimed twice, zone settings that differ, Cloudflare's limits) fails every host of the
zone before any write, naming the hosts and the variable."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ansible_collections.aop.cloudflare.plugins.module_utils._rules import certificate_limit_problem, hostname_limit_problem
from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_plan import PREFIX, ZONE_SETTINGS, DeclaredCertificate, HostPlan, KeySource, PlanError

# Hosts named in a message before the rest are counted: messages grow with the conflicts, not with the hosts.
HOSTS_NAMED = 3


def hosts_text(hosts: list[str]) -> str:
    if len(hosts) <= HOSTS_NAMED:
        return ' and '.join([', '.join(hosts[:-1]), hosts[-1]]) if len(hosts) > 1 else hosts[0]
    return '%s and %d more hosts' % (', '.join(hosts[:HOSTS_NAMED]), len(hosts) - HOSTS_NAMED)


@dataclasses.dataclass
class ZonePlan:
    """What the hosts of a batch declare for one zone, merged: the run of that zone applies this."""

    zone: str | None
    zone_id: str | None
    zone_key: str
    settings: dict[str, Any]
    # Declared present: each certificate once, with the hostnames of every host that declares it.
    certificates: list[DeclaredCertificate]
    # Declared absent: hostnames to void, and certificates that no host declares present (deleted when unused).
    void_hostnames: list[str]
    retired: list[DeclaredCertificate]
    # Certificates a host declares absent that another declares present: kept, and the summary says by whom.
    kept_declared: list[dict[str, Any]]
    hosts: list[str]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ZonePlan:
        def declared(items: list[dict[str, Any]]) -> list[DeclaredCertificate]:
            return [DeclaredCertificate(**dict(item, key=KeySource(**item['key']) if item.get('key') else None)) for item in items]

        return cls(**dict(data, certificates=declared(data['certificates']), retired=declared(data['retired'])))


@dataclasses.dataclass
class Assignment:
    configures: bool
    zone: ZonePlan
    message: str


def zone_key(plan: HostPlan, resolved: Mapping[str, str]) -> str:
    """One key per zone, however a host names it: a name resolved to its id where the batch also names zones by id."""
    return resolved[plan.zone].lower() if plan.zone and plan.zone in resolved else plan.zone_key


def assign(host: str, plans: Mapping[str, HostPlan], resolved: Mapping[str, str] | None = None) -> Assignment:
    """Which host configures this host's zone, and the zone's plan merged from every host of the batch that names it.

    plans: {host: plan} of the hosts running the role in this batch, in play order (this host's own included).
    resolved: {zone name: zone id} where the batch names zones both ways. Raises PlanError when the hosts' declarations
    cannot be merged; every host of the zone then fails with the same problems.
    """
    resolved = resolved or {}
    key = zone_key(plans[host], resolved)
    group = [plan for plan in plans.values() if zone_key(plan, resolved) == key]
    zone = merge(key, group, resolved)
    owner = group[0].host
    merged = ' (merged from %d hosts)' % len(group) if len(group) > 1 else ''
    if owner == host:
        return Assignment(True, zone, 'configures zone %s%s' % (key, merged))
    return Assignment(False, zone, 'zone %s is configured by %s%s' % (key, owner, merged))


def merge(key: str, group: list[HostPlan], resolved: Mapping[str, str]) -> ZonePlan:
    problems = _setting_conflicts(key, group)
    claims: dict[str, list[tuple[str, str, str]]] = {}  # hostname -> [(host, state, fingerprint)]
    present: dict[str, DeclaredCertificate] = {}
    absent: dict[str, tuple[DeclaredCertificate, list[str]]] = {}
    for plan in group:
        for item in plan.certificates:
            for hostname in item.hostnames:
                claims.setdefault(hostname, []).append((plan.host, plan.state, item.fingerprint))
            if plan.state == 'present':
                _add_present(present, item)
            else:
                absent.setdefault(item.fingerprint, (item, []))[1].append(plan.host)
    problems += _hostname_conflicts(claims)
    certificates = list(present.values())
    problems.append(
        certificate_limit_problem(len(certificates), '%scertificates of zone %s (merged from %s)' % (PREFIX, key, hosts_text([p.host for p in group])))
    )
    problems += [hostname_limit_problem(len(item.hostnames), item.label, '%shostnames of zone %s' % (PREFIX, key)) for item in certificates]
    if any(problems):
        raise PlanError(*[problem for problem in problems if problem])
    names = {plan.zone for plan in group if plan.zone}
    ids = {plan.zone_id for plan in group if plan.zone_id} | {resolved[name] for name in names if name in resolved}
    return ZonePlan(
        zone=sorted(names)[0] if names else None,
        zone_id=sorted(ids)[0] if ids else None,
        zone_key=key,
        settings=dict(group[0].settings),
        certificates=certificates,
        void_hostnames=list(dict.fromkeys(hostname for hostname, claim in claims.items() if all(state == 'absent' for _host, state, _fp in claim))),
        retired=[item for fingerprint, (item, _hosts) in absent.items() if fingerprint not in present],
        kept_declared=[
            {'fingerprint': fingerprint, 'subject': item.subject, 'declared_absent_by': hosts, 'declared_present_by': _declaring(group, fingerprint)}
            for fingerprint, (item, hosts) in absent.items()
            if fingerprint in present
        ],
        hosts=[plan.host for plan in group],
    )


def _add_present(present: dict[str, DeclaredCertificate], item: DeclaredCertificate) -> None:
    """One certificate declared by several hosts: their hostnames together, and a key wherever one host gives it."""
    known = present.get(item.fingerprint)
    if known is None:
        present[item.fingerprint] = dataclasses.replace(item, hostnames=list(item.hostnames))
        return
    known.hostnames.extend(hostname for hostname in item.hostnames if hostname not in known.hostnames)
    # A file can be read from any host's run; a variable only where it is visible, so a file is preferred.
    if known.key is None or (known.key.file is None and item.key is not None and item.key.file is not None):
        known.key = item.key


def _declaring(group: list[HostPlan], fingerprint: str) -> list[str]:
    return [plan.host for plan in group if plan.state == 'present' and any(item.fingerprint == fingerprint for item in plan.certificates)]


def _setting_conflicts(key: str, group: list[HostPlan]) -> list[str | None]:
    problems: list[str | None] = []
    for field in ZONE_SETTINGS:
        values: dict[str, list[str]] = {}
        for plan in group:
            values.setdefault(repr(plan.settings.get(field)), []).append(plan.host)
        if len(values) > 1:
            problems.append(
                '%s%s differs between the hosts of zone %s: %s; it is a setting of the zone, so give every host that names the zone the same value'
                % (PREFIX, field, key, ', '.join('%s on %s' % (value, hosts_text(hosts)) for value, hosts in values.items()))
            )
    return problems


def _hostname_conflicts(claims: dict[str, list[tuple[str, str, str]]]) -> list[str | None]:
    problems: list[str | None] = []
    for hostname, claim in claims.items():
        by_certificate: dict[str, list[str]] = {}
        for host, state, fingerprint in claim:
            if state == 'present':
                by_certificate.setdefault(fingerprint, []).append(host)
        absent_on = [host for host, state, _fingerprint in claim if state == 'absent']
        if len(by_certificate) > 1:
            problems.append(
                '%s is declared for %d certificates (%s): a hostname uses one certificate; fix %shostnames or the certificate on those hosts'
                % (
                    hostname,
                    len(by_certificate),
                    ', '.join('%s... on %s' % (fingerprint[:23], hosts_text(hosts)) for fingerprint, hosts in by_certificate.items()),
                    PREFIX,
                )
            )
        if by_certificate and absent_on:
            present_on = [host for hosts in by_certificate.values() for host in hosts]
            problems.append(
                '%s is declared present on %s and absent on %s (%sstate): declare it on one side only'
                % (hostname, hosts_text(present_on), hosts_text(absent_on), PREFIX)
            )
    return problems
