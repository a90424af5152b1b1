"""Portal: access areas, weekly schedules and access levels of a facility (`sites.manage`
to change, `facility.view` to read), and a rental's own level and 24/7 override."""

from __future__ import annotations

from typing import Any, TypeVar

from litestar import Router, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlmodel import Session, col, select

from api.problems import problems
from api.routes._deps import employee_facility
from api.schemas import (
    AreaIn,
    AreaOut,
    LevelIn,
    LevelOut,
    RentalAccessIn,
    RentalAccessOut,
    ScheduleIn,
    ScheduleOut,
)
from engine.access import Caller
from engine.domain import Permission
from engine.errors import InvalidInputError, NotFoundError
from engine.onboarding import (
    EditContext,
    LevelSpec,
    delete_area,
    delete_level,
    delete_schedule,
    put_area,
    put_level,
    put_schedule,
)
from engine.persistence.tables import (
    AccessArea,
    AccessLevel,
    AccessSchedule,
    Facility,
    Rental,
    Unit,
)
from engine.runtime import Runtime

__all__ = ["levels_router"]

_MANAGE, _VIEW = Permission.SITES_MANAGE, Permission.FACILITY_VIEW
_T = TypeVar("_T", AccessArea, AccessSchedule, AccessLevel)


def _edit(runtime: Runtime, session: Session, caller: Caller) -> EditContext:
    return EditContext(session, runtime.audit, runtime.clock.now(), caller.actor)


def _row(
    session: Session, caller: Caller, model: type[_T], row_id: str, permission: Permission
) -> tuple[_T, Facility]:
    """The row and its facility, if in the caller's company (404) and permitted (403)."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFoundError(f"no {model.__tablename__.replace('_', ' ')} `{row_id}`")
    try:
        facility = employee_facility(session, caller, row.facility_id, permission)
    except NotFoundError:
        raise NotFoundError(f"no {model.__tablename__.replace('_', ' ')} `{row_id}`") from None
    return row, facility


def _listed(session: Session, model: type[_T], facility: Facility) -> list[_T]:
    query = select(model).where(col(model.facility_id) == facility.id).order_by(col(model.name))
    return list(session.exec(query).all())


def _area_out(a: AccessArea) -> AreaOut:
    return AreaOut(id=a.id, facility_id=a.facility_id, name=a.name, door_ids=list(a.door_ids))


def _schedule_out(s: AccessSchedule) -> ScheduleOut:
    return ScheduleOut(id=s.id, facility_id=s.facility_id, name=s.name, spec=dict(s.spec))


def _level_out(lv: AccessLevel) -> LevelOut:
    return LevelOut(
        id=lv.id,
        facility_id=lv.facility_id,
        name=lv.name,
        area_id=lv.area_id,
        schedule_id=lv.schedule_id,
        is_default=lv.is_default,
        building=lv.building,
        floor=lv.floor,
        role_id=lv.role_id,
        pms_names=list(lv.pms_names),
    )


def _spec(data: LevelIn) -> LevelSpec:
    return LevelSpec(
        data.name,
        data.area_id,
        data.schedule_id,
        data.is_default,
        data.building,
        data.floor,
        data.role_id,
        tuple(data.pms_names),
    )


_F = "/facilities/{facility_id:str}"
_P = problems(403, 404, 409)


# ---- areas ----------------------------------------------------------------------------
@get(f"{_F}/access-areas", responses=_P, sync_to_thread=True)
def list_areas(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], facility_id: FromPath[str]
) -> list[AreaOut]:
    """The facility's access areas, by name."""
    with runtime.db.read() as s:
        facility = employee_facility(s, caller, facility_id, _VIEW)
        return [_area_out(a) for a in _listed(s, AccessArea, facility)]


@post(f"{_F}/access-areas", responses=_P, sync_to_thread=True)
def add_area(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
    data: JSONBody[AreaIn],
) -> AreaOut:
    """Create an access area of entry points."""
    with runtime.db.transaction() as s:
        facility = employee_facility(s, caller, facility_id, _MANAGE)
        return _area_out(put_area(_edit(runtime, s, caller), facility, data.name, data.door_ids))


@put("/access-areas/{area_id:str}", responses=_P, sync_to_thread=True)
def change_area(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    area_id: FromPath[str],
    data: JSONBody[AreaIn],
) -> AreaOut:
    """Replace an access area's name and entry points."""
    with runtime.db.transaction() as s:
        area, facility = _row(s, caller, AccessArea, area_id, _MANAGE)
        ctx = _edit(runtime, s, caller)
        return _area_out(put_area(ctx, facility, data.name, data.door_ids, area))


@delete("/access-areas/{area_id:str}", responses=_P, sync_to_thread=True)
def remove_area(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], area_id: FromPath[str]
) -> None:
    """Remove an access area no level uses (409 otherwise)."""
    with runtime.db.transaction() as s:
        area, facility = _row(s, caller, AccessArea, area_id, _MANAGE)
        delete_area(_edit(runtime, s, caller), facility, area)


# ---- schedules ------------------------------------------------------------------------
@get(f"{_F}/access-schedules", responses=_P, sync_to_thread=True)
def list_schedules(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], facility_id: FromPath[str]
) -> list[ScheduleOut]:
    """The facility's weekly schedules, by name."""
    with runtime.db.read() as s:
        facility = employee_facility(s, caller, facility_id, _VIEW)
        return [_schedule_out(x) for x in _listed(s, AccessSchedule, facility)]


