"""Which reconciler works on which facility's keypad locks: a lease on the locks' rows.

A round takes a facility's locks only when no other reconciler holds any of them (row locks
with `FOR UPDATE SKIP LOCKED` on PostgreSQL while it claims; SQLite has one writer), marks
them leased until `now + lease`, and frees them when it records its outcomes. Locks of one
facility go together because they share each person's number. A reconciler that dies
leaves a lease that ends by itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select, update

from engine.persistence import Database
from engine.persistence.tables import KeypadLock

__all__ = ["LEASE", "claim_locks", "release_locks"]

LEASE = timedelta(minutes=5)
"""Longest a round may hold a facility's locks (a round that takes longer is overtaken)."""


def claim_locks(db: Database, device_ids: list[str], now: datetime) -> bool:
    """Lease every lock of `device_ids` to this round; False (nothing leased) when another
    reconciler holds any of them."""
    with db.transaction() as s:
        rows = s.exec(
            select(KeypadLock)
            .where(col(KeypadLock.device_id).in_(device_ids))
            .with_for_update(skip_locked=True)
        ).all()
        free = [r for r in rows if r.lease_until is None or r.lease_until <= now]
        if len(free) < len(set(device_ids)):
            s.rollback()
            return False
        for row in free:
            row.lease_until = now + LEASE
            s.add(row)
    return True


def release_locks(db: Database | Session, device_ids: list[str]) -> None:
    """End this round's lease on the locks (in the session's transaction, when given)."""
    if isinstance(db, Database):
        with db.transaction() as s:
            release_locks(s, device_ids)
        return
    statement = update(KeypadLock).where(col(KeypadLock.device_id).in_(device_ids))
    db.exec(statement.values(lease_until=None))
