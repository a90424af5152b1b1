"""Portal: where a facility's PMS sync stands (applied sequence numbers, conflicts, refused
input), retrying a quarantined event, resolving a conflict."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter
from pydantic import BaseModel
from sqlmodel import col, func, select

from adapters.sync import pending_count, quarantined, retry_entry
from api.problems import problems
from api.routes._deps import employee_facility
from api.schemas import ConflictOut, ConflictResolveIn
from engine.access import Caller, require_permission
from engine.diagnosis import sync_lag
from engine.domain import Permission
from engine.errors import NotFoundError
from engine.persistence.tables import (
    Facility,
    PmsInboxEntry,
    PmsRefusalTally,
    PmsRejection,
    SyncConflict,
    SyncState,
    TransitionRecord,
    Unit,
)
from engine.runtime import Runtime
from engine.units import resolve_conflict

__all__ = ["sync_router"]


class QuarantinedOut(BaseModel):
    """A PMS event that failed to apply; the rest went on without it."""

    id: int
    unit_ref: str
    seq: int
    source: str
    error: str | None
    received_at: datetime
    processed_at: datetime | None


class RejectionOut(BaseModel):
    """PMS input that was not a readable event (malformed record, bad webhook signature)."""

    id: int
    source: str
    where: str
    error: str
    at: datetime
    address: str | None
    """Where a badly signed push came from (None: input from the PMS itself)."""


class SyncStatus(BaseModel):
    """PMS sync at one facility."""

    units: int
    units_synced: int
    """Units that have received at least one PMS event."""
    last_pms_event_at: datetime | None
    open_conflicts: list[ConflictOut]
    """PMS events recorded for a person to resolve (e.g. a payment on an auctioned unit)."""
    pending: int
    """Events received and not applied yet."""
    cursor: str | None
    """Where the next poll of the PMS's change feed starts."""
    last_poll_at: datetime | None
    last_error: str | None
    """The last PMS failure of the worker syncing this facility (None after a success)."""
    last_worker: str | None
    """The worker that polled the PMS for this facility last."""
    resolved_conflicts: list[ConflictOut]
    """The newest 20 conflicts closed, by a later PMS record or a person, with why."""
    quarantined: list[QuarantinedOut]
    rejected: list[RejectionOut]
    """The newest 50 rejections."""
    rejections_dropped: int
    """Badly signed pushes refused and only counted, not kept (over the limit per address
    and facility)."""
    last_dropped_at: datetime | None
    last_dropped_address: str | None
    lagging: str | None = None
    """Why the sync lags (None: it keeps up): an event pending, or the last poll of a
    polled facility, older than seed 000's 5 minutes (the diagnosis uses the same rule)."""


