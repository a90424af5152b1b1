"""Offline keys (Nokē's digital keys): downloaded on site, they open a person's locks by
Bluetooth alone until the end of the facility's local day at most; and the signed list of
revoked keys that gateways and online phones push to locks.

A key is issued only for the doors the policy lets the person through at issue time (the
same evaluation as an access request, recorded in the facility's audit chain), and ends no
later than any time-bounded right it rests on (a share's end, an auction window, an
emergency window, today's access hours). Transitions that end a unit's access revoke the
keys that came from it (`engine.units._offline_keys`).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from engine.access import AccessPoint, Caller, SiteFacts, company_facility
from engine.audit import AuditLog
from engine.domain import Channel, DoorKind
from engine.errors import InvalidInputError, NotFoundError, PermissionDeniedError, RefusedError
from engine.levels import compiled_levels
from engine.locks._keys import facility_key, material
from engine.locks._port import KeyMaterial, LockSigner
from engine.persistence.tables import (
    AuctionGrant,
    Door,
    Facility,
    FacilityLockKey,
    KeyShare,
    LockDevice,
    OfflineKeyRecord,
    Unit,
)
from engine.policy import CompiledPolicy
from engine.units import revoke_key_ids

__all__ = [
    "MAX_KEY_LOCKS",
    "MAX_LISTED_REVOCATIONS",
    "IssuedKey",
    "issue_offline_key",
    "parse_phone_key",
    "revocation_frame",
    "revocation_list",
    "revoke_key",
]

MAX_KEY_LOCKS = 8
"""The most locks one key names (the protocol's limit: specs/lock-protocol.md)."""
MAX_LISTED_REVOCATIONS = 100
"""The most ids one signed revocation list holds (the protocol's limit)."""
OFFLINE_KEY_KIND = "offline_key_issued"
"""The audit entry of an issued key."""


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A key just issued: its record and the signed credential the phone stores."""

    record: OfflineKeyRecord
    credential: bytes
    doors: list[str]
    """The ids of the doors it opens."""


def parse_phone_key(value: str) -> bytes:
    """The phone's 32-byte Ed25519 public key from hex or base64."""
    raw: bytes | None = None
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raw = None
    if raw is None or len(raw) != 32:
        raise InvalidInputError(
            "`phone_public_key` is not a 32-byte key",
            help="send the phone's Ed25519 public key as 64 hex digits or base64",
        )
    return raw


def _hours_end(now: datetime, facility: Facility) -> datetime | None:
    """When today's access hours end (None: open around the clock)."""
    opens, closes = facility.access_opens, facility.access_closes
    if opens == closes:
        return None
    zone = ZoneInfo(facility.timezone)
    local = now.astimezone(zone)
    end = datetime.combine(local.date(), closes, tzinfo=zone)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), closes, tzinfo=zone)
    return end


def _level_ends(session: Session, facility: Facility, now: datetime) -> list[datetime]:
    """When the windows of the facility's access levels open now close. A key never
    outlives a schedule it was issued under: conservatively, it ends when the first of them
    closes (asking again online gives the next one)."""
    if not facility.levels_version:
        return []  # the implicit level: the facility's hours, `_hours_end`
    levels = compiled_levels(session.connection(), facility.id, facility.levels_version)
    ends = []
    for level in levels.by_id.values():
        end = level.schedule.open_until(now, facility.timezone)
        if end is not None and end > now:
            ends.append(end)
    return ends


def _right_ends(session: Session, via: str, unit_id: str | None, now: datetime) -> list[datetime]:
    """The ends of the time-bounded rights an allowed request rests on."""
    ends: list[datetime] = []
    kind, _, ref = via.partition(":")
    if kind == "share":
        share = session.get(KeyShare, ref)
        if share is not None and share.expires_at is not None:
            ends.append(share.expires_at)
    elif kind == "grant":
        grant = session.get(AuctionGrant, ref)
        if grant is not None:
            ends.append(grant.window_end)
    if unit_id is not None:
        unit = session.get(Unit, unit_id)
        if unit is not None:
            ends += [t for t in (unit.emergency_until, unit.access_until) if t is not None]
    return [t for t in ends if t > now]


