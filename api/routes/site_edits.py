"""Portal: creating and editing facilities, units, entry points and locks (`sites.manage`).

Creating a facility is a company-wide action; the rest needs `sites.manage` at the
facility. Every change is audited in the facility's chain with the caller as its actor.
A rented unit is never removed nor cut off from the PMS (409).
"""

from __future__ import annotations

from datetime import time
from typing import Any

from litestar import delete, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlmodel import Session

from api.problems import problems
from api.routes._deps import company_permission, employee_door, employee_facility, employee_unit
from api.routes._views import doors_out, facility_out, unit_out
from api.schemas import (
    DoorIn,
    DoorOut,
    DoorPatch,
    FacilityIn,
    FacilityOut,
    FacilityPatch,
    LockIn,
    ScopeIn,
    UnitIn,
    UnitOut,
    UnitPatch,
    given,
)
from engine.access import Caller
from engine.domain import DoorKind, Permission
from engine.onboarding import (
    EditContext,
    Scope,
    add_facility,
    edit_door,
    edit_facility,
    edit_unit,
    new_door,
    new_unit,
    remove_door,
    remove_unit,
    set_lock,
)
from engine.runtime import Runtime

__all__ = ["SITE_EDIT_HANDLERS"]

_MANAGE = Permission.SITES_MANAGE
_TAGS = ["portal: site setup"]


def _edit(runtime: Runtime, session: Session, caller: Caller) -> EditContext:
    return EditContext(session, runtime.audit, runtime.clock.now(), caller.actor)


def _time(value: str) -> time:
    return time(int(value[:2]), int(value[3:]))


def _scopes(serves: list[ScopeIn]) -> list[Scope]:
    return [Scope(s.building, s.floor, s.unit_id) for s in serves]


@post("/facilities", responses=problems(403, 409), sync_to_thread=True, tags=_TAGS)
def create_facility(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], data: JSONBody[FacilityIn]
) -> FacilityOut:
    """Create a facility of the company (`sites.manage` company-wide)."""
    with runtime.db.transaction() as s:
        company_permission(s, caller, _MANAGE)
        facility = add_facility(
            _edit(runtime, s, caller),
            caller.company_id,
            key=data.key,
            name=data.name,
            timezone=data.timezone,
            country=data.country,
            opens=_time(data.access_opens),
            closes=_time(data.access_closes),
            pms_ref=data.pms_ref,
        )
        return facility_out(facility)


@patch(
    "/facilities/{facility_id:str}",
    responses=problems(403, 404, 409),
    sync_to_thread=True,
    tags=_TAGS,
)
def change_facility(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
    data: JSONBody[FacilityPatch],
) -> FacilityOut:
    """Change a facility's key, name, time zone, country, access hours, PMS link, tenant
    notifications or the time of its keypad codes' daily health check."""
    values: dict[str, Any] = given(data)
    for hours in ("access_opens", "access_closes", "codes_health_check_at"):
        if hours in values:
            values[hours] = _time(values[hours])
    with runtime.db.transaction() as s:
        facility = employee_facility(s, caller, facility_id, _MANAGE)
        return facility_out(edit_facility(_edit(runtime, s, caller), facility, values))


@post(
    "/facilities/{facility_id:str}/units",
    responses=problems(403, 404, 409),
    sync_to_thread=True,
    tags=_TAGS,
)
def add_unit(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
    data: JSONBody[UnitIn],
) -> UnitOut:
    """Add an available unit with its lock (a removed unit of that number comes back)."""
    with runtime.db.transaction() as s:
        facility = employee_facility(s, caller, facility_id, _MANAGE)
        unit = new_unit(
            _edit(runtime, s, caller),
            facility,
            data.number,
            building=data.building,
            floor=data.floor,
            pms_ref=data.pms_ref,
            lock_ref=data.lock_ref,
        )
        return unit_out(unit, runtime.clock.now())


