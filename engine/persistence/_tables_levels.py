"""Access levels: areas (sets of entry points) × weekly schedules, per facility."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from engine.persistence._types import new_id

__all__ = ["AccessArea", "AccessLevel", "AccessSchedule"]


class AccessArea(SQLModel, table=True):
    """A named set of a facility's entry points (the gate, building doors, elevator floors)."""

    __tablename__ = "access_area"
    __table_args__ = (UniqueConstraint("facility_id", "name"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    name: str = Field(max_length=100)
    door_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """The entry-point doors of the area."""


class AccessSchedule(SQLModel, table=True):
    """A named weekly schedule in the facility's zone (`engine.levels.parse_schedule`)."""

    __tablename__ = "access_schedule"
    __table_args__ = (UniqueConstraint("facility_id", "name"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    name: str = Field(max_length=100)
    spec: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """`{weekly: {mon: [{opens, closes}]...}, exceptions: [{date, windows}]}` or `{always}`."""


class AccessLevel(SQLModel, table=True):
    """An access area × a schedule, and who gets it: every tenant of the facility
    (`is_default`), tenants of units in `building`/`floor`, employees holding `role_id`,
    rentals the PMS names by one of `pms_names` (or that point at it)."""

    __tablename__ = "access_level"
    __table_args__ = (UniqueConstraint("facility_id", "name"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    name: str = Field(max_length=100)
    area_id: str | None = Field(default=None, foreign_key="access_area.id", max_length=36)
    """None: every entry point of the facility."""
    schedule_id: str | None = Field(default=None, foreign_key="access_schedule.id", max_length=36)
    """None: around the clock."""
    is_default: bool = Field(default=False)
    building: str | None = Field(default=None, max_length=50)
    floor: str | None = Field(default=None, max_length=20)
    role_id: str | None = Field(default=None, foreign_key="role.id", max_length=36)
    pms_names: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """The PMS's access-level names (SiteLink/storEDGE gate access level) that map here."""