def issue_offline_key(
    session: Session,
    access: AccessPoint,
    audit: AuditLog,
    signer: LockSigner,
    policy: CompiledPolicy,
    caller: Caller,
    *,
    facility_id: str,
    phone_public: bytes,
    now: datetime,
) -> IssuedKey:
    """A key for every door of the facility that the policy lets `caller` through now
    (entry points first, `MAX_KEY_LOCKS` at most), recorded and audited in `session`'s
    transaction; `RefusedError` saying why when no door would open."""
    if caller.is_employee:
        raise PermissionDeniedError(
            "offline keys are for tenants, shared users and auction winners",
            help="employees open doors online",
        )
    facility = company_facility(session, caller, facility_id)
    rows = session.exec(
        select(Door, LockDevice)
        .join(LockDevice, col(LockDevice.id) == col(Door.lock_ref))
        .where(
            col(Door.facility_id) == facility.id,
            col(Door.removed_at).is_(None),
            col(LockDevice.facility_id) == facility.id,
        )
        .order_by(col(Door.name))
    ).all()
    if not rows:
        raise RefusedError(
            f"facility `{facility.name}` has no registered Bluetooth locks",
            help="open its doors online with an access request",
        )
    allowed: list[tuple[Door, LockDevice]] = []
    units: set[str] = set()
    ends = [t for t in (_hours_end(now, facility),) if t is not None]
    ends += _level_ends(session, facility, now)
    refusals: list[str] = []
    for door, lock in rows:
        site = SiteFacts.of(door, facility)
        preview = access.preview(session, caller, site, Channel.PHONE_RELAY, policy, now=now)
        if not preview.decision.allowed:
            refusals.append(f"{door.name}: {preview.decision.reason}")
            continue
        allowed.append((door, lock))
        for ev in preview.evaluations:
            if ev.decision.allowed:
                if ev.candidate.unit_id is not None:
                    units.add(ev.candidate.unit_id)
                ends += _right_ends(session, ev.candidate.via, ev.candidate.unit_id, now)
    if not allowed:
        raise RefusedError(
            "no door of this facility would open for you now, so no offline key: "
            + "; ".join(refusals)[:400],
            help="ask again when you may enter; the reasons say what to do",
        )
    # Entry points first: a unit's lock is reached through them.
    allowed.sort(key=lambda dl: (DoorKind(dl[0].kind) is DoorKind.UNIT_LOCK, dl[0].name))
    allowed = allowed[:MAX_KEY_LOCKS]
    locks = list(dict.fromkeys(lock.id for _, lock in allowed))
    key = material(facility_key(session, facility.id, signer.public_of, now))
    record = OfflineKeyRecord(
        facility_id=facility.id,
        person_id=caller.person_id,
        phone_public=phone_public.hex(),
        locks=locks,
        unit_ids=sorted(units),
        not_before=now,
        not_after=now,  # set below, from the signed credential
        issued_at=now,
    )
    session.add(record)
    session.flush()
    # INVARIANT: the flush assigned the key's id.
    assert record.id is not None
    credential, not_after = signer.offline_key(
        key,
        facility.timezone,
        key_id=record.id,
        person_id=caller.person_id,
        phone_public=phone_public,
        locks=locks,
        now=now,
        until=min(ends) if ends else None,
    )
    record.not_after = not_after
    session.add(record)
    audit.append(
        session,
        facility_id=facility.id,
        at=now,
        kind=OFFLINE_KEY_KIND,
        actor=caller.actor,
        subject=caller.person_id,
        payload={
            "key_id": record.id,
            "locks": locks,
            "doors": [door.id for door, _ in allowed],
            "unit_ids": record.unit_ids,
            "not_after": not_after,
            "policy_version": policy.version,
        },
    )
    session.flush()
    return IssuedKey(record, credential, [door.id for door, _ in allowed])


def revoke_key(
    session: Session, facility_id: str, key_id: int, now: datetime, actor: str
) -> tuple[OfflineKeyRecord, bool]:
    """Revoke offline key `key_id` of the facility, bumping its list version; the key and
    whether this call revoked it (revoking twice changes nothing)."""
    record = session.get(OfflineKeyRecord, key_id)
    if record is None or record.facility_id != facility_id:
        raise NotFoundError(f"no offline key `{key_id}`")
    if record.revoked_at is not None:
        return record, False
    revoke_key_ids(session, facility_id, [key_id], now, f"revoked by {actor}")
    session.refresh(record)
    return record, True


def revocation_list(session: Session, facility_id: str, now: datetime) -> tuple[int, list[int]]:
    """The facility's current revocation list: its version and the ids of the offline keys
    revoked and not yet expired (`MAX_LISTED_REVOCATIONS` at most, those ending last)."""
    row = session.get(FacilityLockKey, facility_id)
    version = row.revocation_version if row is not None else 0
    ids = session.exec(
        select(OfflineKeyRecord.id)
        .where(
            col(OfflineKeyRecord.facility_id) == facility_id,
            col(OfflineKeyRecord.revoked_at).is_not(None),
            col(OfflineKeyRecord.not_after) > now,
        )
        .order_by(col(OfflineKeyRecord.not_after).desc(), col(OfflineKeyRecord.id))
        .limit(MAX_LISTED_REVOCATIONS)
    ).all()
    return version, sorted(int(i) for i in ids if i is not None)


def revocation_frame(
    session: Session, signer: LockSigner, key: KeyMaterial, facility_id: str, now: datetime
) -> tuple[int, list[int], bytes]:
    """The current list signed with the facility's `key`: (version, key ids, frame)."""
    version, ids = revocation_list(session, facility_id, now)
    return version, ids, signer.revocations(key, version=version, issued_at=now, key_ids=ids)
