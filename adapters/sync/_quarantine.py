"""Events that failed to apply: listing them, and applying one again once its cause is fixed."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from adapters.sync._drain import drain
from adapters.sync._inbox import requeue
from engine.persistence.tables import PmsInboxEntry
from engine.runtime import Runtime

__all__ = ["quarantined", "retry_entry"]


def quarantined(s: Session, facility_id: str) -> Sequence[PmsInboxEntry]:
    """The facility's quarantined events, oldest first, each with its reason."""
    return s.exec(
        select(PmsInboxEntry)
        .where(PmsInboxEntry.facility_id == facility_id, PmsInboxEntry.status == "quarantined")
        .order_by(col(PmsInboxEntry.id))
    ).all()


def retry_entry(rt: Runtime, facility_id: str, entry_id: int) -> PmsInboxEntry:
    """Make a quarantined event pending again and apply the facility's pending events; the
    entry as it ends (quarantined again with a new reason, or applied)."""
    with rt.db.transaction() as s:
        requeue(s, facility_id, entry_id)
    drain(rt, facility_id)
    with rt.db.read() as s:
        entry = s.get(PmsInboxEntry, entry_id)
    # INVARIANT: inbox entries are never deleted, and requeue found this one.
    assert entry is not None
    return entry
