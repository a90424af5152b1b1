"""Facilities, units, doors and their history as the portal sees them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from engine.domain import DoorKind, UnitState

__all__ = [
    "ConflictOut",
    "DoorOut",
    "DoorScopeOut",
    "FacilityOut",
    "GrantOut",
    "TransitionOut",
    "UnitDetail",
    "UnitOut",
]


class FacilityOut(BaseModel):
    """A facility and its default access hours (local time)."""

    id: str
    company_id: str
    key: str | None
    """Short name unique in the company (None only for facilities made before keys)."""
    name: str
    timezone: str
    country: str | None
    """ISO 3166-1 alpha-2 (None only for facilities made before countries were kept)."""
    access_opens: str = Field(pattern=r"^[0-2][0-9]:[0-5][0-9]$")
    """Local opening time, `HH:MM`."""
    access_closes: str = Field(pattern=r"^[0-2][0-9]:[0-5][0-9]$")
    """Local closing time, `HH:MM` (before opening: the hours span midnight)."""
    notifications_off: list[str] = []
    """Tenant notifications the facility does not send (`employee_opened_unit`,
    `share_first_used`, `access_changed`)."""
    codes_health_check_at: str = Field(default="06:00", pattern=r"^[0-2][0-9]:[0-5][0-9]$")
    """Local time of the daily health check of keypad codes, `HH:MM` (seed 003)."""


class UnitOut(BaseModel):
    """A unit: lifecycle state, the PMS's status and the lien overlay."""

    id: str
    facility_id: str
    number: str
    building: str | None
    floor: str | None
    pms_ref: str | None
    """The PMS's id for the unit."""
    state: UnitState
    """The stored lifecycle state."""
    effective_state: UnitState
    """The state decisions use now (a lien past its stated end is already over)."""
    pms_status: UnitState
    lien_reason: str | None
    emergency_until: datetime | None
    access_until: datetime | None
    version: int
    """Send it back as `expected_version` to refuse acting on a changed unit."""
    last_pms_seq: int


class DoorScopeOut(BaseModel):
    """A part of the facility an entry point serves."""

    building: str | None
    floor: str | None
    unit_id: str | None
    unit_number: str | None


class DoorOut(BaseModel):
    """A door: an entry point or a unit's lock, with its lock hardware id."""

    id: str
    facility_id: str
    name: str
    kind: DoorKind
    unit_id: str | None
    lock_ref: str | None
    direction: str | None = None
    """For a gate: `in` or `out` when it counts who is on site."""
    anti_passback: bool = False
    """An entry gate refusing a second entry with no exit between."""
    serves: list[DoorScopeOut] = []
    """For an entry point, the parts of the facility it serves; empty: all of it."""


class TransitionOut(BaseModel):
    """One lifecycle transition: who, why, source and PMS sequence number."""

    event: str
    source: str
    actor: str
    reason: str | None
    from_state: str
    to_state: str
    pms_status: str
    pms_seq: int | None
    at: datetime


class GrantOut(BaseModel):
    """An auction winner's or clean-out employee's access window."""

    id: str
    kind: str
    person_id: str
    window_start: datetime
    window_end: datetime
    revoked_at: datetime | None


class ConflictOut(BaseModel):
    """A PMS event recorded for a person to resolve instead of being applied."""

    id: int
    unit_id: str
    event: str
    pms_seq: int | None
    detail: str
    at: datetime
    resolved_at: datetime | None
    """When it closed (None: open, waiting for a person)."""
    resolved_by: str | None
    """`pms` when a later PMS record closed it, else the employee (`person:<id>`)."""
    resolution: str | None
    """Why it closed: the PMS record that resolved it, or the employee's note."""
    resolved_pms_seq: int | None
    """The sequence number of the PMS record that closed it."""


class UnitDetail(UnitOut):
    """A unit with its history, grants and sync conflicts (open and resolved)."""

    history: list[TransitionOut]
    grants: list[GrantOut]
    conflicts: list[ConflictOut]
