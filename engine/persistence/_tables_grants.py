"""Code grants (seed 003): a person's right to a keypad code on a set of doors in a window."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from engine.persistence._types import UTCDateTime, new_id

__all__ = ["CodeGrant"]


class CodeGrant(SQLModel, table=True):
    """A temporary, vendor or reservation code on keypad doors of one facility, from
    `starts_at` to `ends_at`, the lock's window widened by the buffers."""

    __tablename__ = "code_grant"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    kind: str = Field(max_length=16)
    """`temporary` (a mover, a visitor), `vendor` (waste, fire, police) or `reservation`."""
    reference: str = Field(max_length=40)
    """The grant's reference: the code's name when the holder's name cannot be used."""
    person_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    """The holder (a person made for a named holder without an account)."""
    holder_name: str = Field(max_length=200)
    holder_phone: str | None = Field(default=None, max_length=32)
    holder_email: str | None = Field(default=None, max_length=254)
    door_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """The keypad doors of the facility the code goes on."""
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime, index=True)
    buffer_before_minutes: int = Field(default=0)
    buffer_after_minutes: int = Field(default=0)
    created_by: str = Field(max_length=100)
    """The employee who gave it (`person:<id>`): the policy is asked as them at each door."""
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_by: str | None = Field(default=None, max_length=100)
