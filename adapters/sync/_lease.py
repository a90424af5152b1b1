"""Facility leases: which worker syncs which facility, shared through the database.

A worker claims facilities whose lease is free or expired with `FOR UPDATE SKIP LOCKED`
(PostgreSQL), so workers never wait on each other. Every write the worker makes for a
facility first locks that facility's `sync_state` row and checks the lease is still its
own, in the same transaction: a worker that stalled past its lease cannot write after
another has taken over.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from engine.errors import ConflictError
from engine.persistence import Database, connection_of, table_of
from engine.persistence.tables import Facility, SyncState

__all__ = ["LeaseLost", "claim", "hold", "release"]

_state = table_of(SyncState)


class LeaseLost(ConflictError):
    """Another worker holds the facility's lease now."""

    def __init__(self, facility_id: str, owner: str) -> None:
        super().__init__(f"worker `{owner}` no longer holds the lease of facility `{facility_id}`")


def _ensure_states(conn: Connection) -> None:
    """A `sync_state` row for every facility linked to the PMS."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    linked = select(Facility.id).where(col(Facility.pms_ref).is_not(None))
    existing = set(conn.execute(select(_state.c.facility_id)).scalars())
    missing = [{"facility_id": f} for f in conn.execute(linked).scalars() if f not in existing]
    if missing:
        conn.execute(dialect.insert(_state).values(missing).on_conflict_do_nothing())


def claim(db: Database, owner: str, now: datetime, seconds: float) -> list[str]:
    """Take or renew the leases this worker can have now; the facilities it holds."""
    with db.transaction() as s:
        _ensure_states(connection_of(s))
        free = s.exec(
            select(SyncState)
            .where(
                or_(
                    col(SyncState.lease_owner).is_(None),
                    col(SyncState.lease_owner) == owner,
                    col(SyncState.lease_until) < now,
                )
            )
            .order_by(col(SyncState.facility_id))
            .with_for_update(skip_locked=True)
        ).all()
        for state in free:
            state.lease_owner = owner
            state.lease_until = now + timedelta(seconds=seconds)
            s.add(state)
        return [state.facility_id for state in free]


def hold(s: Session, facility_id: str, owner: str, now: datetime) -> SyncState:
    """Lock the facility's sync state for this transaction; `LeaseLost` if not ours now."""
    state = s.exec(
        select(SyncState).where(SyncState.facility_id == facility_id).with_for_update()
    ).first()
    if (
        state is None
        or state.lease_owner != owner
        or (state.lease_until is not None and state.lease_until < now)
    ):
        raise LeaseLost(facility_id, owner)
    return state


def release(db: Database, owner: str) -> None:
    """Give up every lease `owner` holds (a clean shutdown)."""
    with db.transaction() as s:
        for state in s.exec(select(SyncState).where(SyncState.lease_owner == owner)).all():
            state.lease_owner = None
            state.lease_until = None
            s.add(state)
