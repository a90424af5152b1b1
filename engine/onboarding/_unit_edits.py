"""Adding, editing and removing units, so that a rented unit is never orphaned."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from engine.errors import InvalidInputError, RefusedError
from engine.onboarding._context import EditContext, shown
from engine.onboarding._facility_edits import facility_label
from engine.onboarding._locks import refuse_taken_lock
from engine.onboarding._rented import is_rented
from engine.persistence.tables import Door, DoorScope, Facility, Unit
from engine.sites import add_unit, unit_lock_name
from engine.units import LifecycleService

__all__ = ["UNIT_FIELDS", "edit_unit", "new_unit", "remove_unit", "unit_door"]

UNIT_FIELDS = ("number", "building", "floor", "pms_ref")
"""What `edit_unit` changes (the lock is the door's: `set_lock`)."""


def unit_door(ctx: EditContext, unit: Unit) -> Door:
    """The unit's lock door (also while the unit is removed)."""
    door = ctx.session.exec(select(Door).where(Door.unit_id == unit.id)).first()
    # INVARIANT: `engine.sites.add_unit` makes every unit with its lock door.
    assert door is not None, f"unit {unit.id} has no lock door"
    return door


def _unit_numbered(ctx: EditContext, facility: Facility, number: str) -> Unit | None:
    return ctx.session.exec(
        select(Unit).where(Unit.facility_id == facility.id, Unit.number == number)
    ).first()


def _refuse_taken_pms_ref(ctx: EditContext, facility: Facility, ref: str | None, own: str) -> None:
    if ref is None:
        return
    taken = ctx.session.exec(
        select(Unit.number).where(
            Unit.facility_id == facility.id, Unit.pms_ref == ref, col(Unit.id) != own
        )
    ).first()
    if taken is not None:
        raise RefusedError(f"unit `{taken}` of `{facility_label(facility)}` has PMS ref `{ref}`")


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(UNIT_FIELDS)
    if unknown:
        raise InvalidInputError(f"unknown unit field `{sorted(unknown)[0]}`")
    if "number" in values and not values["number"]:
        raise InvalidInputError("a unit needs a `number`")
    return values


def new_unit(
    ctx: EditContext,
    facility: Facility,
    number: str,
    *,
    building: str | None = None,
    floor: str | None = None,
    pms_ref: str | None = None,
    lock_ref: str | None = None,
) -> Unit:
    """An available unit with its lock door; a removed unit of that number comes back."""
    _checked({"number": number})
    label = facility_label(facility)
    existing = _unit_numbered(ctx, facility, number)
    if existing is not None and existing.removed_at is None:
        raise RefusedError(f"unit `{number}` exists at `{label}`", help="edit it instead")
    _refuse_taken_pms_ref(ctx, facility, pms_ref, existing.id if existing else "")
    door = unit_door(ctx, existing) if existing is not None else None
    refuse_taken_lock(ctx, facility, lock_ref, door.id if door else None)
    fields = {"building": building, "floor": floor, "pms_ref": pms_ref}
    if existing is None:
        with ctx.guarded(f"unit `{number}`"):
            unit = add_unit(ctx.session, facility.id, number, ctx.now, lock_ref=lock_ref, **fields)
    else:
        assert door is not None
        # Back in service as a fresh unit for the PMS: its old sequence numbers were another
        # ref's (removal clears the ref).
        values = {**fields, "removed_at": None, "last_pms_seq": 0, "updated_at": ctx.now}
        LifecycleService.compare_and_set(ctx.session, existing, values, "unit added again")
        door.removed_at, door.lock_ref = None, lock_ref
        ctx.session.add(door)
        unit = existing
    ctx.flush(f"unit `{number}`")
    ctx.record(
        [facility.id],
        "unit_added",
        unit.id,
        f"+ unit {number} ({label})",
        {
            "unit_id": unit.id,
            "number": number,
            "lock_ref": lock_ref,
            "again": existing is not None,
            **fields,
        },
    )
    return unit


def edit_unit(ctx: EditContext, unit: Unit, facility: Facility, values: dict[str, Any]) -> Unit:
    """Set the given fields; a rented unit keeps its PMS ref (changing it would cut the
    rental off from the PMS). Nothing is recorded when nothing differs."""
    diff = {k: v for k, v in _checked(values).items() if getattr(unit, k) != v}
    if not diff:
        return unit
    label, number = facility_label(facility), unit.number
    if "pms_ref" in diff:
        if is_rented(ctx.session, unit):
            raise RefusedError(
                f"unit `{number}` is rented; changing its PMS ref would orphan its rental",
                help="change it after the PMS vacates the unit",
            )
        _refuse_taken_pms_ref(ctx, facility, diff["pms_ref"], unit.id)
    if "number" in diff:
        other = _unit_numbered(ctx, facility, diff["number"])
        if other is not None:
            state = "a removed unit" if other.removed_at is not None else "another unit"
            raise RefusedError(f"{state} of `{label}` has the number `{diff['number']}`")
    before = {k: getattr(unit, k) for k in diff}
    door = unit_door(ctx, unit)
    LifecycleService.compare_and_set(
        ctx.session, unit, {**diff, "updated_at": ctx.now}, "unit edit"
    )
    if "number" in diff:
        door.name = unit_lock_name(diff["number"])
        ctx.session.add(door)
    ctx.flush(f"unit `{number}`")
    what = ", ".join(f"{k} {shown(before[k])} -> {shown(v)}" for k, v in diff.items())
    ctx.record(
        [facility.id],
        "unit_changed",
        unit.id,
        f"~ unit {number} ({label}): {what}",
        {"unit_id": unit.id, "before": before, "after": diff},
    )
    return unit


def remove_unit(ctx: EditContext, unit: Unit, facility: Facility) -> None:
    """Take the unit and its lock out of service (their history stays). Refused while the unit
    is rented, and while a door serves it by name."""
    label, number = facility_label(facility), unit.number
    if is_rented(ctx.session, unit):
        raise RefusedError(
            f"unit `{number}` is rented; removing it would orphan its rental",
            help="a unit can be removed after the PMS vacates it",
        )
    serving = ctx.session.exec(
        select(Door.name)
        .join(DoorScope, col(DoorScope.door_id) == col(Door.id))
        .where(DoorScope.unit_id == unit.id)
    ).first()
    if serving is not None:
        raise RefusedError(
            f"door `{serving}` serves unit `{number}`", help="change what the door serves first"
        )
    door = unit_door(ctx, unit)
    refs = {"pms_ref": unit.pms_ref, "lock_ref": door.lock_ref}
    # The version check makes this lose to a move-in committed since the unit was read.
    values = {"removed_at": ctx.now, "pms_ref": None, "updated_at": ctx.now}
    LifecycleService.compare_and_set(ctx.session, unit, values, "unit removal")
    door.removed_at, door.lock_ref = ctx.now, None
    ctx.session.add(door)
    ctx.flush(f"unit `{number}`")
    ctx.record(
        [facility.id],
        "unit_removed",
        unit.id,
        f"- unit {number} ({label})",
        {"unit_id": unit.id, "number": number, **refs},
    )
