"""State of the emulated zones (certificates, hostname associations, tls_client_auth) and the rules acting on it.

Everything runs under one lock; writes are validated completely before anything changes, then saved to the
optional state file (atomically). Uploaded private keys stay in memory only, for the edge's pulls: they are never
saved, dumped or answered, so a certificate loaded from the state file has none.
"""

import dataclasses
import hashlib
import json
import os
import re
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from . import errors
from .certs import describe_pem, inspect_upload
from .errors import APIError

MAX_CERTIFICATES_PER_ZONE = 10
MAX_ASSOCIATIONS_PER_CERTIFICATE = 100
STATE_VERSION = 1
ZONE_CREATED_ON = "2024-01-01T00:00:00.000000Z"
ACCOUNT = {"id": "e4c1b8a0f5d94c3bb0a1d2c3e4f5a6b7", "name": "Emulator account"}
NAME_SERVERS = ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"]
HOSTNAME_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def zone_id_for(name):
    """Deterministic zone id (md5 of the name), so restarts with the same state file agree."""
    return hashlib.md5(name.encode("utf-8")).hexdigest()


def rfc3339(epoch):
    """RFC 3339 UTC with microseconds, like the API's uploaded_on: 2019-10-28T18:11:23.374110Z."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rfc3339_seconds(moment):
    """RFC 3339 UTC without fraction, like the API's expires_on: 2100-01-01T05:20:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_valid_hostname(hostname):
    """Plain DNS hostname (no wildcard, no trailing dot), at most 253 characters."""
    return 0 < len(hostname) <= 253 and all(HOSTNAME_LABEL.match(label) for label in hostname.split("."))


@dataclass
class Certificate:
    """An uploaded hostname client certificate; private_key (in memory only) is None when loaded from saved state."""

    id: str
    details: object
    uploaded_at: float
    deleted_at: float | None = None
    private_key: object = field(default=None, repr=False)


@dataclass
class Association:
    """Hostname -> certificate link; enabled is True, False, or None (voided, kept only in void_mode=null)."""

    hostname: str
    cert_id: str
    enabled: bool | None
    created_at: float
    updated_at: float


@dataclass
class Zone:
    """One zone with its AOP objects and its tls_client_auth setting."""

    id: str
    name: str
    tls_client_auth: str = "off"
    tls_client_auth_modified_at: float | None = None
    certificates: dict = field(default_factory=dict)
    associations: dict = field(default_factory=dict)


