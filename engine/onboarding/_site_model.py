"""The site file format (`unitgate site apply`) as pydantic models, also the JSON Schema source.

A site file describes one company: its roles, facilities (with units, doors and locks) and
employees. YAML 1.1 reads `06:00` as a number and `NO` as false; hours are taken either way
and a country that YAML turned into true/false is reported with how to quote it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from engine.domain import Permission, check_country, check_timezone
from engine.onboarding._facility_edits import KEY_PATTERN

__all__ = [
    "AccessAreaSpec",
    "AccessLevelSpec",
    "AccessScheduleSpec",
    "AccessSpec",
    "CompanySpec",
    "DoorSpec",
    "EmployeeSpec",
    "FacilitySpec",
    "HoursSpec",
    "PlacementSpec",
    "RoleSpec",
    "ScopeSpec",
    "SiteFileSpec",
    "UnitSpec",
]

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def _sexagesimal(value: Any) -> Any:
    """YAML 1.1 reads an unquoted `06:30` as 390 (minutes): read it back as `06:30`."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"
    return value


Clock = Annotated[str, BeforeValidator(_sexagesimal), Field(pattern=HHMM)]
Name = Annotated[str, Field(min_length=1, max_length=100)]

_CONFIG = ConfigDict(
    extra="forbid", frozen=True, use_attribute_docstrings=True, coerce_numbers_to_str=True
)


class CompanySpec(BaseModel):
    """The company the file describes."""

    model_config = _CONFIG

    name: str = Field(min_length=1, max_length=200)
    """Its name; without `id`, the company is found by this name (or made)."""
    id: str | None = Field(default=None, min_length=1, max_length=36)
    """Its id: the company is found (or made) with this id, and renamed to `name`."""


class RoleSpec(BaseModel):
    """A role of the company and the permissions it holds (roles not listed stay as they are)."""

    model_config = _CONFIG

    name: Name
    """Unique in the company."""
    permissions: list[Permission] | Literal["all"]
    """Permission names (`unitgate` lists them at `GET /v1/permissions`), or `all`."""


class HoursSpec(BaseModel):
    """Daily access hours in the facility's time zone (equal: around the clock)."""

    model_config = _CONFIG

    opens: Clock
    """`HH:MM`, local time."""
    closes: Clock
    """`HH:MM`, local time; before `opens`, the hours span midnight."""


class UnitSpec(BaseModel):
    """A unit with its lock; its number is its key within the facility."""

    model_config = _CONFIG

    number: str = Field(min_length=1, max_length=50)
    """The unit's number, as on its door (`A101`)."""
    building: str | None = Field(default=None, min_length=1, max_length=50)
    """The building it is in (entry points can serve a building)."""
    floor: str | None = Field(default=None, min_length=1, max_length=20)
    """The floor it is on (entry points can serve a floor)."""
    lock: str | None = Field(default=None, min_length=1, max_length=100)
    """Its lock's hardware id, unique in the facility."""
    pms_ref: str | None = Field(default=None, min_length=1, max_length=100)
    """The PMS's id for the unit; PMS events reach it through this."""


class ScopeSpec(BaseModel):
    """What an entry point serves: a unit (by number), or a building and/or floor."""

    model_config = _CONFIG

    unit: str | None = Field(default=None, min_length=1, max_length=50)
    """One unit's number."""
    building: str | None = Field(default=None, min_length=1, max_length=50)
    """Every unit of this building (on `floor`, when given)."""
    floor: str | None = Field(default=None, min_length=1, max_length=20)
    """Every unit on this floor (of `building`, when given)."""


