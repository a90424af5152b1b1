"""Entry points (gates, building doors, elevators) with what they serve, and every door's lock."""

from __future__ import annotations

from collections.abc import Sequence
from types import EllipsisType

from sqlalchemy import delete
from sqlmodel import col, select

from engine.domain import DoorKind
from engine.errors import InvalidInputError, RefusedError
from engine.onboarding._context import EditContext, shown
from engine.onboarding._facility_edits import facility_label
from engine.onboarding._locks import refuse_taken_lock
from engine.onboarding._scopes import Scope, describe_scopes, replace_scopes, scopes_of
from engine.persistence.tables import Door, DoorScope, Facility, Unit
from engine.sites import add_door

__all__ = ["edit_door", "new_door", "remove_door", "set_lock"]


def _direction(kind: DoorKind, direction: str | None, anti_passback: bool) -> None:
    """Only a gate counts entries and exits; anti-passback needs an entry gate."""
    if direction not in (None, "in", "out"):
        raise InvalidInputError(f"direction `{direction}` is not `in` or `out`")
    if direction is not None and kind is not DoorKind.GATE:
        raise InvalidInputError(
            f"a `{kind.value}` has no direction", help="entries and exits are counted at gates"
        )
    if anti_passback and direction != "in":
        raise InvalidInputError(
            "anti-passback needs an entry gate", help="set `direction: in` on the gate"
        )


def _entry_kind(kind: DoorKind | str) -> DoorKind:
    value = DoorKind(kind)
    if not value.is_entry_point:
        raise InvalidInputError(
            "a unit's lock comes with its unit", help="add the unit with a `lock_ref`"
        )
    return value


def _checked_scopes(ctx: EditContext, facility: Facility, scopes: Sequence[Scope]) -> list[Scope]:
    out = []
    for scope in scopes:
        scope.check()
        if scope.unit_id is not None:
            unit = ctx.session.get(Unit, scope.unit_id)
            if unit is None or unit.facility_id != facility.id or unit.removed_at is not None:
                raise InvalidInputError(
                    f"no unit `{scope.unit_id}` at `{facility_label(facility)}` to serve"
                )
        out.append(scope)
    return sorted(set(out), key=Scope.sort_key)


def _entry_door(door: Door) -> None:
    if door.unit_id is not None:
        raise InvalidInputError(
            f"door `{door.name}` is a unit's lock", help="edit the unit, or set its lock"
        )


def new_door(
    ctx: EditContext,
    facility: Facility,
    name: str,
    kind: DoorKind | str,
    *,
    scopes: Sequence[Scope] = (),
    lock_ref: str | None = None,
    direction: str | None = None,
    anti_passback: bool = False,
) -> Door:
    """An entry point serving `scopes` (none: the whole facility); a removed entry point of
    that name comes back. A gate's `direction` (`in`/`out`) counts who is on site."""
    entry = _entry_kind(kind)
    _direction(entry, direction, anti_passback)
    if not name:
        raise InvalidInputError("a door needs a `name`")
    label = facility_label(facility)
    wanted = _checked_scopes(ctx, facility, scopes)
    existing = ctx.session.exec(
        select(Door).where(Door.facility_id == facility.id, Door.name == name)
    ).first()
    if existing is not None and (existing.removed_at is None or existing.unit_id is not None):
        raise RefusedError(f"door `{name}` exists at `{label}`", help="edit it instead")
    refuse_taken_lock(ctx, facility, lock_ref, existing.id if existing else None)
    if existing is None:
        with ctx.guarded(f"door `{name}`"):
            door = add_door(ctx.session, facility.id, name, entry, lock_ref=lock_ref)
    else:
        door = existing
        door.kind, door.lock_ref, door.removed_at = entry.value, lock_ref, None
    door.direction, door.anti_passback = direction, anti_passback
    ctx.session.add(door)
    replace_scopes(ctx.session, door.id, wanted)
    ctx.flush(f"door `{name}`")
    serves = describe_scopes(ctx.session, wanted)
    ctx.record(
        [facility.id],
        "door_added",
        door.id,
        f"+ door {name} ({label}): {entry.value}, serves {serves}, lock {shown(lock_ref)}",
        {
            "door_id": door.id,
            "name": name,
            "kind": entry.value,
            "serves": serves,
            "lock_ref": lock_ref,
            "direction": direction,
            "anti_passback": anti_passback,
        },
    )
    return door


