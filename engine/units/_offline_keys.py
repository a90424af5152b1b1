"""Offline keys end with the access they came from: a transition that ends a unit's access
(gatelock, overlock, pending auction, auction, vacate, an ended window) or a revoked share
revokes the unit's offline keys in the same transaction, and bumps the facility's
revocation list version (locks learn of it from a gateway or any online phone)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, select, update
from sqlmodel import Session

from engine.domain import LifecycleEvent, UnitState
from engine.lifecycle import Outcome
from engine.persistence import connection_of, table_of
from engine.persistence.tables import FacilityLockKey, OfflineKeyRecord

__all__ = ["ends_offline_keys", "live_key_units", "revoke_key_ids", "revoke_offline_keys"]

_key, _offline = table_of(FacilityLockKey), table_of(OfflineKeyRecord)

_ENDING_STATES = frozenset(
    {
        UnitState.GATELOCK,
        UnitState.OVERLOCK,
        UnitState.PENDING_AUCTION,
        UnitState.AUCTION,
        UnitState.AVAILABLE,
    }
)
_ENDING_EVENTS = frozenset({LifecycleEvent.ACCESS_EXPIRED, LifecycleEvent.EMERGENCY_EXPIRED})


def ends_offline_keys(outcome: Outcome) -> str | None:
    """Why an accepted transition revokes the unit's offline keys (None: it does not)."""
    if outcome.conflict is not None:
        return None
    if outcome.changed and outcome.to_state in _ENDING_STATES:
        return f"unit went to {outcome.to_state.value} ({outcome.event.value})"
    if outcome.event in _ENDING_EVENTS:
        return f"unit's window ended ({outcome.event.value})"
    return None


def live_key_units(conn: Connection, facility_ids: Iterable[str], now: datetime) -> set[str]:
    """The units of the facilities that some live (unrevoked, unexpired) offline key came
    from."""
    ids = sorted(set(facility_ids))
    if not ids:
        return set()
    query = select(_offline.c.unit_ids).where(
        _offline.c.facility_id.in_(ids),
        _offline.c.revoked_at.is_(None),
        _offline.c.not_after > now,
    )
    return {unit for (units,) in conn.execute(query) for unit in units or []}


def revoke_offline_keys(
    db: Session | Connection,
    facility_id: str,
    unit_id: str,
    now: datetime,
    reason: str,
    *,
    person_id: str | None = None,
) -> int:
    """Revoke the live offline keys that came from `unit_id` (only `person_id`'s when
    given), in `db`'s transaction; bumps the facility's revocation version when any was.
    Returns how many."""
    conn = connection_of(db)
    query = select(_offline.c.id, _offline.c.unit_ids).where(
        _offline.c.facility_id == facility_id,
        _offline.c.revoked_at.is_(None),
        _offline.c.not_after > now,
    )
    if person_id is not None:
        query = query.where(_offline.c.person_id == person_id)
    ids = [key_id for key_id, units in conn.execute(query) if unit_id in (units or [])]
    return revoke_key_ids(conn, facility_id, ids, now, reason)


def revoke_key_ids(
    db: Session | Connection, facility_id: str, ids: list[int], now: datetime, reason: str
) -> int:
    """Revoke the facility's offline keys `ids` that are not revoked yet, in `db`'s
    transaction; bumps its revocation version when any was. Returns how many."""
    if not ids:
        return 0
    conn = connection_of(db)
    revoked = conn.execute(
        update(_offline)
        .where(
            _offline.c.facility_id == facility_id,
            _offline.c.id.in_(ids),
            _offline.c.revoked_at.is_(None),
        )
        .values(revoked_at=now, revoke_reason=reason[:200])
    ).rowcount
    if revoked:
        conn.execute(
            update(_key)
            .where(_key.c.facility_id == facility_id)
            .values(revocation_version=_key.c.revocation_version + 1)
        )
    return int(revoked)