class DoorSpec(BaseModel):
    """An entry point; its name is its key within the facility (unit locks come with units)."""

    model_config = _CONFIG

    name: Name
    """As people call it (`Main gate`)."""
    kind: Literal["gate", "building_door", "elevator"]
    """What kind of entry point it is."""
    serves: list[ScopeSpec] = []
    """The parts of the facility it serves; none: all of it."""
    lock: str | None = Field(default=None, min_length=1, max_length=100)
    """Its lock's hardware id, unique in the facility."""
    direction: Literal["in", "out"] | None = None
    """For a gate: passing it enters (`in`) or leaves (`out`) the site; counted in who is on
    site (none: not counted)."""
    anti_passback: bool = False
    """For an entry gate: a second entry with no exit between is refused."""


class GatewaySpec(BaseModel):
    """A gateway (hub) on the facility's network; its name is its key within the facility."""

    model_config = _CONFIG

    name: Name
    """What the facility calls it (`hub-1`)."""
    url: str = Field(pattern=r"^https?://", max_length=300)
    """Its base URL, which the server calls."""


class BluetoothLockSpec(BaseModel):
    """A Bluetooth lock and the device key the server trusts its signed replies by."""

    model_config = _CONFIG

    id: str = Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    """The lock's UUID in lowercase, as it reports it (a door or unit names it as its
    `lock`)."""
    name: Name
    """What the facility calls it."""
    public_key: str = Field(pattern=r"^[0-9a-fA-F]{64}$")
    """The public half of its device key, 64 hex digits (a replaced lock has a new id)."""
    address: str | None = Field(default=None, min_length=1, max_length=17)
    """Its Bluetooth address."""
    gateway: str | None = Field(default=None, min_length=1, max_length=100)
    """The gateway in its range, by name (none: phone relay only)."""


def _iso_date(value: Any) -> Any:
    """YAML reads an unquoted `2026-12-25` as a date: take it as its ISO text."""
    return value.isoformat() if isinstance(value, date) else value


def _end_clock(value: Any) -> Any:
    """`24:00` read by YAML 1.1 as 1440 minutes back as `24:00`."""
    return "24:00" if value == 24 * 60 and not isinstance(value, bool) else _sexagesimal(value)


