"""A facility's access levels compiled for deciding: read once per levels version.

The access hot path reads the facility's `levels_version` with the door (no extra round
trip); the compiled levels of that version come from a process cache, so a decision reads
the levels only after an edit. A facility that never had a level (version 0) reads nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import cache
from threading import Lock

from sqlalchemy import Connection, bindparam, or_, select

from engine.levels._schedule import ALWAYS, Schedule, parse_schedule
from engine.persistence import table_of
from engine.persistence.tables import (
    AccessArea,
    AccessLevel,
    AccessSchedule,
    Role,
    RoleAssignment,
)

__all__ = [
    "FacilityLevels",
    "Level",
    "compiled_levels",
    "daily_level",
    "judge",
    "role_ids_at",
]

_area, _schedule, _level = table_of(AccessArea), table_of(AccessSchedule), table_of(AccessLevel)
_role, _assignment = table_of(Role), table_of(RoleAssignment)


@dataclass(frozen=True, slots=True)
class Level:
    """An access level as decided on: the entry points of its area and its schedule."""

    id: str
    name: str
    doors: frozenset[str] | None
    """The area's entry-point door ids; None: every entry point of the facility."""
    schedule: Schedule

    def holds(self, door_id: str) -> bool:
        """Whether the entry point `door_id` is in this level's area."""
        return self.doors is None or door_id in self.doors


@cache
def daily_level(opens: time, closes: time) -> Level:
    """The implicit facility default: every entry point × the daily hours (the facility's,
    or the rental's access group's), for facilities without a level marked default."""
    return Level("", "facility hours", None, Schedule.daily(opens, closes))


@dataclass(frozen=True)
class FacilityLevels:
    """Every level of a facility, indexed by who holds it."""

    defaults: tuple[Level, ...] = ()
    """Levels every tenant holds (empty: the implicit facility-hours level)."""
    places: tuple[tuple[str | None, str | None, Level], ...] = ()
    """(building, floor, level): tenants of units there hold the level (None: any)."""
    roles: Mapping[str, tuple[Level, ...]] = field(default_factory=dict)
    by_id: Mapping[str, Level] = field(default_factory=dict)

    _of_unit: dict[tuple[str | None, str | None], tuple[Level, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def of_unit(self, building: str | None, floor: str | None) -> tuple[Level, ...]:
        """The levels given with a unit in `building` on `floor` (remembered per place)."""
        key = (building, floor)
        found = self._of_unit.get(key)
        if found is None:
            found = tuple(
                lv
                for b, f, lv in self.places
                if (b is None or b == building) and (f is None or f == floor)
            )
            self._of_unit[key] = found
        return found


_NONE = FacilityLevels()
_CACHE: dict[tuple[int, str, int], FacilityLevels] = {}
_CACHE_LIMIT = 1024
_CACHE_LOCK = Lock()

_AREAS = select(_area.c.id, _area.c.door_ids).where(_area.c.facility_id == bindparam("f"))
_SCHEDULES = select(_schedule.c.id, _schedule.c.spec).where(
    _schedule.c.facility_id == bindparam("f")
)
_LEVELS = select(
    _level.c.id,
    _level.c.name,
    _level.c.area_id,
    _level.c.schedule_id,
    _level.c.is_default,
    _level.c.building,
    _level.c.floor,
    _level.c.role_id,
).where(_level.c.facility_id == bindparam("f"))


def _load(conn: Connection, facility_id: str) -> FacilityLevels:
    params = {"f": facility_id}
    areas = {i: frozenset(doors) for i, doors in conn.execute(_AREAS, params)}
    schedules = {i: parse_schedule(spec) for i, spec in conn.execute(_SCHEDULES, params)}
    defaults: list[Level] = []
    places: list[tuple[str | None, str | None, Level]] = []
    roles: dict[str, list[Level]] = {}
    by_id: dict[str, Level] = {}
    for lid, name, area, sched, is_default, building, floor, role in conn.execute(_LEVELS, params):
        level = Level(
            lid,
            name,
            areas.get(area, frozenset()) if area is not None else None,
            schedules.get(sched, ALWAYS) if sched is not None else ALWAYS,
        )
        by_id[lid] = level
        if is_default:
            defaults.append(level)
        if building is not None or floor is not None:
            places.append((building, floor, level))
        if role is not None:
            roles.setdefault(role, []).append(level)
    return FacilityLevels(
        tuple(defaults), tuple(places), {r: tuple(v) for r, v in roles.items()}, by_id
    )


def compiled_levels(conn: Connection, facility_id: str, version: int) -> FacilityLevels:
    """The facility's levels at `version` (its `levels_version`), read once per version."""
    if version == 0:
        return _NONE
    key = (id(conn.engine), facility_id, version)  # per database: tests reuse stable ids
    found = _CACHE.get(key)
    if found is None:
        found = _load(conn, facility_id)
        with _CACHE_LOCK:
            if len(_CACHE) >= _CACHE_LIMIT:
                _CACHE.clear()
            _CACHE[key] = found
    return found


_ROLE_IDS = (
    select(_assignment.c.role_id)
    .join(_role, _role.c.id == _assignment.c.role_id)
    .where(
        _assignment.c.person_id == bindparam("person"),
        _role.c.company_id == bindparam("company"),
        or_(_assignment.c.facility_id.is_(None), _assignment.c.facility_id == bindparam("f")),
    )
)


def role_ids_at(conn: Connection, person_id: str, facility_id: str, company_id: str) -> set[str]:
    """The roles `person_id` holds at the facility (company-wide ones included)."""
    params = {"person": person_id, "company": company_id, "f": facility_id}
    return set(conn.scalars(_ROLE_IDS, params))


def judge(
    levels: Sequence[Level],
    door_id: str,
    unit_lock: bool,
    now: datetime,
    timezone: str,
    around_the_clock: bool = False,
) -> tuple[bool, bool]:
    """`(within_schedule, door_in_area)` of a request under the person's `levels`.

    A unit lock is always in area and any level's schedule counts there; at an entry point
    only the levels whose area holds the door count (so area and schedule pair up: a
    level's schedule never opens another level's doors), and when none holds it, any
    level's schedule says whether the denial is about the hour as well.
    `around_the_clock` (a tenant's 24/7 override) makes every hour inside.
    """
    if unit_lock:
        holding, in_area = levels, True
    else:
        holding = [lv for lv in levels if lv.holds(door_id)]
        in_area = bool(holding)
        if not in_area:
            holding = levels
    if around_the_clock:
        return True, in_area
    for lv in holding:  # a loop, not any(): this is the access hot path
        if lv.schedule.contains(now, timezone):
            return True, in_area
    return False, in_area