class Store:
    """The emulator's data and the API's rules on it; methods return JSON-ready results or raise APIError."""

    def __init__(self, zone_names, config, state_file=None, clock=time.time):
        self._config = config
        self._clock = clock
        self._state_file = state_file
        self._lock = threading.RLock()
        self._zone_names = [name.lower() for name in zone_names]
        self._zones = {}
        self.reset(save=False)
        if state_file and os.path.exists(state_file):
            self._load(state_file)
        self._save()

    # ----- status rules -------------------------------------------------------------------------------------

    def certificate_status(self, certificate, now):
        """initializing (first half of activation_seconds), pending_deployment, then active; after DELETE,
        pending_deletion for deletion_seconds (default: activation_seconds), then deleted (and purged)."""
        activation = self._config.activation_seconds
        if certificate.deleted_at is not None:
            return "pending_deletion" if now < certificate.deleted_at + self._config.deletion_window else "deleted"
        elapsed = now - certificate.uploaded_at
        if elapsed >= activation:
            return "active"
        return "initializing" if elapsed < activation / 2 else "pending_deployment"

    def _certificate_updated_at(self, certificate):
        # The last status change: deletion, activation, or the upload itself.
        if certificate.deleted_at is not None:
            return certificate.deleted_at
        return certificate.uploaded_at + self._config.activation_seconds

    def _sweep(self, zone, now):
        """Purge certificates whose deletion finished, with the voided associations still naming them."""
        gone = [cid for cid, cert in zone.certificates.items() if self.certificate_status(cert, now) == "deleted"]
        for cert_id in gone:
            del zone.certificates[cert_id]
        if gone:
            zone.associations = {name: assoc for name, assoc in zone.associations.items() if assoc.cert_id not in gone}

    # ----- views --------------------------------------------------------------------------------------------

    def _zone_view(self, zone):
        return {
            "id": zone.id,
            "name": zone.name,
            "status": "active",
            "paused": False,
            "type": "full",
            "development_mode": 0,
            "name_servers": list(NAME_SERVERS),
            "original_name_servers": None,
            "original_registrar": None,
            "original_dnshost": None,
            "created_on": ZONE_CREATED_ON,
            "modified_on": ZONE_CREATED_ON,
            "activated_on": ZONE_CREATED_ON,
            "account": dict(ACCOUNT),
            "owner": {"id": None, "type": "user", "email": None},
            "permissions": ["#ssl:read", "#ssl:edit", "#zone_settings:read", "#zone_settings:edit"],
            "plan": {
                "id": "94f3b7b768b0458b56d2cac4fe5ec0f9",
                "name": "Enterprise Website",
                "legacy_id": "enterprise",
                "is_subscribed": True,
                "can_subscribe": False,
                "externally_managed": False,
            },
        }

    def _certificate_view(self, certificate, now):
        details = certificate.details
        return {
            "id": certificate.id,
            "certificate": details.pem,
            "issuer": details.issuer,
            "serial_number": details.serial_number,
            "signature": details.signature,
            "status": self.certificate_status(certificate, now),
            "expires_on": rfc3339_seconds(details.expires_at),
            "uploaded_on": rfc3339(certificate.uploaded_at),
        }

    def _association_view(self, association, certificate, now):
        """Association with its certificate's fields; status and cert_status both follow the certificate."""
        details = certificate.details
        status = self.certificate_status(certificate, now)
        return {
            "hostname": association.hostname,
            "cert_id": association.cert_id,
            "enabled": association.enabled,
            "status": status,
            "cert_status": status,
            "certificate": details.pem,
            "issuer": details.issuer,
            "serial_number": details.serial_number,
            "signature": details.signature,
            "expires_on": rfc3339_seconds(details.expires_at),
            "created_at": rfc3339(association.created_at),
            "updated_at": rfc3339(association.updated_at),
            "cert_uploaded_on": rfc3339(certificate.uploaded_at),
            "cert_updated_at": rfc3339(self._certificate_updated_at(certificate)),
        }

    def _setting_view(self, zone):
        modified = zone.tls_client_auth_modified_at
        return {"id": "tls_client_auth", "value": zone.tls_client_auth, "editable": True, "modified_on": rfc3339(modified) if modified is not None else None}

    # ----- zones --------------------------------------------------------------------------------------------

    def zone_ids(self):
        """{zone name: zone id}."""
        with self._lock:
            return {zone.name: zone.id for zone in self._zones.values()}

    def list_zones(self, name=None):
        """Zone objects, optionally only the one called `name`."""
        with self._lock:
            zones = [zone for zone in self._zones.values() if name is None or zone.name == name.lower()]
            return [self._zone_view(zone) for zone in zones]

    def _zone(self, zone_id):
        zone = self._zones.get(zone_id)
        if zone is None:
            raise APIError(404, errors.INVALID_ZONE, "Invalid zone identifier")
        self._sweep(zone, self._clock())
        return zone

    # ----- step 1: certificates -----------------------------------------------------------------------------

    def list_certificates(self, zone_id):
        """Certificate objects of the zone (the 2026 list shape), oldest first, including pending_deletion."""
        with self._lock:
            zone, now = self._zone(zone_id), self._clock()
            return [self._certificate_view(cert, now) for cert in zone.certificates.values()]

    def upload_certificate(self, zone_id, body):
        """Validate {certificate, private_key}; refuse duplicates (by leaf DER) and the 11th certificate."""
        certificate_pem, private_key_pem = _upload_fields(body)
        with self._lock:
            zone = self._zone(zone_id)
            details, private_key = inspect_upload(certificate_pem, private_key_pem)
            if any(cert.details.fingerprint == details.fingerprint for cert in zone.certificates.values()):
                raise APIError(400, errors.CERT_ALREADY_EXISTS, "This certificate already exists for this zone.")
            if len(zone.certificates) >= MAX_CERTIFICATES_PER_ZONE:
                raise APIError(400, errors.CERT_LIMIT_REACHED, f"This zone already has the maximum of {MAX_CERTIFICATES_PER_ZONE} hostname certificates.")
            now = self._clock()
            certificate = Certificate(id=str(uuid.uuid4()), details=details, uploaded_at=now, private_key=private_key)
            zone.certificates[certificate.id] = certificate
            self._save()
            return self._certificate_view(certificate, now)

    def _certificate(self, zone, cert_id):
        certificate = zone.certificates.get(cert_id.lower()) if isinstance(cert_id, str) else None
        if certificate is None:
            raise APIError(404, errors.CERT_NOT_FOUND, "Certificate not found.")
        return certificate

    def get_certificate(self, zone_id, cert_id):
        """One certificate object."""
        with self._lock:
            zone = self._zone(zone_id)
            return self._certificate_view(self._certificate(zone, cert_id), self._clock())

    def delete_certificate(self, zone_id, cert_id):
        """Start the deletion, unless the certificate is already going (1414), still deploying (1434), or a
        (non-voided) association still names it (1433): its own state is checked before its references."""
        with self._lock:
            zone = self._zone(zone_id)
            certificate, now = self._certificate(zone, cert_id), self._clock()
            status = self.certificate_status(certificate, now)
            if status == "pending_deletion":
                raise APIError(400, errors.CERT_PENDING_DELETION, "This certificate is already pending deletion.")
            # Users of the live API saw 1434 on deleting a certificate still being deployed: try again once active.
            if status in ("initializing", "pending_deployment"):
                raise APIError(400, errors.CERT_DEPLOYING, f"This certificate is still being deployed ({status}); delete it once it is active.")
            if any(assoc.cert_id == certificate.id and assoc.enabled is not None for assoc in zone.associations.values()):
                raise APIError(400, errors.CERT_IN_USE, "This certificate is still in use by a hostname; void its associations first.")
            certificate.deleted_at = now
            self._save()
            return self._certificate_view(certificate, now)

    # ----- step 3: hostname associations --------------------------------------------------------------------

    def put_associations(self, zone_id, body):
        """Apply {config: [{hostname, cert_id, enabled}]} atomically; answer the submitted hostnames."""
        with self._lock:
            zone = self._zone(zone_id)
            items = _config_items(body, zone.name)
            now = self._clock()
            for item in items:
                self._usable_certificate(zone, item["cert_id"], now)
            associations = dict(zone.associations)
            results = [self._apply_item(associations, zone.associations.get(item["hostname"]), item, now) for item in items]
            _check_association_limits(associations, {item["cert_id"] for item in items})
            zone.associations = associations
            self._save()
            return [self._association_view(assoc, zone.certificates[assoc.cert_id], now) for assoc in results]

    def _usable_certificate(self, zone, cert_id, now):
        certificate = zone.certificates.get(cert_id)
        if certificate is None or self.certificate_status(certificate, now) == "deleted":
            raise APIError(400, errors.CERT_ID_INVALID, "Certificate ID in request is either invalid or the certificate has been deleted")
        if certificate.deleted_at is not None:
            raise APIError(400, errors.CERT_PENDING_DELETION, f"Certificate {cert_id} is pending deletion.")
        return certificate

    def _apply_item(self, associations, previous, item, now):
        """Set or void one hostname in `associations`; return the association to answer with."""
        hostname, enabled = item["hostname"], item["enabled"]
        created_at = previous.created_at if previous is not None and previous.enabled is not None else now
        association = Association(hostname=hostname, cert_id=item["cert_id"], enabled=enabled, created_at=created_at, updated_at=now)
        if enabled is not None:
            associations[hostname] = association
        elif self._config.void_mode == "null" and previous is not None:
            associations[hostname] = association
        else:
            associations.pop(hostname, None)
        return association

    def list_associations(self, zone_id, statuses=None):
        """The zone's associations as the per-hostname GET shows them (voided ones too in void_mode=null), ordered by
        hostname; only those whose status is in `statuses` unless it is None."""
        with self._lock:
            zone, now = self._zone(zone_id), self._clock()
            views = [self._association_view(assoc, zone.certificates[assoc.cert_id], now) for _name, assoc in sorted(zone.associations.items())]
            return [view for view in views if statuses is None or view["status"] in statuses]

    def get_association(self, zone_id, hostname):
        """One association; 404 (1553) when the hostname was never configured or its association was removed."""
        with self._lock:
            zone = self._zone(zone_id)
            association = zone.associations.get(hostname.lower())
            if association is None:
                raise APIError(404, errors.ASSOCIATION_NOT_FOUND, f"Hostname association not found for {hostname}.")
            return self._association_view(association, zone.certificates[association.cert_id], self._clock())

    # ----- the edge ----------------------------------------------------------------------------------------------

    def edge_certificate(self, hostname):
        """The certificate the edge presents to the origin of `hostname`: that of its enabled association once the
        certificate is active, else None. 400 when the hostname is in no zone; 409 when the certificate's private key
        is not in memory (loaded from the state file)."""
        hostname = hostname.lower()
        with self._lock:
            zones = [zone for zone in self._zones.values() if hostname == zone.name or hostname.endswith("." + zone.name)]
            if not zones:
                raise APIError(400, errors.INVALID_HOSTNAME, f"{hostname} is in no zone of this emulator.")
            zone = self._zone(max(zones, key=lambda zone: len(zone.name)).id)
            now = self._clock()
            association = zone.associations.get(hostname)
            if association is None or association.enabled is not True:
                return None
            certificate = zone.certificates[association.cert_id]
            if self.certificate_status(certificate, now) != "active":
                return None
            if certificate.private_key is None:
                raise APIError(
                    409,
                    errors.PRIVATE_KEY_NOT_IN_MEMORY,
                    f"Certificate {certificate.id} of {hostname} has no private key: keys are kept in memory "
                    "only and this one was loaded from the --state file. Void its associations, delete it "
                    "and upload it again to pull with it.",
                )
            return certificate

    # ----- step 2: tls_client_auth --------------------------------------------------------------------------

    def get_setting(self, zone_id):
        """The tls_client_auth setting."""
        with self._lock:
            return self._setting_view(self._zone(zone_id))

    def patch_setting(self, zone_id, body):
        """Set tls_client_auth to "on" or "off"."""
        with self._lock:
            zone = self._zone(zone_id)
            value = body.get("value") if isinstance(body, dict) else None
            if value not in ("on", "off"):
                raise APIError(400, errors.INVALID_SETTING_VALUE, "Invalid value for zone setting tls_client_auth")
            zone.tls_client_auth = value
            zone.tls_client_auth_modified_at = self._clock()
            self._save()
            return self._setting_view(zone)

    # ----- control: reset, dump, persistence ----------------------------------------------------------------

    def reset(self, save=True):
        """Back to the configured zones with nothing in them."""
        with self._lock:
            self._zones = {}
            for name in self._zone_names:
                self._add_zone(name)
            if save:
                self._save()

    def _add_zone(self, name):
        zone = Zone(id=zone_id_for(name), name=name)
        self._zones.setdefault(zone.id, zone)
        return self._zones[zone.id]

    def dump(self):
        """Everything, as API views (never a private key)."""
        with self._lock:
            now = self._clock()
            zones = []
            for zone in self._zones.values():
                self._sweep(zone, now)
                zones.append(
                    {
                        "id": zone.id,
                        "name": zone.name,
                        "settings": {"tls_client_auth": self._setting_view(zone)},
                        "certificates": [
                            self._certificate_view(cert, now) | {"deleted_at": _maybe_rfc3339(cert.deleted_at)} for cert in zone.certificates.values()
                        ],
                        "associations": [self._association_view(assoc, zone.certificates[assoc.cert_id], now) for assoc in zone.associations.values()],
                    }
                )
            return {"zones": zones}

    def _serialise(self):
        return {
            "version": STATE_VERSION,
            "zones": [
                {
                    "name": zone.name,
                    "tls_client_auth": {"value": zone.tls_client_auth, "modified_at": zone.tls_client_auth_modified_at},
                    "certificates": [
                        {"id": cert.id, "certificate": cert.details.pem, "uploaded_at": cert.uploaded_at, "deleted_at": cert.deleted_at}
                        for cert in zone.certificates.values()
                    ],
                    "associations": [dataclasses.asdict(assoc) for assoc in zone.associations.values()],
                }
                for zone in self._zones.values()
            ],
        }

    def _save(self):
        """Write the state file atomically (temp file in the same directory, then rename)."""
        if not self._state_file:
            return
        directory = os.path.dirname(os.path.abspath(self._state_file))
        handle, temp_path = tempfile.mkstemp(prefix=".emulator-state-", dir=directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(self._serialise(), stream, indent=1)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temp_path, self._state_file)
        except BaseException:
            os.unlink(temp_path)
            raise

    def _load(self, path):
        with open(path, encoding="utf-8") as stream:
            saved = json.load(stream)
        if saved.get("version") != STATE_VERSION:
            raise ValueError(f"{path}: unsupported state version {saved.get('version')!r}")
        for saved_zone in saved["zones"]:
            zone = self._add_zone(saved_zone["name"])
            setting = saved_zone["tls_client_auth"]
            zone.tls_client_auth, zone.tls_client_auth_modified_at = setting["value"], setting["modified_at"]
            for cert in saved_zone["certificates"]:
                zone.certificates[cert["id"]] = Certificate(
                    id=cert["id"], details=describe_pem(cert["certificate"]), uploaded_at=cert["uploaded_at"], deleted_at=cert["deleted_at"]
                )
            for assoc in saved_zone["associations"]:
                zone.associations[assoc["hostname"]] = Association(**assoc)


