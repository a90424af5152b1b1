"""Writing a message into the outbox, in the transaction of the change that causes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlmodel import Session

from engine.notify._kinds import STATUS_RANK, Channel, MessageKind, MessageStatus
from engine.persistence import connection_of, table_of
from engine.persistence._types import new_id
from engine.persistence.tables import OutboxMessage

__all__ = ["Outgoing", "enqueue"]

_outbox = table_of(OutboxMessage)


@dataclass(frozen=True)
class Outgoing:
    """A message to write: who, about what, where to, with which template variables."""

    facility_id: str
    kind: MessageKind
    channel: Channel
    recipient: str | None
    """E.164 number or email; None (with `problem`) when there is nothing valid to send to."""
    idempotency_key: str
    """Stable for the cause (e.g. `activation/<rental>/<n>`): enqueuing it twice adds one row."""
    person_id: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    secret: str | None = None
    problem: str | None = None
    """Why it cannot be sent: the row is recorded `undeliverable` with it, never sent."""


def enqueue(db: Session | Connection, message: Outgoing, now: datetime) -> str:
    """Add `message` in `db`'s transaction and return its id; a message with the same
    idempotency key already there is returned instead (nothing is added)."""
    conn = connection_of(db)
    known = conn.execute(
        select(_outbox.c.id).where(_outbox.c.idempotency_key == message.idempotency_key)
    ).scalar()
    if known is not None:
        return str(known)
    status = MessageStatus.UNDELIVERABLE if message.problem else MessageStatus.QUEUED
    message_id = new_id()
    conn.execute(
        insert(_outbox).values(
            id=message_id,
            facility_id=message.facility_id,
            person_id=message.person_id,
            kind=message.kind.value,
            channel=message.channel.value,
            recipient=message.recipient,
            payload=message.payload,
            secret=None if message.problem else message.secret,
            idempotency_key=message.idempotency_key,
            status=status.value,
            status_rank=STATUS_RANK[status],
            status_reason=message.problem,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
    )
    return message_id
