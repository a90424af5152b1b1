"""What people typed at keypad locks, as the lock service logs it: each event landed once,
and each lock service's cursor into its event log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from engine.persistence._types import UTCDateTime

__all__ = ["KeypadEventCursor", "KeypadEventRecord"]


class KeypadEventRecord(SQLModel, table=True):
    """One keypad event of a lock service (a code that opened, or one refused), landed once
    by its event id; its access decision is what the rest of unitgate reads."""

    __tablename__ = "keypad_event"
    __table_args__ = (UniqueConstraint("service", "event_id"),)
    id: int | None = Field(default=None, primary_key=True)
    service: str = Field(max_length=300)
    """The lock service it came from (its base URL)."""
    event_id: str = Field(max_length=100)
    device_id: str = Field(max_length=100, index=True)
    kind: str = Field(max_length=16)
    """`unlocked` or `denied`."""
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    access_code_id: str | None = Field(default=None, max_length=100)
    person_id: str | None = Field(default=None, max_length=36)
    """Whose code it was (the reconciler's code of that id), when known."""
    facility_id: str | None = Field(default=None, foreign_key="facility.id", max_length=36)
    door_id: str | None = Field(default=None, foreign_key="door.id", max_length=36)
    """The door the lock is matched to (None: unmatched, no decision recorded)."""
    reason: str = Field(default="", max_length=300)
    """The lock's words for a refusal."""
    decision_id: int | None = Field(default=None, foreign_key="access_decision.id")
    received_at: datetime = Field(sa_type=UTCDateTime)


class KeypadEventCursor(SQLModel, table=True):
    """How far a lock service's event log has been landed: events from `since` on are
    fetched again (an overlap the event ids deduplicate)."""

    __tablename__ = "keypad_event_cursor"
    service: str = Field(primary_key=True, max_length=300)
    since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """The time of the newest event landed (None: none yet)."""
    updated_at: datetime = Field(sa_type=UTCDateTime)