@post(f"{_F}/access-schedules", responses=_P, sync_to_thread=True)
def add_schedule(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
    data: JSONBody[ScheduleIn],
) -> ScheduleOut:
    """Create a weekly schedule (windows per weekday, dated exceptions and holidays)."""
    with runtime.db.transaction() as s:
        facility = employee_facility(s, caller, facility_id, _MANAGE)
        ctx = _edit(runtime, s, caller)
        return _schedule_out(put_schedule(ctx, facility, data.name, data.spec()))


@put("/access-schedules/{schedule_id:str}", responses=_P, sync_to_thread=True)
def change_schedule(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    schedule_id: FromPath[str],
    data: JSONBody[ScheduleIn],
) -> ScheduleOut:
    """Replace a weekly schedule."""
    with runtime.db.transaction() as s:
        schedule, facility = _row(s, caller, AccessSchedule, schedule_id, _MANAGE)
        ctx = _edit(runtime, s, caller)
        return _schedule_out(put_schedule(ctx, facility, data.name, data.spec(), schedule))


@delete("/access-schedules/{schedule_id:str}", responses=_P, sync_to_thread=True)
def remove_schedule(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], schedule_id: FromPath[str]
) -> None:
    """Remove a schedule no level uses (409 otherwise)."""
    with runtime.db.transaction() as s:
        schedule, facility = _row(s, caller, AccessSchedule, schedule_id, _MANAGE)
        delete_schedule(_edit(runtime, s, caller), facility, schedule)


# ---- levels ---------------------------------------------------------------------------
@get(f"{_F}/access-levels", responses=_P, sync_to_thread=True)
def list_levels(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], facility_id: FromPath[str]
) -> list[LevelOut]:
    """The facility's access levels, by name."""
    with runtime.db.read() as s:
        facility = employee_facility(s, caller, facility_id, _VIEW)
        return [_level_out(x) for x in _listed(s, AccessLevel, facility)]


@post(f"{_F}/access-levels", responses=_P, sync_to_thread=True)
def add_level(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
    data: JSONBody[LevelIn],
) -> LevelOut:
    """Create an access level: an area × a schedule, and who holds it."""
    with runtime.db.transaction() as s:
        facility = employee_facility(s, caller, facility_id, _MANAGE)
        return _level_out(put_level(_edit(runtime, s, caller), facility, _spec(data)))


@put("/access-levels/{level_id:str}", responses=_P, sync_to_thread=True)
def change_level(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    level_id: FromPath[str],
    data: JSONBody[LevelIn],
) -> LevelOut:
    """Replace an access level."""
    with runtime.db.transaction() as s:
        level, facility = _row(s, caller, AccessLevel, level_id, _MANAGE)
        return _level_out(put_level(_edit(runtime, s, caller), facility, _spec(data), level))


@delete("/access-levels/{level_id:str}", responses=_P, sync_to_thread=True)
def remove_level(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], level_id: FromPath[str]
) -> None:
    """Remove an access level no active rental holds (409 otherwise)."""
    with runtime.db.transaction() as s:
        level, facility = _row(s, caller, AccessLevel, level_id, _MANAGE)
        delete_level(_edit(runtime, s, caller), facility, level)


# ---- a rental's level -----------------------------------------------------------------
@put("/rentals/{rental_id:str}/access", responses=_P, sync_to_thread=True)
def set_rental_access(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    rental_id: FromPath[str],
    data: JSONBody[RentalAccessIn],
) -> RentalAccessOut:
    """Give an active rental its own access level (besides the facility's) and set its
    tenant's 24/7 override (areas still apply)."""
    with runtime.db.transaction() as s:
        rental = s.get(Rental, rental_id)
        unit = s.get(Unit, rental.unit_id) if rental is not None else None
        if rental is None or unit is None or rental.ended_at is not None:
            raise NotFoundError(f"no rental `{rental_id}`")
        try:
            facility = employee_facility(s, caller, unit.facility_id, _MANAGE)
        except NotFoundError:
            raise NotFoundError(f"no rental `{rental_id}`") from None
        if data.access_level_id is not None:
            level = s.get(AccessLevel, data.access_level_id)
            if level is None or level.facility_id != facility.id:
                raise InvalidInputError(f"no access level `{data.access_level_id}` here")
        rental.access_level_id, rental.around_the_clock = (
            data.access_level_id,
            data.around_the_clock,
        )
        s.add(rental)
        payload: dict[str, Any] = {
            "rental_id": rental.id,
            "access_level_id": rental.access_level_id,
            "around_the_clock": rental.around_the_clock,
        }
        _edit(runtime, s, caller).record(
            [facility.id],
            "rental_access_set",
            rental.id,
            f"~ rental {rental.id}: level {rental.access_level_id or 'none'}"
            f"{', 24/7' if rental.around_the_clock else ''}",
            payload,
        )
        return RentalAccessOut(
            rental_id=rental.id,
            access_level_id=rental.access_level_id,
            around_the_clock=rental.around_the_clock,
        )


levels_router = Router(
    "/v1",
    route_handlers=[
        list_areas,
        add_area,
        change_area,
        remove_area,
        list_schedules,
        add_schedule,
        change_schedule,
        remove_schedule,
        list_levels,
        add_level,
        change_level,
        remove_level,
        set_rental_access,
    ],
    tags=["portal: access levels"],
)