def edit_door(
    ctx: EditContext,
    door: Door,
    facility: Facility,
    *,
    name: str | None = None,
    kind: DoorKind | str | None = None,
    scopes: Sequence[Scope] | None = None,
    direction: str | EllipsisType | None = ...,
    anti_passback: bool | None = None,
) -> Door:
    """Rename an entry point, change its kind, what it serves (None: unchanged) or its
    direction (`...`: unchanged, None: not counted); nothing is recorded when nothing
    differs."""
    _entry_door(door)
    label, old_name = facility_label(facility), door.name
    parts: list[str] = []
    before_scopes = scopes_of(ctx.session, [door.id]).get(door.id, [])
    if name is not None and name != door.name:
        if not name:
            raise InvalidInputError("a door needs a `name`")
        taken = ctx.session.exec(
            select(Door.id).where(Door.facility_id == facility.id, Door.name == name)
        ).first()
        if taken is not None:
            raise RefusedError(f"door `{name}` exists at `{label}`")
        parts.append(f"name {door.name} -> {name}")
        door.name = name
    if kind is not None and _entry_kind(kind).value != door.kind:
        parts.append(f"kind {door.kind} -> {DoorKind(kind).value}")
        door.kind = DoorKind(kind).value
    if scopes is not None:
        wanted = _checked_scopes(ctx, facility, scopes)
        if wanted != before_scopes:
            parts.append(
                f"serves {describe_scopes(ctx.session, before_scopes)} -> "
                f"{describe_scopes(ctx.session, wanted)}"
            )
            replace_scopes(ctx.session, door.id, wanted)
    if not isinstance(direction, EllipsisType) and direction != door.direction:
        keeps = door.anti_passback if anti_passback is None else anti_passback
        _direction(DoorKind(door.kind), direction, keeps)
        parts.append(f"direction {shown(door.direction)} -> {shown(direction)}")
        door.direction = direction
    if anti_passback is not None and anti_passback != door.anti_passback:
        _direction(DoorKind(door.kind), door.direction, anti_passback)
        parts.append(f"anti-passback {'on' if anti_passback else 'off'}")
        door.anti_passback = anti_passback
    if not parts:
        return door
    ctx.session.add(door)
    ctx.flush(f"door `{old_name}`")
    ctx.record(
        [facility.id],
        "door_changed",
        door.id,
        f"~ door {old_name} ({label}): {', '.join(parts)}",
        {"door_id": door.id, "changes": parts},
    )
    return door


def remove_door(ctx: EditContext, door: Door, facility: Facility) -> None:
    """Take an entry point out of service: it opens nothing; its history stays."""
    if door.unit_id is not None:
        raise RefusedError(
            f"door `{door.name}` is a unit's lock", help="remove the unit, or unassign the lock"
        )
    lock_ref = door.lock_ref
    door.removed_at, door.lock_ref = ctx.now, None
    ctx.session.add(door)
    ctx.session.execute(delete(DoorScope).where(col(DoorScope.door_id) == door.id))
    ctx.flush(f"door `{door.name}`")
    ctx.record(
        [facility.id],
        "door_removed",
        door.id,
        f"- door {door.name} ({facility_label(facility)})",
        {"door_id": door.id, "name": door.name, "lock_ref": lock_ref},
    )


def set_lock(ctx: EditContext, door: Door, facility: Facility, lock_ref: str | None) -> Door:
    """Put the lock `lock_ref` on the door (None: take its lock off); unchanged: nothing."""
    if door.lock_ref == lock_ref:
        return door
    refuse_taken_lock(ctx, facility, lock_ref, door.id)
    before = door.lock_ref
    door.lock_ref = lock_ref
    ctx.session.add(door)
    ctx.flush(f"door `{door.name}`")
    unit = ctx.session.get(Unit, door.unit_id) if door.unit_id else None
    what = f"unit {unit.number}" if unit is not None else f"door {door.name}"
    ctx.record(
        [facility.id],
        "lock_assigned" if lock_ref is not None else "lock_unassigned",
        door.id,
        f"~ {what} ({facility_label(facility)}): lock {shown(before)} -> {shown(lock_ref)}",
        {"door_id": door.id, "before": before, "after": lock_ref},
    )
    return door
