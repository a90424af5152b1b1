"""Bodies of the access-level routes: areas, schedules, levels, a rental's level."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas._input import Input

__all__ = [
    "AreaIn",
    "AreaOut",
    "ExceptionIn",
    "LevelIn",
    "LevelOut",
    "RentalAccessIn",
    "RentalAccessOut",
    "ScheduleIn",
    "ScheduleOut",
    "WindowIn",
]

_CLOCK = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"


class AreaIn(Input):
    """An access area: a named set of the facility's entry points."""

    name: str = Field(min_length=1, max_length=100)
    door_ids: list[str] = Field(default_factory=list, max_length=500)
    """Entry-point doors (gates, building doors, elevator floors) of the facility."""


class AreaOut(BaseModel):
    """An access area."""

    id: str
    facility_id: str
    name: str
    door_ids: list[str]


class WindowIn(Input):
    """`[opens, closes)` in local wall-clock time; `closes` may be `24:00`."""

    opens: str = Field(pattern=_CLOCK)
    closes: str = Field(pattern=_CLOCK)


class ExceptionIn(Input):
    """A date whose windows replace the weekday's: none is closed all day (a holiday)."""

    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    windows: list[WindowIn] = Field(default_factory=list, max_length=24)


class ScheduleIn(Input):
    """A weekly schedule in the facility's time zone (DST: wall-clock time; minutes a gap
    skips are absent, both occurrences of a repeated wall time are inside)."""

    name: str = Field(min_length=1, max_length=100)
    always: bool = False
    """Around the clock (then `weekly` and `exceptions` are left out)."""
    weekly: dict[str, list[WindowIn]] = Field(default_factory=dict)
    """`mon` … `sun` → windows; a weekday left out is closed."""
    exceptions: list[ExceptionIn] = Field(default_factory=list, max_length=400)

    def spec(self) -> dict[str, object]:
        """The schedule's stored form (`engine.levels.parse_schedule` reads it)."""
        if self.always:
            return {"always": True}
        body = self.model_dump(include={"weekly", "exceptions"})
        return dict(body)


class ScheduleOut(BaseModel):
    """A weekly schedule."""

    id: str
    facility_id: str
    name: str
    spec: dict[str, object]
    """`{always: true}` or `{weekly, exceptions}`, as given (normalised)."""


class LevelIn(Input):
    """An access level: area × schedule, and who holds it."""

    name: str = Field(min_length=1, max_length=100)
    area_id: str | None = None
    """None: every entry point of the facility."""
    schedule_id: str | None = None
    """None: around the clock."""
    is_default: bool = False
    """Every tenant of the facility holds it (replaces the facility's daily hours)."""
    building: str | None = Field(default=None, min_length=1, max_length=50)
    floor: str | None = Field(default=None, min_length=1, max_length=20)
    """Tenants of units in this building and/or on this floor hold it."""
    role_id: str | None = None
    """Employees holding this role hold it."""
    pms_names: list[str] = Field(default_factory=list, max_length=50)
    """The PMS's access-level names (SiteLink/storEDGE gate access level) that map here."""


class LevelOut(BaseModel):
    """An access level."""

    id: str
    facility_id: str
    name: str
    area_id: str | None
    schedule_id: str | None
    is_default: bool
    building: str | None
    floor: str | None
    role_id: str | None
    pms_names: list[str]


class RentalAccessIn(Input):
    """A rental's own access level and its tenant's 24/7 override."""

    access_level_id: str | None = None
    around_the_clock: bool = False


class RentalAccessOut(BaseModel):
    """A rental's own access level and its tenant's 24/7 override."""

    rental_id: str
    access_level_id: str | None
    around_the_clock: bool
