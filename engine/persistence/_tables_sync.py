"""PMS sync bookkeeping: the inbox of received events, rejected input, per-facility state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from engine.persistence._types import BIG_ID, PMS_SEQ, UTCDateTime

__all__ = ["PmsInboxEntry", "PmsRejection", "SyncState"]


class PmsInboxEntry(SQLModel, table=True):
    """One PMS event as received, keyed by unit and sequence number, and what became of it.

    The key makes receiving idempotent: a repeat only counts another receipt.
    """

    __tablename__ = "pms_inbox"
    __table_args__ = (
        UniqueConstraint("facility_id", "unit_ref", "seq"),
        Index("ix_pms_inbox_pending", "facility_id", "status", "id"),
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=BIG_ID)
    facility_id: str = Field(foreign_key="facility.id", max_length=36)
    unit_ref: str = Field(max_length=100)
    seq: int = Field(sa_type=PMS_SEQ)
    source: str = Field(max_length=16)
    """`poll`, `webhook`, `reconcile` or `csv`."""
    payload: str = Field(sa_type=Text)
    """The record as JSON."""
    received_at: datetime = Field(sa_type=UTCDateTime)
    receipts: int = Field(default=1)
    """How many times the PMS sent this event (more than 1: duplicates, skipped)."""
    status: str = Field(default="pending", max_length=16)
    """`pending`, then `applied`, `unchanged`, `duplicate`, `stale`, `conflict` or
    `quarantined` (failed to apply: see `error`)."""
    error: str | None = Field(default=None, max_length=500)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PmsRejection(SQLModel, table=True):
    """PMS input that could not be read as an event at all (malformed, badly signed)."""

    __tablename__ = "pms_rejection"
    __table_args__ = (Index("ix_pms_rejection_recent", "facility_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    source: str = Field(max_length=16)
    where: str = Field(max_length=200)
    """Where in the input: `page 3 record 7`, `exports.csv line 12`, `webhook`."""
    error: str = Field(max_length=500)
    payload: str = Field(sa_type=Text)
    at: datetime = Field(sa_type=UTCDateTime)
    address: str | None = Field(default=None, max_length=64)
    """The network address an unauthenticated (badly signed) push came from; None for input
    from the PMS itself (polls, exports, signed pushes)."""


class SyncState(SQLModel, table=True):
    """A facility's sync: its change-feed cursor and who polled it last.

    The row is also the facility's lease: a worker syncs a facility while it holds this
    row's lock, and other workers skip locked rows (`FOR UPDATE SKIP LOCKED`).
    """

    __tablename__ = "sync_state"
    facility_id: str = Field(foreign_key="facility.id", primary_key=True, max_length=36)
    cursor: str | None = Field(default=None, max_length=200)
    last_poll_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_worker: str | None = Field(default=None, max_length=100)
    last_error: str | None = Field(default=None, max_length=500)
