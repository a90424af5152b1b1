"""Portal: facilities, units (state, PMS status, lien overlay, history), doors and locks."""

from __future__ import annotations

from typing import Annotated

from litestar import Router, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from sqlmodel import Session, col, select

from api.problems import problems
from api.routes._deps import employee_facility, employee_unit
from api.routes._expiry import read_with_expiries
from api.routes._views import doors_out, facility_out, transition_out, unit_out
from api.routes.site_edits import SITE_EDIT_HANDLERS
from api.schemas import ConflictOut, DoorOut, FacilityOut, GrantOut, UnitDetail, UnitOut
from engine.access import Caller, permissions_at
from engine.domain import Permission, UnitState
from engine.errors import PermissionDeniedError
from engine.persistence.tables import (
    AuctionGrant,
    Door,
    Facility,
    SyncConflict,
    TransitionRecord,
    Unit,
)
from engine.runtime import Runtime

__all__ = ["facilities_router"]

_VIEW = Permission.FACILITY_VIEW
_TAGS = ["portal: facilities"]


@get("/facilities", responses=problems(403), sync_to_thread=True, tags=_TAGS)
def list_facilities(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller]
) -> list[FacilityOut]:
    """Facilities of the caller's company where they hold `facility.view`."""
    if not caller.is_employee:
        raise PermissionDeniedError("the portal is for employees", help="use an employee token")
    with runtime.db.read() as s:
        rows = s.exec(
            select(Facility)
            .where(Facility.company_id == caller.company_id)
            .order_by(col(Facility.name))
        ).all()
        return [
            facility_out(f)
            for f in rows
            if _VIEW in permissions_at(s, caller.person_id, f.id, f.company_id)
        ]


@get("/facilities/{facility_id:str}", responses=problems(403, 404), sync_to_thread=True, tags=_TAGS)
def get_facility(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], facility_id: FromPath[str]
) -> FacilityOut:
    """One facility."""
    with runtime.db.read() as s:
        return facility_out(employee_facility(s, caller, facility_id, _VIEW))


@get(
    "/facilities/{facility_id:str}/units",
    responses=problems(403, 404),
    sync_to_thread=True,
    tags=_TAGS,
)
def list_units(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
    unit_state: Annotated[
        UnitState | None, QueryParameter(name="state", description="only units in this state")
    ] = None,
    limit: Annotated[
        int, QueryParameter(ge=1, le=1000, description="at most this many units")
    ] = 200,
    offset: Annotated[
        int, QueryParameter(ge=0, le=1_000_000, description="skip this many units")
    ] = 0,
) -> list[UnitOut]:
    """The facility's units by number: lifecycle state, PMS status and lien overlay."""
    now = runtime.clock.now()

    def read(s: Session) -> tuple[list[UnitOut], list[Unit]]:
        employee_facility(s, caller, facility_id, _VIEW)
        query = select(Unit).where(Unit.facility_id == facility_id, col(Unit.removed_at).is_(None))
        if unit_state is not None:
            query = query.where(Unit.state == unit_state.value)
        rows = list(s.exec(query.order_by(col(Unit.number)).offset(offset).limit(limit)).all())
        return [unit_out(u, now) for u in rows], rows

    return read_with_expiries(runtime, now, read)


@get("/units/{unit_id:str}", responses=problems(403, 404), sync_to_thread=True, tags=_TAGS)
def get_unit(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], unit_id: FromPath[str]
) -> UnitDetail:
    """A unit with its transitions (newest first), auction grants and sync conflicts."""
    now = runtime.clock.now()

    def read(s: Session) -> tuple[UnitDetail, list[Unit]]:
        unit, _, _ = employee_unit(s, caller, unit_id, _VIEW)
        history = s.exec(
            select(TransitionRecord)
            .where(TransitionRecord.unit_id == unit_id)
            .order_by(col(TransitionRecord.id).desc())
            .limit(200)
        ).all()
        grants = s.exec(
            select(AuctionGrant)
            .where(AuctionGrant.unit_id == unit_id)
            .order_by(col(AuctionGrant.created_at))
        ).all()
        conflicts = s.exec(
            select(SyncConflict)
            .where(SyncConflict.unit_id == unit_id)
            .order_by(col(SyncConflict.id))
        ).all()
        detail = UnitDetail(
            **unit_out(unit, now).model_dump(),
            history=[transition_out(t) for t in history],
            grants=[GrantOut.model_validate(g, from_attributes=True) for g in grants],
            conflicts=[ConflictOut.model_validate(c, from_attributes=True) for c in conflicts],
        )
        return detail, [unit]

    return read_with_expiries(runtime, now, read)


@get(
    "/facilities/{facility_id:str}/doors",
    responses=problems(403, 404),
    sync_to_thread=True,
    tags=_TAGS,
)
def list_doors(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], facility_id: FromPath[str]
) -> list[DoorOut]:
    """The facility's entry points (with what each serves) and unit locks, with each lock's
    hardware id."""
    with runtime.db.read() as s:
        employee_facility(s, caller, facility_id, _VIEW)
        rows = s.exec(
            select(Door)
            .where(Door.facility_id == facility_id, col(Door.removed_at).is_(None))
            .order_by(col(Door.kind), col(Door.name))
        ).all()
        return doors_out(s, rows)


facilities_router = Router(
    "/v1",
    route_handlers=[
        list_facilities,
        get_facility,
        list_units,
        get_unit,
        list_doors,
        *SITE_EDIT_HANDLERS,
    ],
)
