"""A site file's `access` section: the facility's areas, schedules and levels, each list
complete; unchanged ones are left alone (so applying a file again changes nothing)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlmodel import col, select

from engine.errors import NotFoundError
from engine.levels import parse_schedule
from engine.onboarding._context import EditContext
from engine.onboarding._level_edits import (
    LevelSpec,
    delete_area,
    delete_level,
    delete_schedule,
    put_area,
    put_level,
    put_schedule,
)
from engine.onboarding._site_model import AccessSpec
from engine.persistence.tables import AccessArea, AccessLevel, AccessSchedule, Door, Facility, Role

__all__ = ["apply_access"]

At = Callable[..., AbstractContextManager[None]]
"""`at(*path, key=False)`: errors inside name that place of the site file."""


def apply_access(
    ctx: EditContext, facility: Facility, spec: AccessSpec, at: At, base: tuple[str | int, ...]
) -> None:
    """Make the facility's areas, schedules and levels what `spec` lists."""
    s = ctx.session
    areas = {
        a.name: a
        for a in s.exec(select(AccessArea).where(AccessArea.facility_id == facility.id)).all()
    }
    schedules = {
        x.name: x
        for x in s.exec(
            select(AccessSchedule).where(AccessSchedule.facility_id == facility.id)
        ).all()
    }
    levels = {
        lv.name: lv
        for lv in s.exec(select(AccessLevel).where(AccessLevel.facility_id == facility.id)).all()
    }
    doors = {
        d.name: d.id
        for d in s.exec(
            select(Door).where(Door.facility_id == facility.id, col(Door.removed_at).is_(None))
        ).all()
    }
    for j, a in enumerate(spec.areas):
        path = (*base, "access", "areas", j)
        ids = []
        for k, name in enumerate(a.doors):
            if name not in doors:
                with at(*path, "doors", k):
                    raise NotFoundError(f"no door `{name}` in this facility")
            ids.append(doors[name])
        found = areas.get(a.name)
        if found is None or found.door_ids != list(dict.fromkeys(ids)):
            with at(*path):
                areas[a.name] = put_area(ctx, facility, a.name, ids, found)
    for j, x in enumerate(spec.schedules):
        path = (*base, "access", "schedules", j)
        found_s = schedules.get(x.name)
        with at(*path):
            wanted = parse_schedule(x.stored()).as_json()
            if found_s is None or found_s.spec != wanted:
                schedules[x.name] = put_schedule(ctx, facility, x.name, wanted, found_s)
    for j, lv in enumerate(spec.levels):
        path = (*base, "access", "levels", j)
        known = {"area": {n: r.id for n, r in areas.items()}}
        known["schedule"] = {n: r.id for n, r in schedules.items()}
        refs: dict[str, str | None] = {}
        for field, ref in (("area", lv.area), ("schedule", lv.schedule)):
            if ref is not None and ref not in known[field]:
                with at(*path, field):
                    raise NotFoundError(f"no access {field} `{ref}` in this facility")
            refs[field] = known[field][ref] if ref is not None else None
        role_id: str | None = None
        if lv.role is not None:
            role_id = s.exec(
                select(Role.id).where(Role.company_id == facility.company_id, Role.name == lv.role)
            ).first()
            if role_id is None:
                with at(*path, "role"):
                    raise NotFoundError(f"no role `{lv.role}`")
        wanted_l = LevelSpec(
            lv.name,
            refs["area"],
            refs["schedule"],
            lv.default,
            lv.building,
            lv.floor,
            role_id,
            tuple(lv.pms_names),
        )
        found_l = levels.get(lv.name)
        if found_l is None or _spec_of(found_l) != wanted_l:
            with at(*path):
                levels[lv.name] = put_level(ctx, facility, wanted_l, found_l)
    _remove_unlisted(ctx, facility, spec, at, base, (areas, schedules, levels))


def _remove_unlisted(
    ctx: EditContext,
    facility: Facility,
    spec: AccessSpec,
    at: At,
    base: tuple[str | int, ...],
    rows: tuple[dict[str, AccessArea], dict[str, AccessSchedule], dict[str, AccessLevel]],
) -> None:
    """Levels first (they use areas and schedules), then schedules and areas."""
    areas, schedules, levels = rows
    listed = {lv.name for lv in spec.levels}
    for name, level in sorted(levels.items()):
        if name not in listed:
            with at(*base, "access", "levels", key=True):
                delete_level(ctx, facility, level)
    listed = {x.name for x in spec.schedules}
    for name, schedule in sorted(schedules.items()):
        if name not in listed:
            with at(*base, "access", "schedules", key=True):
                delete_schedule(ctx, facility, schedule)
    listed = {a.name for a in spec.areas}
    for name, area in sorted(areas.items()):
        if name not in listed:
            with at(*base, "access", "areas", key=True):
                delete_area(ctx, facility, area)


def _spec_of(level: AccessLevel) -> LevelSpec:
    return LevelSpec(
        level.name,
        level.area_id,
        level.schedule_id,
        level.is_default,
        level.building,
        level.floor,
        level.role_id,
        tuple(level.pms_names),
    )
