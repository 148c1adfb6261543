# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the role per_hostname_aop's steps send, from the zone's plan and the results of the steps before, and the
role's closing report (private). The role's filters and its key lookup call these."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ansible_collections.aop.cloudflare.plugins.module_utils._certificate import parse_time
from ansible_collections.aop.cloudflare.plugins.module_utils._rules import UNKNOWN_CERT_ID
from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_plan import KeySource
from ansible_collections.aop.cloudflare.plugins.plugin_utils._role_zone import ZonePlan, hosts_text

# Hostnames named in a line of the report before the rest are counted.
HOSTNAMES_NAMED = 3


def uploads(zone: ZonePlan, read_key: Callable[[KeySource], str | None]) -> list[dict[str, Any]]:
    """Step 1's certificates, each with its private key read where the plan says (None when no host gave one: check mode)."""
    return [{'certificate': item.pem, 'private_key': read_key(item.key) if item.key else None} for item in zone.certificates]


def association_config(zone: ZonePlan, certificates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Step 3's config: the hostnames of each declared certificate with the id step 1 returned for it, then the
    hostnames declared absent, voided, all in one call. One item per certificate, not per hostname: Ansible templates
    the arguments and the module checks them item by item, which costs more than the call for a zone of 1,000."""
    config = [
        {'hostnames': list(item.hostnames), 'cert_id': certificate['id'], 'state': 'enabled'} for item, certificate in zip(zone.certificates, certificates)
    ]
    return config + ([{'hostnames': list(zone.void_hostnames), 'state': 'absent'}] if zone.void_hostnames else [])


def _names(hostnames: list[str]) -> str:
    if len(hostnames) <= HOSTNAMES_NAMED:
        return ', '.join(hostnames)
    return '%s and %d more' % (', '.join(hostnames[:HOSTNAMES_NAMED]), len(hostnames) - HOSTNAMES_NAMED)


def cleanup(zone: ZonePlan, certificates: Mapping[str, Any], associations: Mapping[str, Any]) -> dict[str, Any]:
    """Which certificates the role deletes, which it keeps and why, and which it only reports.

    Deleted (with per_hostname_aop_delete_released_certificates, or when declared absent), once no association on
    the zone uses them and no host declares them present:
    - those the declared hostnames used before this run and no longer use (step 3's released_cert_ids);
    - those declared absent by a host;
    - older generations of a declared certificate an interrupted rotation left: same subject and issuer, an earlier
      end of validity, all read from the certificates themselves; a certificate without its PEM matches nothing;
    - with per_hostname_aop_exclusive, every other certificate of the zone.
    Whether an association uses a certificate is known for the whole zone when step 3 read the association listing;
    otherwise only for the declared hostnames, and Cloudflare's refusal (1433) is the last word.
    """
    settings = zone.settings
    declared = {certificate.get('id') for certificate in certificates.get('certificates') or [] if certificate}
    in_use: dict[str, list[str]] = associations.get('certificates_in_use') or {}
    complete = bool(associations.get('associations_complete'))
    generations = {(item.subject, item.issuer): parse_time(item.not_after) for item in zone.certificates}
    retired = {item.fingerprint for item in zone.retired}

    candidates: dict[str, str] = {}  # id -> why it goes
    others = [other for other in certificates.get('other_certificates') or [] if other.get('id') not in declared]
    released = set(associations.get('released_cert_ids') or [])
    for other in others:
        if other.get('status') == 'pending_deletion':
            continue
        newer = generations.get((other.get('subject'), other.get('issuer_dn')))
        older = parse_time(other.get('not_after'))
        if other.get('fingerprint_sha256') in retired:
            candidates[other['id']] = 'declared absent'
        elif settings['delete_released_certificates'] and other['id'] in released:
            candidates[other['id']] = 'its hostnames moved to another certificate'
        elif settings['delete_released_certificates'] and newer is not None and older is not None and older < newer:
            candidates[other['id']] = 'an older generation of a declared certificate'
        elif settings['exclusive']:
            candidates[other['id']] = 'not declared (per_hostname_aop_exclusive)'

    delete, deleted, kept, leftovers = [], [], [], []
    for other in others:
        used_by = in_use.get(other['id']) or []
        if other['id'] in candidates:
            if used_by:
                kept.append('kept certificate %s (%s): still used by %s' % (other['id'], other.get('subject') or 'no PEM', _names(used_by)))
            else:
                delete.append({'id': other['id']})
                deleted.append('deleted certificate %s (%s): %s' % (other['id'], other.get('subject') or 'no PEM', candidates[other['id']]))
        elif complete and not used_by and other.get('status') != 'pending_deletion':
            leftovers.append(
                'leftover certificate %s (%s, expires %s): no association uses it and no host declares it; delete it with '
                'per_hostname_aop_exclusive: true, or aop.cloudflare.hostname_client_cert (state=absent, id=%s)'
                % (other['id'], other.get('subject') or 'no PEM', other.get('expires_on'), other['id'])
            )
    kept += [
        'kept certificate %s: declared absent by %s, and present by %s'
        % (item['subject'], hosts_text(item['declared_absent_by']), hosts_text(item['declared_present_by']))
        for item in zone.kept_declared
    ]
    # delete is in the form O(aop.cloudflare.hostname_client_cert#module:certificates) takes; the rest are report lines.
    return {'delete': delete, 'deleted': deleted, 'kept': kept, 'leftovers': leftovers}


def summary(zone: ZonePlan, certificates: Mapping[str, Any], associations: Mapping[str, Any], tidy: Mapping[str, Any], full: bool = False) -> list[str]:
    """The role's closing report: a line per certificate, then what changed (every hostname when full)."""
    by_certificate: dict[str | None, int] = {}
    for association in associations.get('hostnames') or []:
        if association.get('state') != 'absent':
            by_certificate[association.get('cert_id')] = by_certificate.get(association.get('cert_id'), 0) + 1
    lines = []
    for item, certificate in zip(zone.certificates, certificates.get('certificates') or []):
        lines.append(
            '%s: certificate %s, %s, expires %s, %d hostname(s) enabled'
            % (item.label, certificate['id'], certificate['status'], item.not_after, by_certificate.get(certificate['id'], 0))
        )
    changed = associations.get('changed_hostnames') or []
    void = set(zone.void_hostnames) | set(associations.get('voided_undeclared') or [])
    voided = [hostname for hostname in changed if hostname in void]
    if voided:
        lines.append('%d hostname(s) voided: %s' % (len(voided), _names(voided)))
    shown = [association for association in associations.get('hostnames') or [] if full or association['hostname'] in changed]
    for association in shown:
        certificate = ' with certificate %s' % association['cert_id'] if association.get('cert_id') else ''
        status = ', status %s' % association['status'] if association.get('status') and association['cert_id'] != UNKNOWN_CERT_ID else ''
        lines.append(
            '%s %s: %s%s%s'
            % ('changed' if association['hostname'] in changed else 'unchanged', association['hostname'], association['state'], certificate, status)
        )
    lines += list(tidy.get('deleted') or []) + list(tidy.get('kept') or []) + list(tidy.get('leftovers') or [])
    if not full and not changed:
        lines.append('no hostname changed')
    reads = associations.get('association_reads') or {}
    if full and reads.get('used') == 'list':
        lines.append('associations read with the listing (%d page(s); %d hostname(s) confirmed one by one)' % (reads['pages'], reads['confirmed_per_hostname']))
    elif full and reads.get('used'):
        lines.append('associations read one by one (%s)' % reads.get('reason'))
    return lines
