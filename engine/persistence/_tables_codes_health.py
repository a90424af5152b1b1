"""Keypad codes' upkeep (seed 003): each lock's backup-code pool, the daily health check's
runs, the alarms the operator was emailed, and since when a code has waited for its lock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from engine.persistence._types import UTCDateTime, new_id

__all__ = ["KeypadAlarm", "KeypadBackup", "KeypadHealthRun", "KeypadPending"]


class KeypadBackup(SQLModel, table=True):
    """A backup code unitgate put on a lock ahead of time: pooled (reserved, counting against
    the lock's capacity) until the health check gives it to a person whose code is not set."""

    __tablename__ = "keypad_backup"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    device_id: str = Field(foreign_key="keypad_lock.device_id", index=True, max_length=100)
    code: str = Field(max_length=12)
    name: str = Field(max_length=100)
    access_code_id: str | None = Field(default=None, max_length=100)
    """The lock service's id (None once it is off the lock)."""
    status: str = Field(default="setting", max_length=16)
    """What the lock service last said: `setting`, `set`, `removing`."""
    state: str = Field(default="pooled", max_length=16, index=True)
    """`pooled` (ready to be given), `assigned` (given to a person), `retired` (off the lock:
    its window ended, its person lost the right, or the lock lost it)."""
    keypad_code_id: str | None = Field(default=None, foreign_key="keypad_code.id", max_length=36)
    """The code it stands in for (assigned only)."""
    person_id: str | None = Field(default=None, foreign_key="person.id", max_length=36)
    starts_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """The window of the original code it stands in for (None: open)."""
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    assigned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=300)


class KeypadHealthRun(SQLModel, table=True):
    """The daily health check of one facility's codes on one local date (once a day)."""

    __tablename__ = "keypad_health_run"
    facility_id: str = Field(foreign_key="facility.id", primary_key=True, max_length=36)
    day: str = Field(primary_key=True, max_length=10)
    """The facility's local date (ISO)."""
    started_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    checked: int = Field(default=0)
    """Codes that must be active in the next 24 hours."""
    not_set: int = Field(default=0)
    backups_given: int = Field(default=0)
    without_backup: int = Field(default=0)
    """Codes not set for which the lock's pool had no backup."""


class KeypadAlarm(SQLModel, table=True):
    """One incident the operator was told of: `lock_full` (codes waiting for space) or
    `code_not_removed` (a code still on a lock after it had to leave: security)."""

    __tablename__ = "keypad_alarm"
    __table_args__ = (UniqueConstraint("device_id", "kind", "subject", "opened_at"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    device_id: str = Field(foreign_key="keypad_lock.device_id", index=True, max_length=100)
    kind: str = Field(max_length=30)
    subject: str = Field(default="", max_length=36)
    """The code concerned (`keypad_code.id`), empty for the lock itself."""
    detail: str = Field(default="", max_length=300)
    opened_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    """When the condition ended (None: open; a new occurrence opens a new incident)."""


class KeypadPending(SQLModel, table=True):
    """A managed code not in its wanted state (not set, or not removed) since `since`: the
    start of its lag, recorded once it gets there."""

    __tablename__ = "keypad_pending"
    code_id: str = Field(foreign_key="keypad_code.id", primary_key=True, max_length=36)
    since: datetime = Field(sa_type=UTCDateTime)
