"""Bodies of the onboarding routes: facilities, units, entry points, locks, invitations."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from api.schemas._input import Input
from engine.domain import check_country, check_timezone
from engine.onboarding import FACILITY_FIELDS, KEY_PATTERN

__all__ = [
    "AcceptIn",
    "AcceptOut",
    "DoorIn",
    "DoorPatch",
    "EmployeeOut",
    "EmployeeRoleOut",
    "FacilityIn",
    "FacilityPatch",
    "InvitationCreated",
    "InvitationIn",
    "InvitationOut",
    "LockIn",
    "PlacementIn",
    "ScopeIn",
    "UnitIn",
    "UnitPatch",
    "given",
]

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
EntryKind = Literal["gate", "building_door", "elevator"]
NotificationKind = Literal["employee_opened_unit", "share_first_used", "access_changed"]
"""`engine.onboarding.OPTIONAL_NOTIFICATIONS`."""
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _zone(value: str | None) -> str | None:
    return None if value is None else check_timezone(value)


def _country(value: str | None) -> str | None:
    return None if value is None else check_country(value)


def given(body: BaseModel, *, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields a PATCH body sets (explicit nulls included); `required` fields may not be
    set to null."""
    values = {
        name: getattr(body, name)
        for name in type(body).model_fields
        if name in body.model_fields_set
    }
    for name in required:
        if name in values and values[name] is None:
            raise ValueError(f"`{name}` cannot be null")
    return values


class FacilityIn(Input):
    """A new facility of the caller's company."""

    key: str = Field(pattern=KEY_PATTERN)
    """Short name unique in the company (`riverside`): site files and change lines use it."""
    name: str = Field(min_length=1, max_length=200)
    timezone: str = Field(max_length=64)
    """IANA time zone (`America/Chicago`) of the access hours and lease dates."""
    country: str = Field(min_length=2, max_length=2)
    """ISO 3166-1 alpha-2 code (`US`)."""
    access_opens: str = Field(default="06:00", pattern=HHMM)
    """Local opening time, `HH:MM`."""
    access_closes: str = Field(default="22:00", pattern=HHMM)
    """Local closing time, `HH:MM` (equal to opening: around the clock)."""
    pms_ref: str | None = Field(default=None, min_length=1, max_length=100)
    """The PMS's id for the facility, for the sync."""

    _zone = field_validator("timezone")(_zone)
    _country = field_validator("country")(_country)


class FacilityPatch(Input):
    """Fields of a facility to change; fields left out stay as they are."""

    key: str | None = Field(default=None, pattern=KEY_PATTERN)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = Field(default=None, max_length=64)
    country: str | None = Field(default=None, min_length=2, max_length=2)
    access_opens: str | None = Field(default=None, pattern=HHMM)
    access_closes: str | None = Field(default=None, pattern=HHMM)
    pms_ref: str | None = Field(default=None, min_length=1, max_length=100)
    """Null unlinks the facility from the PMS."""
    notifications_off: list[NotificationKind] | None = Field(default=None, max_length=3)
    """Tenant notifications the facility does not send (`[]`: all are sent)."""
    codes_health_check_at: str | None = Field(default=None, pattern=HHMM)
    """Local time of the daily health check of keypad codes, `HH:MM` (seed 003)."""

    _zone = field_validator("timezone")(_zone)
    _country = field_validator("country")(_country)

    @model_validator(mode="after")
    def _not_null(self) -> FacilityPatch:
        given(self, required=tuple(f for f in FACILITY_FIELDS if f != "pms_ref"))
        return self


class UnitIn(Input):
    """A new unit (available) with its lock."""

    number: str = Field(min_length=1, max_length=50)
    building: str | None = Field(default=None, min_length=1, max_length=50)
    floor: str | None = Field(default=None, min_length=1, max_length=20)
    pms_ref: str | None = Field(default=None, min_length=1, max_length=100)
    """The PMS's id for the unit: PMS events reach it through this."""
    lock_ref: str | None = Field(default=None, min_length=1, max_length=100)
    """Its lock's hardware id, unique in the facility."""