@patch("/units/{unit_id:str}", responses=problems(403, 404, 409), sync_to_thread=True, tags=_TAGS)
def change_unit(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    unit_id: FromPath[str],
    data: JSONBody[UnitPatch],
) -> UnitOut:
    """Renumber a unit, or set its building, floor or PMS ref (not while it is rented)."""
    with runtime.db.transaction() as s:
        unit, facility, _ = employee_unit(s, caller, unit_id, _MANAGE)
        edit_unit(_edit(runtime, s, caller), unit, facility, given(data))
        return unit_out(unit, runtime.clock.now())


@delete("/units/{unit_id:str}", responses=problems(403, 404, 409), sync_to_thread=True, tags=_TAGS)
def delete_unit(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], unit_id: FromPath[str]
) -> None:
    """Take a unit and its lock out of service; refused (409) while it is rented."""
    with runtime.db.transaction() as s:
        unit, facility, _ = employee_unit(s, caller, unit_id, _MANAGE)
        remove_unit(_edit(runtime, s, caller), unit, facility)


@post(
    "/facilities/{facility_id:str}/doors",
    responses=problems(403, 404, 409),
    sync_to_thread=True,
    tags=_TAGS,
)
def add_door(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
    data: JSONBody[DoorIn],
) -> DoorOut:
    """Add an entry point serving some units, buildings or floors (none: the whole facility)."""
    with runtime.db.transaction() as s:
        facility = employee_facility(s, caller, facility_id, _MANAGE)
        door = new_door(
            _edit(runtime, s, caller),
            facility,
            data.name,
            DoorKind(data.kind),
            scopes=_scopes(data.serves),
            lock_ref=data.lock_ref,
            direction=data.direction,
            anti_passback=data.anti_passback,
        )
        return doors_out(s, [door])[0]


@patch("/doors/{door_id:str}", responses=problems(403, 404, 409), sync_to_thread=True, tags=_TAGS)
def change_door(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    door_id: FromPath[str],
    data: JSONBody[DoorPatch],
) -> DoorOut:
    """Rename an entry point, change its kind, or what it serves."""
    with runtime.db.transaction() as s:
        door, facility = employee_door(s, caller, door_id, _MANAGE)
        edit_door(
            _edit(runtime, s, caller),
            door,
            facility,
            name=data.name,
            kind=DoorKind(data.kind) if data.kind else None,
            scopes=_scopes(data.serves) if data.serves is not None else None,
            direction=data.direction if "direction" in data.model_fields_set else ...,
            anti_passback=data.anti_passback,
        )
        return doors_out(s, [door])[0]


@delete("/doors/{door_id:str}", responses=problems(403, 404, 409), sync_to_thread=True, tags=_TAGS)
def delete_door(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], door_id: FromPath[str]
) -> None:
    """Take an entry point out of service (a unit's lock goes with its unit)."""
    with runtime.db.transaction() as s:
        door, facility = employee_door(s, caller, door_id, _MANAGE)
        remove_door(_edit(runtime, s, caller), door, facility)


@put(
    "/doors/{door_id:str}/lock", responses=problems(403, 404, 409), sync_to_thread=True, tags=_TAGS
)
def assign_lock(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    door_id: FromPath[str],
    data: JSONBody[LockIn],
) -> DoorOut:
    """Put a lock on the door (a lock is on at most one door of the facility)."""
    with runtime.db.transaction() as s:
        door, facility = employee_door(s, caller, door_id, _MANAGE)
        set_lock(_edit(runtime, s, caller), door, facility, data.lock_ref)
        return doors_out(s, [door])[0]


@delete(
    "/doors/{door_id:str}/lock",
    responses=problems(403, 404),
    status_code=200,
    sync_to_thread=True,
    tags=_TAGS,
)
def unassign_lock(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], door_id: FromPath[str]
) -> DoorOut:
    """Take the lock off the door."""
    with runtime.db.transaction() as s:
        door, facility = employee_door(s, caller, door_id, _MANAGE)
        set_lock(_edit(runtime, s, caller), door, facility, None)
        return doors_out(s, [door])[0]


SITE_EDIT_HANDLERS = [
    create_facility,
    change_facility,
    add_unit,
    change_unit,
    delete_unit,
    add_door,
    change_door,
    delete_door,
    assign_lock,
    unassign_lock,
]
"""Served by the facilities router: paths shared by two routers clash in Litestar (each
adds its own OPTIONS handler for the path)."""
