"""Portal: where a facility's PMS sync stands (applied sequence numbers, open conflicts)."""

from __future__ import annotations

from datetime import datetime

from litestar import Router, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from pydantic import BaseModel
from sqlmodel import col, func, select

from api.problems import problems
from api.routes._deps import employee_facility
from api.schemas import ConflictOut
from engine.access import Caller
from engine.domain import Permission
from engine.persistence.tables import SyncConflict, TransitionRecord, Unit
from engine.runtime import Runtime

__all__ = ["sync_router"]


class SyncStatus(BaseModel):
    """PMS sync at one facility."""

    units: int
    units_synced: int
    """Units that have received at least one PMS event."""
    last_pms_event_at: datetime | None
    open_conflicts: list[ConflictOut]
    """PMS events recorded for a person to resolve (e.g. a payment on an auctioned unit)."""


@get("/facilities/{facility_id:str}/sync", responses=problems(403, 404), sync_to_thread=True)
def sync_status(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], facility_id: FromPath[str]
) -> SyncStatus:
    """How far PMS events have been applied, and the conflicts waiting for a person."""
    with runtime.db.read() as s:
        employee_facility(s, caller, facility_id, Permission.SYNC_MANAGE)
        units, synced = s.exec(
            select(func.count(), func.count().filter(col(Unit.last_pms_seq) > 0)).where(
                Unit.facility_id == facility_id
            )
        ).one()
        last = s.exec(
            select(func.max(TransitionRecord.at)).where(
                TransitionRecord.facility_id == facility_id, TransitionRecord.source == "pms"
            )
        ).one()
        conflicts = s.exec(
            select(SyncConflict)
            .where(SyncConflict.facility_id == facility_id, col(SyncConflict.resolved_at).is_(None))
            .order_by(col(SyncConflict.id))
        ).all()
    return SyncStatus(
        units=units,
        units_synced=synced,
        last_pms_event_at=last,
        open_conflicts=[ConflictOut.model_validate(c, from_attributes=True) for c in conflicts],
    )


sync_router = Router("/v1", route_handlers=[sync_status], tags=["portal: sync"])