EndClock = Annotated[
    str, BeforeValidator(_end_clock), Field(pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")
]


class WindowSpec(BaseModel):
    """`[opens, closes)` in local wall-clock time (`closes` may be `24:00`)."""

    model_config = _CONFIG

    opens: Clock
    closes: EndClock


class ExceptionSpec(BaseModel):
    """A date whose windows replace the weekday's (none: closed all day, a holiday)."""

    model_config = _CONFIG

    date: Annotated[str, BeforeValidator(_iso_date), Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    """A local date, `2026-12-25`."""
    windows: list[WindowSpec] = []


class AccessAreaSpec(BaseModel):
    """A named set of the facility's entry points, by door name."""

    model_config = _CONFIG

    name: Name
    doors: list[Name] = []


class AccessScheduleSpec(BaseModel):
    """A weekly schedule in the facility's zone (see README, Access levels)."""

    model_config = _CONFIG

    name: Name
    always: bool = False
    """Around the clock (then no `weekly` or `exceptions`)."""
    weekly: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[WindowSpec]] = {}
    """Windows per weekday; a weekday left out is closed."""
    exceptions: list[ExceptionSpec] = []

    def stored(self) -> dict[str, Any]:
        """The schedule as `engine.levels.parse_schedule` reads it."""
        if self.always:
            return {"always": True}
        return self.model_dump(include={"weekly", "exceptions"})


class AccessLevelSpec(BaseModel):
    """An access level: an area × a schedule (by name), and who holds it."""

    model_config = _CONFIG

    name: Name
    area: Name | None = None
    """None: every entry point."""
    schedule: Name | None = None
    """None: around the clock."""
    default: bool = False
    """Every tenant holds it."""
    building: str | None = Field(default=None, min_length=1, max_length=50)
    floor: str | None = Field(default=None, min_length=1, max_length=20)
    """Tenants of units in this building and/or on this floor hold it."""
    role: Name | None = None
    """Employees holding this role (by name) hold it."""
    pms_names: list[Name] = []
    """The PMS's access-level names that map to it."""


class AccessSpec(BaseModel):
    """A facility's access areas, schedules and levels, each list complete."""

    model_config = _CONFIG

    areas: list[AccessAreaSpec] = []
    schedules: list[AccessScheduleSpec] = []
    levels: list[AccessLevelSpec] = []


class FacilitySpec(BaseModel):
    """A facility; its key is its name in the file and in change lines."""

    model_config = _CONFIG

    key: str = Field(pattern=KEY_PATTERN)
    """Short name unique in the company (`riverside`)."""
    name: str = Field(min_length=1, max_length=200)
    """Its full name."""
    timezone: str
    """IANA time zone of its hours and lease dates (`America/Chicago`)."""
    country: str
    """ISO 3166-1 alpha-2 code (`US`)."""
    hours: HoursSpec = HoursSpec(opens="06:00", closes="22:00")
    """Default access hours (06:00 to 22:00 when not given)."""
    pms_ref: str | None = Field(default=None, min_length=1, max_length=100)
    """The PMS's id for the facility; the sync reads its changes through this."""
    notifications_off: (
        list[Literal["employee_opened_unit", "share_first_used", "access_changed"]] | None
    ) = None
    """Tenant notifications the facility does not send (`[]`: all; left out: unchanged)."""
    units: list[UnitSpec] | None = None
    """Every unit of the facility: units not listed are removed (never a rented one).
    Leave it out to keep the units as they are."""
    doors: list[DoorSpec] | None = None
    """Every entry point: entry points not listed are removed. Leave it out to keep them."""
    gateways: list[GatewaySpec] = []
    """Gateways added or moved to a new URL (gateways not listed stay)."""
    bluetooth_locks: list[BluetoothLockSpec] = []
    """Bluetooth locks registered with their device keys (locks not listed stay)."""
    access: AccessSpec | None = None
    """Every access area, schedule and level: those not listed are removed (never a level a
    rental holds). Leave it out to keep them as they are."""

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            return check_timezone(value)
        except ValueError as exc:
            raise PydanticCustomError(
                "unknown-timezone", str(exc), {"help": "an IANA name like `Europe/Berlin`"}
            ) from exc

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise PydanticCustomError(
                "unquoted-country",
                f"YAML read this country code as `{str(value).lower()}`",
                {"help": 'quote it: `country: "NO"`'},
            )
        try:
            return check_country(str(value))
        except ValueError as exc:
            raise PydanticCustomError(
                "unknown-country", str(exc), {"help": "two capital letters, e.g. `US` or `DE`"}
            ) from exc


class PlacementSpec(BaseModel):
    """A role an employee holds, at one facility or at all."""

    model_config = _CONFIG

    role: Name
    """A role of the company (listed in this file or already there)."""
    facility: str | None = Field(default=None, pattern=KEY_PATTERN)
    """A facility key; leave it out for every facility of the company."""


class EmployeeSpec(BaseModel):
    """A person who works for the company, found by email (an account is made if none)."""

    model_config = _CONFIG

    email: str = Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    """Their email; the key of their account across companies."""
    name: str = Field(min_length=1, max_length=200)
    """The name for a new account (an existing account keeps its own)."""
    roles: list[PlacementSpec] = Field(min_length=1)
    """Exactly the roles they hold in this company."""


class SiteFileSpec(BaseModel):
    """One company's sites and staff, as `unitgate site apply` makes them."""

    model_config = _CONFIG

    company: CompanySpec
    """Which company."""
    roles: list[RoleSpec] = []
    """Roles to create or set (others are left as they are)."""
    facilities: list[FacilitySpec] = []
    """Facilities to create or set (others are left as they are)."""
    employees: list[EmployeeSpec] | None = None
    """Everyone holding a role in the company: people not listed lose their roles here.
    Leave it out to keep the employees as they are."""