def _maybe_rfc3339(epoch):
    return rfc3339(epoch) if epoch is not None else None


def _upload_fields(body):
    """certificate and private_key, both required non-empty strings."""
    if not isinstance(body, dict):
        raise errors.invalid_request("Request body must be a JSON object.")
    for name in ("certificate", "private_key"):
        if name not in body:
            raise errors.invalid_request(f"{name} is required.")
        if not isinstance(body[name], str) or not body[name].strip():
            raise errors.invalid_request(f"{name} must be a non-empty PEM string.")
    return body["certificate"], body["private_key"]


def _config_items(body, zone_name):
    """Validate the PUT body; return items with normalised hostname and cert_id."""
    if not isinstance(body, dict) or "config" not in body:
        raise errors.invalid_request("config is required.")
    config = body["config"]
    if not isinstance(config, list) or not config:
        raise errors.invalid_request("config must be a non-empty array.")
    items, seen = [], set()
    for index, raw in enumerate(config):
        item = _config_item(index, raw, zone_name)
        if item["hostname"] in seen:
            raise errors.invalid_request(f"config[{index}].hostname: {item['hostname']} appears more than once.")
        seen.add(item["hostname"])
        items.append(item)
    return items


def _config_item(index, raw, zone_name):
    where = f"config[{index}]"
    if not isinstance(raw, dict):
        raise errors.invalid_request(f"{where} must be an object.")
    for name in ("hostname", "cert_id", "enabled"):
        if name not in raw:
            raise errors.invalid_request(f"{where}.{name} is required.")
    hostname, cert_id, enabled = raw["hostname"], raw["cert_id"], raw["enabled"]
    if not isinstance(hostname, str):
        raise errors.invalid_request(f"{where}.hostname must be a string.")
    if not isinstance(cert_id, str):
        raise errors.invalid_request(f"{where}.cert_id must be a string.")
    if enabled is not None and not isinstance(enabled, bool):
        raise errors.invalid_request(f"{where}.enabled must be true, false or null.")
    hostname = hostname.lower()
    if not is_valid_hostname(hostname):
        raise APIError(400, errors.INVALID_HOSTNAME, f"{where}.hostname: {raw['hostname']!r} is not a valid hostname.")
    if hostname != zone_name and not hostname.endswith("." + zone_name):
        raise APIError(400, errors.INVALID_HOSTNAME, f"{where}.hostname: {hostname} is not in zone {zone_name}.")
    return {"hostname": hostname, "cert_id": cert_id.lower(), "enabled": enabled}


def _check_association_limits(associations, cert_ids):
    for cert_id in cert_ids:
        count = sum(1 for assoc in associations.values() if assoc.cert_id == cert_id and assoc.enabled is not None)
        if count > MAX_ASSOCIATIONS_PER_CERTIFICATE:
            raise APIError(
                400,
                errors.ASSOCIATION_LIMIT_REACHED,
                f"Certificate {cert_id} would have {count} hostname associations; the maximum is {MAX_ASSOCIATIONS_PER_CERTIFICATE}.",
            )
