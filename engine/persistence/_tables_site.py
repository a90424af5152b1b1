"""Companies, facilities, access groups, units and doors."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import JSON, Column, Index, Time, UniqueConstraint
from sqlmodel import Field, SQLModel

from engine.persistence._types import PMS_SEQ, UTCDateTime, new_id

__all__ = ["AccessGroup", "Company", "Door", "DoorScope", "Facility", "Unit"]


class Company(SQLModel, table=True):
    """A storage operator; the boundary of every token and every query."""

    __tablename__ = "company"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Facility(SQLModel, table=True):
    """One storage site with its default access hours (in its own time zone)."""

    __tablename__ = "facility"
    __table_args__ = (
        UniqueConstraint("company_id", "pms_ref"),
        Index("ix_facility_company_key", "company_id", "key", unique=True),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    company_id: str = Field(foreign_key="company.id", index=True, max_length=36)
    key: str | None = Field(default=None, max_length=64)
    """Short name unique in the company (`riverside`): how site files name the facility
    (None only for facilities made before keys existed)."""
    name: str = Field(max_length=200)
    pms_ref: str | None = Field(default=None, max_length=100)
    timezone: str = Field(default="UTC", max_length=64)
    """IANA time zone of the access hours and lease dates."""
    country: str | None = Field(default=None, max_length=2)
    """ISO 3166-1 alpha-2 code (None only for facilities made before countries were kept)."""
    access_opens: time = Field(default=time(6, 0), sa_type=Time)
    access_closes: time = Field(default=time(22, 0), sa_type=Time)
    created_at: datetime = Field(sa_type=UTCDateTime)
    notifications_off: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    """Kinds of tenant notification this facility does not send (`engine.notify.MessageKind`)."""
    codes_health_check_at: time = Field(
        default=time(6, 0), sa_column=Column(Time, nullable=False, server_default="06:00:00")
    )
    """Local time of the daily health check of keypad codes (seed 003)."""
    levels_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Bumped by every change to the facility's access areas, schedules and levels (the key
    of their compiled cache)."""


class AccessGroup(SQLModel, table=True):
    """Named access hours a rental can be put in instead of the facility default."""

    __tablename__ = "access_group"
    __table_args__ = (UniqueConstraint("facility_id", "name"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    name: str = Field(max_length=100)
    opens: time = Field(sa_type=Time)
    closes: time = Field(sa_type=Time)


class Unit(SQLModel, table=True):
    """A rentable unit: lifecycle state, last PMS status, lien details and a version."""

    __tablename__ = "unit"
    __table_args__ = (
        UniqueConstraint("facility_id", "number"),
        UniqueConstraint("facility_id", "pms_ref"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    number: str = Field(max_length=50)
    pms_ref: str | None = Field(default=None, max_length=100)
    building: str | None = Field(default=None, max_length=50)
    """The building the unit is in, as the facility names it (None: no buildings)."""
    floor: str | None = Field(default=None, max_length=20)
    """The floor the unit is on, as the facility names it (`1`, `B`, `mezzanine`)."""
    state: str = Field(default="available", max_length=32, index=True)
    pms_status: str = Field(default="available", max_length=32)
    version: int = Field(default=1)
    """Optimistic concurrency: every change bumps it; a stale writer loses."""
    last_pms_seq: int = Field(default=0, sa_type=PMS_SEQ)
    """The highest PMS sequence number applied to this unit (0: none yet)."""
    lien_reason: str | None = Field(default=None, max_length=500)
    emergency_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    access_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the unit was taken out of the facility; its history stays (None: in use)."""


class Door(SQLModel, table=True):
    """An entry point (gate, building door, elevator) or one unit's lock."""

    __tablename__ = "door"
    __table_args__ = (
        UniqueConstraint("facility_id", "name"),
        Index("ix_door_facility_lock", "facility_id", "lock_ref", unique=True),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=32)
    unit_id: str | None = Field(default=None, foreign_key="unit.id", index=True, max_length=36)
    lock_ref: str | None = Field(default=None, max_length=100)
    """The lock hardware's identifier (BLE address or vendor id), unique in the facility."""
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the door was taken out; it opens nothing and its history stays (None: in use)."""
    direction: str | None = Field(default=None, max_length=8)
    """`in` or `out` for a gate counted in who is on site (None: not counted)."""
    anti_passback: bool = Field(default=False)
    """An entry gate refuses a second entry with no exit between (after the policy)."""


class DoorScope(SQLModel, table=True):
    """A part of the facility an entry point serves: one unit, or a building, a floor, or a
    floor of a building. An entry point without scopes serves the whole facility."""

    __tablename__ = "door_scope"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    door_id: str = Field(foreign_key="door.id", index=True, max_length=36)
    building: str | None = Field(default=None, max_length=50)
    """Units of this building (and of `floor`, when given)."""
    floor: str | None = Field(default=None, max_length=20)
    """Units on this floor (of `building`, when given)."""
    unit_id: str | None = Field(default=None, foreign_key="unit.id", index=True, max_length=36)
    """This one unit (then `building` and `floor` are None)."""