@get("/facilities/{facility_id:str}/sync", responses=problems(403, 404), sync_to_thread=True)
def sync_status(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], facility_id: FromPath[str]
) -> SyncStatus:
    """How far PMS events have been applied, and the conflicts waiting for a person."""
    with runtime.db.read() as s:
        facility = employee_facility(s, caller, facility_id, Permission.SYNC_MANAGE)
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
        state = s.get(SyncState, facility_id)
        failed = quarantined(s, facility_id)
        rejected = s.exec(
            select(PmsRejection)
            .where(PmsRejection.facility_id == facility_id)
            .order_by(col(PmsRejection.id).desc())
            .limit(50)
        ).all()
        pending = pending_count(s, facility_id)
        oldest = s.exec(
            select(func.min(PmsInboxEntry.received_at)).where(
                PmsInboxEntry.facility_id == facility_id, PmsInboxEntry.status == "pending"
            )
        ).one()
        conflicts = s.exec(
            select(SyncConflict)
            .where(SyncConflict.facility_id == facility_id, col(SyncConflict.resolved_at).is_(None))
            .order_by(col(SyncConflict.id))
        ).all()
        resolved = s.exec(
            select(SyncConflict)
            .where(
                SyncConflict.facility_id == facility_id, col(SyncConflict.resolved_at).is_not(None)
            )
            .order_by(col(SyncConflict.resolved_at).desc(), col(SyncConflict.id).desc())
            .limit(20)
        ).all()
        tally = s.get(PmsRefusalTally, facility_id)
    return SyncStatus(
        units=units,
        units_synced=synced,
        last_pms_event_at=last,
        open_conflicts=[ConflictOut.model_validate(c, from_attributes=True) for c in conflicts],
        resolved_conflicts=[ConflictOut.model_validate(c, from_attributes=True) for c in resolved],
        pending=pending,
        cursor=state.cursor if state else None,
        last_poll_at=state.last_poll_at if state else None,
        last_error=state.last_error if state else None,
        last_worker=state.last_worker if state else None,
        quarantined=[QuarantinedOut.model_validate(q, from_attributes=True) for q in failed],
        rejected=[RejectionOut.model_validate(r, from_attributes=True) for r in rejected],
        rejections_dropped=tally.dropped if tally else 0,
        last_dropped_at=tally.last_dropped_at if tally else None,
        last_dropped_address=tally.last_address if tally else None,
        lagging=sync_lag(
            runtime.clock.now(),
            linked=facility.pms_ref is not None,
            last_poll_at=state.last_poll_at if state else None,
            oldest_pending_at=oldest,
        ),
    )


_MAX_ID = 2**62
"""Largest inbox id asked for (the key is BIGINT; 2^62 is exact as the JSON number OpenAPI
states bounds with, where 2^63 - 1 rounds up past the key's range); larger is a 400."""


@post(
    "/facilities/{facility_id:str}/sync/quarantine/{entry_id:int}/retry",
    responses=problems(403, 404, 409),
    sync_to_thread=True,
)
def retry_quarantined(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
    entry_id: Annotated[int, PathParameter(ge=1, le=_MAX_ID, description="the inbox entry")],
) -> QuarantinedOut | None:
    """Apply a quarantined event again (after its cause was fixed, e.g. the unit was added).

    Answers the entry if it failed again, or nothing (200, null) once it applied.
    """
    with runtime.db.read() as s:
        employee_facility(s, caller, facility_id, Permission.SYNC_MANAGE)
    entry = retry_entry(runtime, facility_id, entry_id)
    if entry.status != "quarantined":
        return None
    return QuarantinedOut.model_validate(entry, from_attributes=True)


_MAX_CONFLICT_ID = 2**31 - 1
"""Largest sync conflict id (an INTEGER key)."""


@post(
    "/sync-conflicts/{conflict_id:int}/resolve",
    responses=problems(403, 404, 409),
    sync_to_thread=True,
)
def resolve_sync_conflict(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    conflict_id: Annotated[
        int, PathParameter(ge=1, le=_MAX_CONFLICT_ID, description="the sync conflict")
    ],
    data: JSONBody[ConflictResolveIn],
) -> ConflictOut:
    """Close a sync conflict by a person's decision, with a note (in the facility's audit
    log); `sync.manage` at the conflict's facility. A closed conflict is refused (409)."""
    with runtime.db.transaction() as s:
        conflict = s.get(SyncConflict, conflict_id)
        facility = s.get(Facility, conflict.facility_id) if conflict is not None else None
        if facility is None or facility.company_id != caller.company_id:
            raise NotFoundError(f"no sync conflict `{conflict_id}`")
        require_permission(s, caller, facility, Permission.SYNC_MANAGE)
        done = resolve_conflict(
            s, runtime.audit, conflict_id, caller.actor, data.note, runtime.clock.now()
        )
        return ConflictOut.model_validate(done, from_attributes=True)


sync_router = Router(
    "/v1",
    route_handlers=[sync_status, retry_quarantined, resolve_sync_conflict],
    tags=["portal: sync"],
)
