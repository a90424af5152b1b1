"""Messages to people: the transactional outbox, delivery reports, activations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from engine.persistence._types import BIG_ID, UTCDateTime, new_id

__all__ = ["Activation", "DeliveryReport", "OutboxMessage"]


class OutboxMessage(SQLModel, table=True):
    """One message to one person, written in the transaction of the change that causes it
    and delivered afterwards by a sender worker (`adapters.notify`)."""

    __tablename__ = "outbox_message"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    person_id: str | None = Field(default=None, foreign_key="person.id", index=True, max_length=36)
    kind: str = Field(max_length=40)
    """What it is about (`engine.notify.MessageKind`): names its template too."""
    channel: str = Field(max_length=10)
    """`sms` or `email`."""
    recipient: str | None = Field(default=None, max_length=254)
    """E.164 number or lowercase email (None: nothing valid to send to; see `status_reason`)."""
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """The template's variables (never a secret: a temporary PIN is sent from `secret`)."""
    secret: str | None = Field(default=None, max_length=64)
    """A one-time value for the message only (a temporary PIN), erased once it is sent."""
    idempotency_key: str = Field(max_length=100, unique=True)
    """What the provider sees: a retried send after a crash is dropped by the receiver."""
    status: str = Field(default="queued", max_length=20, index=True)
    """`queued` → `sent` → `delivered` | `undelivered` | `failed`; `given_up` after the
    retry bound; `undeliverable` when there is nothing valid to send to."""
    status_rank: int = Field(default=0)
    """Order of the delivery statuses: a later report of a lower rank changes nothing."""
    status_reason: str | None = Field(default=None, max_length=500)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime, index=True)
    """When a worker may (re)try it; for a queued message, due now or later."""
    provider_message_id: str | None = Field(default=None, max_length=100, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class DeliveryReport(SQLModel, table=True):
    """A provider's delivery-status callback as received, accepted or refused (and why)."""

    __tablename__ = "delivery_report"
    id: int | None = Field(default=None, sa_type=BIG_ID, primary_key=True)
    provider: str = Field(max_length=40)
    provider_message_id: str | None = Field(default=None, max_length=100, index=True)
    message_id: str | None = Field(default=None, max_length=36, index=True)
    status: str | None = Field(default=None, max_length=20)
    accepted: bool
    reason: str | None = Field(default=None, max_length=500)
    """Why it was refused or changed nothing (bad signature, unknown message, lower rank)."""
    body: str = Field(max_length=4000)
    received_at: datetime = Field(sa_type=UTCDateTime)


class Activation(SQLModel, table=True):
    """A rental's activation (seed 000): scheduled for the facility's local lease date, sent
    once, or not needed because the tenant already has an account."""

    __tablename__ = "activation"
    __table_args__ = (UniqueConstraint("rental_id"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    rental_id: str = Field(foreign_key="rental.id", max_length=36)
    person_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    facility_id: str = Field(foreign_key="facility.id", index=True, max_length=36)
    due_on: date = Field(sa_type=Date, index=True)
    """The facility's local date from which it may be sent (the lease start)."""
    status: str = Field(default="scheduled", max_length=20, index=True)
    """`scheduled`, `sent` (a message is in the outbox), `existing_account` (none needed)."""
    channel: str | None = Field(default=None, max_length=10)
    recipient: str | None = Field(default=None, max_length=254)
    message_id: str | None = Field(default=None, max_length=36)
    """The latest activation message (a resend or a new number makes a new one)."""
    pin_hash: str | None = Field(default=None, max_length=200)
    """Email registration: the temporary PIN's hash (the PIN itself is never stored)."""
    pin_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    pin_attempts: int = Field(default=0)
    pin_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sends: int = Field(default=0)
    last_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
