"""Which worker syncs which facility: the facility's `sync_state` row lock is its lease.

A worker takes the facility polled longest ago whose row no other worker has locked
(`FOR UPDATE SKIP LOCKED` on PostgreSQL), so workers spread over facilities without
waiting on each other. Applying a facility's events happens only while holding its row
lock, in the same transaction as the changes: a worker that dies mid-batch (even SIGKILL)
loses its connection, the database rolls the batch back and frees the row, and the next
worker starts from what was committed. SQLite has one writer at a time anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection
from sqlmodel import Session, col, select

from adapters.sync._inbox import insert_ignoring
from engine.persistence import Database, connection_of, table_of
from engine.persistence.tables import Facility, SyncState

__all__ = ["Claim", "lock_state", "next_facility"]

_state = table_of(SyncState)


@dataclass(frozen=True)
class Claim:
    """A facility a worker is about to poll, and the cursor it polls from."""

    facility_id: str
    pms_ref: str
    cursor: str | None


def _ensure_states(conn: Connection) -> None:
    """A `sync_state` row for every facility linked to the PMS."""
    existing = set(conn.execute(select(_state.c.facility_id)).scalars())
    linked = select(Facility.id).where(col(Facility.pms_ref).is_not(None))
    missing = [{"facility_id": f} for f in conn.execute(linked).scalars() if f not in existing]
    if missing:
        conn.execute(insert_ignoring(conn, _state).values(missing))


def next_facility(
    db: Database, worker: str, now: datetime, pms_refs: frozenset[str] | None = None
) -> Claim | None:
    """The PMS-linked facility polled longest ago that no other worker holds now (of those
    with a PMS ref in `pms_refs`, when given), marked as polled by `worker`; None when every
    one is held."""
    with db.transaction() as s:
        _ensure_states(connection_of(s))
        query = select(SyncState)
        if pms_refs is not None:
            linked = select(Facility.id).where(col(Facility.pms_ref).in_(sorted(pms_refs)))
            query = query.where(col(SyncState.facility_id).in_(linked))
        state = s.exec(
            query.order_by(
                col(SyncState.last_poll_at).asc().nulls_first(), col(SyncState.facility_id)
            )
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if state is None:
            return None
        ref = s.exec(select(Facility.pms_ref).where(Facility.id == state.facility_id)).one()
        state.last_poll_at, state.last_worker = now, worker
        s.add(state)
        return Claim(state.facility_id, ref, state.cursor) if ref is not None else None


def lock_state(s: Session, facility_id: str, *, wait: bool) -> SyncState | None:
    """Lock the facility's sync state for `s`'s transaction (made if missing when waiting);
    None if another worker holds it and `wait` is false."""
    statement = select(SyncState).where(SyncState.facility_id == facility_id)
    state = s.exec(statement.with_for_update(skip_locked=not wait)).first()
    if state is None and wait:
        conn = connection_of(s)
        conn.execute(insert_ignoring(conn, _state).values(facility_id=facility_id))
        state = s.exec(statement.with_for_update()).first()
    return state
