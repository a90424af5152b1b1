"""Access areas, schedules and levels of a facility: create, change, remove (audited).

Every change bumps the facility's `levels_version`, so the access decision point compiles
the levels again on its next request (engine.levels.compiled_levels).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, col, select

from engine.domain import DoorKind
from engine.errors import InvalidInputError, RefusedError
from engine.levels import parse_schedule
from engine.onboarding._context import EditContext
from engine.persistence.tables import (
    AccessArea,
    AccessLevel,
    AccessSchedule,
    Door,
    Facility,
    Rental,
    Role,
)

__all__ = [
    "LevelSpec",
    "delete_area",
    "delete_level",
    "delete_schedule",
    "put_area",
    "put_level",
    "put_schedule",
]

_T = TypeVar("_T", AccessArea, AccessSchedule, AccessLevel)


@dataclass(frozen=True)
class LevelSpec:
    """What an access level is made of and who holds it."""

    name: str
    area_id: str | None = None
    """None: every entry point."""
    schedule_id: str | None = None
    """None: around the clock."""
    is_default: bool = False
    building: str | None = None
    floor: str | None = None
    role_id: str | None = None
    pms_names: tuple[str, ...] = ()


def _bump(ctx: EditContext, facility: Facility) -> None:
    facility.levels_version += 1
    ctx.session.add(facility)


def _named_free(
    session: Session, model: type[_T], facility: Facility, name: str, own_id: str | None
) -> None:
    if not name.strip():
        raise InvalidInputError("a `name` is needed")
    other = session.exec(
        select(model).where(col(model.facility_id) == facility.id, col(model.name) == name)
    ).first()
    if other is not None and other.id != own_id:
        raise RefusedError(f"`{name}` exists already at this facility", help="change it instead")


def _entry_points(session: Session, facility: Facility, door_ids: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(door_ids))
    if not wanted:
        return []
    doors = {
        d.id: d
        for d in session.exec(
            select(Door).where(Door.facility_id == facility.id, col(Door.id).in_(wanted))
        ).all()
    }
    for door_id in wanted:
        door = doors.get(door_id)
        if door is None or door.removed_at is not None:
            raise InvalidInputError(f"no door `{door_id}` at this facility")
        if door.kind == DoorKind.UNIT_LOCK:
            raise InvalidInputError(
                f"door `{door.name}` is a unit lock",
                help="an area holds entry points (gates, building doors, elevators)",
            )
    return wanted


def _save(
    ctx: EditContext,
    facility: Facility,
    row: AccessArea | AccessSchedule | AccessLevel,
    existed: bool,
    detail: str = "",
) -> None:
    """Write a new or changed row, bump the levels version and audit the change."""
    what = row.__tablename__.replace("_", " ")
    ctx.session.add(row)
    _bump(ctx, facility)
    ctx.flush(f"{what} `{row.name}`")
    verb = "~" if existed else "+"
    kind = f"{row.__tablename__}_saved"
    _record(ctx, facility, kind, row, f"{verb} {what} {row.name}{detail}")


def _record(ctx: EditContext, facility: Facility, kind: str, row: SQLModel, text: str) -> None:
    payload: dict[str, Any] = row.model_dump(mode="json")
    ctx.record([facility.id], kind, str(payload["id"]), text, payload)


def put_area(
    ctx: EditContext,
    facility: Facility,
    name: str,
    door_ids: Sequence[str],
    area: AccessArea | None = None,
) -> AccessArea:
    """Create an area of entry points, or change `area`."""
    _named_free(ctx.session, AccessArea, facility, name, area.id if area else None)
    doors = _entry_points(ctx.session, facility, door_ids)
    row = area or AccessArea(facility_id=facility.id, name=name)
    row.name, row.door_ids = name, doors
    _save(ctx, facility, row, area is not None, f": {len(doors)} entry points")
    return row


def put_schedule(
    ctx: EditContext,
    facility: Facility,
    name: str,
    spec: dict[str, Any],
    schedule: AccessSchedule | None = None,
) -> AccessSchedule:
    """Create a weekly schedule (checked by `parse_schedule`), or change `schedule`."""
    _named_free(ctx.session, AccessSchedule, facility, name, schedule.id if schedule else None)
    normal = parse_schedule(spec).as_json()
    row = schedule or AccessSchedule(facility_id=facility.id, name=name)
    row.name, row.spec = name, normal
    _save(ctx, facility, row, schedule is not None)
    return row


def _owned(session: Session, model: type[_T], facility: Facility, row_id: str | None) -> None:
    if row_id is None:
        return
    row = session.get(model, row_id)
    if row is None or row.facility_id != facility.id:
        raise InvalidInputError(f"no {model.__tablename__.replace('_', ' ')} `{row_id}` here")


def put_level(
    ctx: EditContext, facility: Facility, spec: LevelSpec, level: AccessLevel | None = None
) -> AccessLevel:
    """Create an access level (area × schedule, and who holds it), or change `level`."""
    s = ctx.session
    _named_free(s, AccessLevel, facility, spec.name, level.id if level else None)
    _owned(s, AccessArea, facility, spec.area_id)
    _owned(s, AccessSchedule, facility, spec.schedule_id)
    if spec.role_id is not None:
        role = s.get(Role, spec.role_id)
        if role is None or role.company_id != facility.company_id:
            raise InvalidInputError(f"no role `{spec.role_id}`")
    names = list(dict.fromkeys(n.strip() for n in spec.pms_names))
    if any(not n for n in names):
        raise InvalidInputError("`pms_names` holds an empty name")
    others = s.exec(
        select(AccessLevel).where(
            AccessLevel.facility_id == facility.id,
            col(AccessLevel.id) != (level.id if level else ""),
        )
    ).all()
    for other in others:
        theirs = {o.casefold() for o in other.pms_names}
        taken = [n for n in names if n.casefold() in theirs]
        if taken:
            raise RefusedError(f"PMS name `{taken[0]}` maps to level `{other.name}` already")
    row = level or AccessLevel(facility_id=facility.id, name=spec.name)
    row.name, row.area_id, row.schedule_id = spec.name, spec.area_id, spec.schedule_id
    row.is_default, row.building, row.floor = spec.is_default, spec.building, spec.floor
    row.role_id, row.pms_names = spec.role_id, names
    _save(ctx, facility, row, level is not None)
    return row


def _refuse_in_use(session: Session, column: Any, row_id: str, what: str) -> None:
    used = session.exec(select(AccessLevel.name).where(column == row_id)).first()
    if used is not None:
        raise RefusedError(f"{what} is used by access level `{used}`", help="change it first")


def delete_area(ctx: EditContext, facility: Facility, area: AccessArea) -> None:
    """Remove an area no level uses (409 otherwise)."""
    _refuse_in_use(ctx.session, col(AccessLevel.area_id), area.id, f"area `{area.name}`")
    _record(ctx, facility, "access_area_removed", area, f"- access area {area.name}")
    ctx.session.delete(area)
    _bump(ctx, facility)
    ctx.flush(f"access area `{area.name}`")


def delete_schedule(ctx: EditContext, facility: Facility, schedule: AccessSchedule) -> None:
    """Remove a schedule no level uses (409 otherwise)."""
    what = f"schedule `{schedule.name}`"
    _refuse_in_use(ctx.session, col(AccessLevel.schedule_id), schedule.id, what)
    _record(
        ctx, facility, "access_schedule_removed", schedule, f"- access schedule {schedule.name}"
    )
    ctx.session.delete(schedule)
    _bump(ctx, facility)
    ctx.flush(what)


def delete_level(ctx: EditContext, facility: Facility, level: AccessLevel) -> None:
    """Remove a level no active rental holds (409 otherwise)."""
    held = ctx.session.exec(
        select(Rental.id).where(Rental.access_level_id == level.id, col(Rental.ended_at).is_(None))
    ).first()
    if held is not None:
        raise RefusedError(
            f"access level `{level.name}` is held by rental `{held}`",
            help="give the rental another level first (or let the PMS sync do it)",
        )
    _record(ctx, facility, "access_level_removed", level, f"- access level {level.name}")
    ctx.session.delete(level)
    _bump(ctx, facility)
    ctx.flush(f"access level `{level.name}`")
