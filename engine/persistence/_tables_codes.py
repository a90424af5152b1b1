"""Keypad PIN codes (seed 003): keypad locks on the lock service, each person's number, and
every code unitgate manages on a lock with its retry state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from engine.persistence._types import UTCDateTime, new_id

__all__ = ["KeypadCode", "KeypadLock", "KeypadPin"]


class KeypadLock(SQLModel, table=True):
    """A keypad lock of the lock service, matched to the door whose `lock_ref` names it."""

    __tablename__ = "keypad_lock"
    device_id: str = Field(primary_key=True, max_length=100)
    """The lock service's device id (what `door.lock_ref` holds)."""
    facility_id: str | None = Field(
        default=None, foreign_key="facility.id", index=True, max_length=36
    )
    door_id: str | None = Field(default=None, foreign_key="door.id", index=True, max_length=36)
    """The door it is matched to (None: unmatched; unitgate's codes there are deleted)."""
    model: str = Field(max_length=40)
    """Its code rules (`engine/codes/code_models.yaml`)."""
    keep_external_edits: bool = Field(default=False)
    """A managed code changed or deleted outside unitgate is kept and flagged, not set again."""
    online: bool | None = Field(default=None)
    full: bool = Field(default=False)
    """The last reconcile could not place every code for lack of space (the operator is told)."""
    unmanaged_codes: int = Field(default=0)
    """Codes someone else set: listed, never deleted, counted against capacity."""
    last_error: str | None = Field(default=None, max_length=300)
    reconciled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """A reconciler's lease on the lock (several workers share the locks)."""
    created_at: datetime = Field(sa_type=UTCDateTime)


class KeypadPin(SQLModel, table=True):
    """A person's code at a facility: the same number on every keypad they may use."""

    __tablename__ = "keypad_pin"
    facility_id: str = Field(foreign_key="facility.id", primary_key=True, max_length=36)
    person_id: str = Field(foreign_key="person.id", primary_key=True, max_length=36)
    code: str = Field(max_length=12)
    source: str = Field(max_length=10)
    """`phone` (the last digits of their phone) or `random`."""
    avoid: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """Numbers that collided on one of their locks: never chosen again for them."""
    updated_at: datetime = Field(sa_type=UTCDateTime)


class KeypadCode(SQLModel, table=True):
    """A code unitgate manages for one person on one keypad lock."""

    __tablename__ = "keypad_code"
    __table_args__ = (UniqueConstraint("device_id", "person_id"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    device_id: str = Field(foreign_key="keypad_lock.device_id", index=True, max_length=100)
    person_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    via: str = Field(max_length=60)
    """What entitles the person: `rental:<id>` or `share:<id>`."""
    reference: str = Field(max_length=40)
    """The grant's reference: the code's name when the person's name cannot be used."""
    code: str = Field(max_length=12)
    name: str = Field(max_length=100)
    access_code_id: str | None = Field(default=None, max_length=100)
    """The lock service's id of the code (None: not on the lock)."""
    state: str = Field(default="active", max_length=16, index=True)
    """`active` (must be on the lock), `suspended` (the policy denies it now: off the lock,
    kept for restoring) or `removed` (its grant ended: off the lock)."""
    status: str = Field(default="unset", max_length=16)
    """What the lock service last said: `unset`, `setting`, `set`, `removing`."""
    failures: int = Field(default=0)
    """Refusals since it was last set."""
    failure_day: str | None = Field(default=None, max_length=10)
    """The facility's local date of the first refusal in a row."""
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    last_error: str | None = Field(default=None, max_length=300)
    flag: str | None = Field(default=None, max_length=200)
    """A warning kept for the operator (an outside edit honoured)."""
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
