"""Sync conflicts close with their cause: a PMS record the unit accepts later (its vacate, or
a statement its state agrees with), or an employee's resolution with a note (audited)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, update
from sqlmodel import Session

from engine.audit import AuditLog
from engine.domain import EventSource, LifecycleEvent
from engine.errors import NotFoundError, RefusedError
from engine.lifecycle import EventRequest, Outcome
from engine.persistence import connection_of, table_of
from engine.persistence.tables import SyncConflict

__all__ = [
    "CLOSE_OPEN",
    "PMS_RESOLVER",
    "close_open_conflicts",
    "closes_conflicts",
    "resolution_values",
    "resolve_conflict",
]

PMS_RESOLVER = "pms"
"""`resolved_by` of a conflict a PMS record closed."""

_conflict = table_of(SyncConflict)

CLOSE_OPEN = (
    update(_conflict)
    .where(_conflict.c.unit_id == bindparam("b_unit"), _conflict.c.resolved_at.is_(None))
    .values(
        resolved_at=bindparam("b_resolved_at"),
        resolved_by=bindparam("b_resolved_by"),
        resolution=bindparam("b_resolution"),
        resolved_pms_seq=bindparam("b_resolved_pms_seq"),
    )
)
"""Close every open conflict of a unit (parameters from `resolution_values`, `b_` keys)."""


def closes_conflicts(outcome: Outcome, request: EventRequest) -> bool:
    """Whether this accepted event closes the unit's open conflicts: any PMS event the unit
    takes (not itself a conflict), since a PMS record states the whole truth and the newest
    one stands for what the PMS holds now."""
    return outcome.conflict is None and request.source is EventSource.PMS


def resolution_values(outcome: Outcome, request: EventRequest) -> dict[str, Any]:
    """The `sync_conflict` columns a conflict closed by this PMS event gets."""
    if outcome.event is LifecycleEvent.VACATE:
        why = f"unit vacated by the PMS (seq {request.pms_seq})"
    else:
        why = (
            f"the PMS's later record (`{outcome.event.value}`, seq {request.pms_seq}) agrees "
            f"with the unit's state (`{outcome.to_state.value}`)"
        )
    return {
        "resolved_at": request.now,
        "resolved_by": PMS_RESOLVER,
        "resolution": why,
        "resolved_pms_seq": request.pms_seq,
    }


def close_open_conflicts(
    db: Session | Connection, unit_id: str, outcome: Outcome, request: EventRequest
) -> int:
    """Close the unit's open conflicts with this PMS event as their cause; how many."""
    values = {f"b_{k}": v for k, v in resolution_values(outcome, request).items()}
    return int(connection_of(db).execute(CLOSE_OPEN, {"b_unit": unit_id, **values}).rowcount)


def resolve_conflict(
    session: Session, audit: AuditLog, conflict_id: int, actor: str, note: str, now: datetime
) -> SyncConflict:
    """Close an open conflict by a person's decision, with their note, in the facility's
    audit chain; `RefusedError` when it is closed already."""
    conflict = session.get(SyncConflict, conflict_id)
    if conflict is None:
        raise NotFoundError(f"no sync conflict `{conflict_id}`")
    closed = session.execute(
        update(_conflict)
        .where(_conflict.c.id == conflict_id, _conflict.c.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by=actor, resolution=note, resolved_pms_seq=None)
    )
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        raise RefusedError(
            f"sync conflict `{conflict_id}` is already resolved",
            help="see its resolution in the unit's detail",
        )
    audit.append(
        session,
        facility_id=conflict.facility_id,
        at=now,
        kind="sync_conflict_resolved",
        actor=actor,
        subject=conflict.unit_id,
        payload={
            "conflict_id": conflict_id,
            "unit_id": conflict.unit_id,
            "event": conflict.event,
            "pms_seq": conflict.pms_seq,
            "note": note,
        },
    )
    session.refresh(conflict)
    return conflict
