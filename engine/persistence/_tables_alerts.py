"""Alerts raised from decisions and lock events, the evaluator's cursor, and the facility's
signed alert webhook."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from engine.persistence._types import BIG_ID, UTCDateTime

__all__ = ["AlertCursor", "AlertRecord", "AlertWebhook"]


class AlertRecord(SQLModel, table=True):
    """One incident: repeats of the same rule and subject while it is not resolved count
    into it instead of raising another alert."""

    __tablename__ = "alert"
    __table_args__ = (Index("ix_alert_open", "facility_id", "rule", "subject", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    rule: str = Field(max_length=64)
    """The rule's name in the alert rules file."""
    kind: str = Field(max_length=32)
    """What the rule watches (`repeated_denials`, `door_forced`, ...)."""
    severity: str = Field(max_length=16)
    """`info`, `warning` or `critical`."""
    subject: str = Field(max_length=80)
    """What the incident is about: `person:<id>`, `door:<id>` or `lock:<id>`."""
    person_id: str | None = Field(default=None, max_length=36)
    door_id: str | None = Field(default=None, max_length=36)
    lock_id: str | None = Field(default=None, max_length=36)
    incident: str | None = Field(default=None, max_length=80, index=True)
    """The event that makes this one incident (a door held open: its opening), when any."""
    summary: str = Field(max_length=300)
    first_seen: datetime = Field(sa_type=UTCDateTime)
    last_seen: datetime = Field(sa_type=UTCDateTime)
    count: int = Field(default=1)
    """Events absorbed into it, the first included."""
    status: str = Field(default="open", max_length=16, index=True)
    """`open` → `acknowledged` → `resolved` (or straight to `resolved`)."""
    acknowledged_by: str | None = Field(default=None, max_length=100)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by: str | None = Field(default=None, max_length=100)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    note: str | None = Field(default=None, max_length=500)
    detail: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AlertCursor(SQLModel, table=True):
    """How far the alert evaluator has read a facility's audit chain: decisions and lock
    events up to `seq` are evaluated (the row is locked while a round evaluates more)."""

    __tablename__ = "alert_cursor"
    facility_id: str = Field(foreign_key="facility.id", primary_key=True, max_length=36)
    seq: int = Field(default=0, sa_type=BIG_ID)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When doors held open were last looked for (a timed check, not an event)."""


class AlertWebhook(SQLModel, table=True):
    """Where a facility's alerts are POSTed, signed with its secret (HMAC-SHA256)."""

    __tablename__ = "alert_webhook"
    facility_id: str = Field(foreign_key="facility.id", primary_key=True, max_length=36)
    url: str = Field(max_length=300)
    secret: str = Field(max_length=128)
    """The signing secret (never in an API answer)."""
    updated_at: datetime = Field(sa_type=UTCDateTime)
    updated_by: str = Field(max_length=100)