class UnitPatch(Input):
    """Fields of a unit to change (null clears `building`, `floor`, `pms_ref`)."""

    number: str | None = Field(default=None, min_length=1, max_length=50)
    building: str | None = Field(default=None, min_length=1, max_length=50)
    floor: str | None = Field(default=None, min_length=1, max_length=20)
    pms_ref: str | None = Field(default=None, min_length=1, max_length=100)
    """Refused (409) while the unit is rented: it would cut the rental off from the PMS."""

    @model_validator(mode="after")
    def _not_null(self) -> UnitPatch:
        given(self, required=("number",))
        return self


class ScopeIn(Input):
    """A part of the facility an entry point serves: a unit, or a building and/or floor."""

    unit_id: str | None = Field(default=None, min_length=1, max_length=36)
    building: str | None = Field(default=None, min_length=1, max_length=50)
    floor: str | None = Field(default=None, min_length=1, max_length=20)

    @model_validator(mode="after")
    def _one_kind(self) -> ScopeIn:
        if self.unit_id is not None and (self.building or self.floor):
            raise ValueError("a scope names a `unit_id`, or a `building` and/or `floor`")
        if self.unit_id is None and self.building is None and self.floor is None:
            raise ValueError("an empty scope serves nothing; leave `serves` empty for everything")
        return self


class DoorIn(Input):
    """A new entry point (unit locks come with their unit)."""

    name: str = Field(min_length=1, max_length=100)
    kind: EntryKind
    serves: list[ScopeIn] = Field(default_factory=list, max_length=500)
    """What it serves; empty: the whole facility."""
    lock_ref: str | None = Field(default=None, min_length=1, max_length=100)
    direction: Literal["in", "out"] | None = None
    """For a gate: passing it enters or leaves the site (who is on site); none: not counted."""
    anti_passback: bool = False
    """For an entry gate: refuse a second entry with no exit between."""


class DoorPatch(Input):
    """What to change on an entry point; fields left out stay as they are."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    kind: EntryKind | None = None
    serves: list[ScopeIn] | None = Field(default=None, max_length=500)
    """The new scopes; empty: the whole facility."""
    direction: Literal["in", "out"] | None = None
    """For a gate: `in` or `out`; null: not counted in who is on site."""
    anti_passback: bool | None = None
    """For an entry gate: refuse a second entry with no exit between."""

    @model_validator(mode="after")
    def _not_null(self) -> DoorPatch:
        given(self, required=("name", "kind", "serves", "anti_passback"))
        return self


class LockIn(Input):
    """The lock to put on a door."""

    lock_ref: str = Field(min_length=1, max_length=100)
    """The lock hardware's id (BLE address or vendor id), unique in the facility."""


class PlacementIn(Input):
    """A role at one facility, or at all of them (no facility)."""

    role_id: str = Field(min_length=1, max_length=36)
    facility_id: str | None = Field(default=None, min_length=1, max_length=36)


class InvitationIn(Input):
    """Whom to invite, and the roles they will hold."""

    email: str = Field(max_length=254, pattern=EMAIL)
    name: str = Field(min_length=1, max_length=200)
    """The name for a new account (an existing account keeps its own)."""
    roles: list[PlacementIn] = Field(min_length=1, max_length=50)


class InvitationOut(BaseModel):
    """An invitation (the same whether or not the email already has an account)."""

    id: str
    email: str
    name: str
    roles: list[PlacementIn]
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None


class InvitationCreated(InvitationOut):
    """A new invitation with its code, shown this once: pass it to the person invited."""

    code: str


class AcceptIn(Input):
    """The code of an invitation."""

    code: str = Field(min_length=16, max_length=100)


class AcceptOut(BaseModel):
    """A bearer token for the person who accepted, as an employee of the company."""

    token: str
    person_id: str
    company_id: str
    expires_at: datetime


class EmployeeRoleOut(BaseModel):
    """A role an employee holds, at one facility or at all (no facility)."""

    role_id: str
    role_name: str
    facility_id: str | None


class EmployeeOut(BaseModel):
    """A person holding a role in the company."""

    person_id: str
    name: str
    email: str | None
    roles: list[EmployeeRoleOut]
