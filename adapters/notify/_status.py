"""Where the outbox stands (CLI and metrics), and an operator's retry of a failed message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import Session

from engine.errors import NotFoundError, RefusedError
from engine.notify import STATUS_RANK, MessageStatus
from engine.persistence import connection_of, table_of
from engine.persistence.tables import OutboxMessage

__all__ = ["RETRIABLE", "OutboxStatus", "outbox_status", "requeue_message"]

_outbox = table_of(OutboxMessage)
RETRIABLE = frozenset({MessageStatus.FAILED, MessageStatus.GIVEN_UP})
"""What an operator may send again (after fixing the number, the provider or a template)."""


@dataclass(frozen=True)
class OutboxStatus:
    """Messages by status, and how long the oldest queued one has waited."""

    counts: dict[str, int]
    oldest_queued_at: datetime | None

    def oldest_age_seconds(self, now: datetime) -> float:
        """Seconds the oldest queued message has waited (0 when none is queued)."""
        if self.oldest_queued_at is None:
            return 0.0
        return max(0.0, (now - self.oldest_queued_at).total_seconds())


def outbox_status(db: Session, facility_id: str | None = None) -> OutboxStatus:
    """Counts by status and the oldest queued message (of one facility, when given)."""
    o = _outbox.c
    counts = select(o.status, func.count()).group_by(o.status)
    oldest = select(func.min(o.created_at)).where(o.status == MessageStatus.QUEUED.value)
    if facility_id is not None:
        counts = counts.where(o.facility_id == facility_id)
        oldest = oldest.where(o.facility_id == facility_id)
    conn = connection_of(db)
    found = {str(status): int(n) for status, n in conn.execute(counts).all()}
    return OutboxStatus(found, conn.execute(oldest).scalar())


def requeue_message(db: Session, message_id: str, now: datetime) -> OutboxMessage:
    """Queue a failed or given-up message again, due now, with a fresh count of attempts;
    `RefusedError` for any other status (a sent message is not sent twice)."""
    message = db.get(OutboxMessage, message_id)
    if message is None:
        raise NotFoundError(f"no message `{message_id}`")
    if message.status not in RETRIABLE:
        raise RefusedError(
            f"message `{message_id}` is `{message.status}`: only failed or given-up messages "
            "are sent again"
        )
    o = _outbox.c
    connection_of(db).execute(
        update(_outbox)
        .where(o.id == message_id, o.status.in_([s.value for s in RETRIABLE]))
        .values(
            status=MessageStatus.QUEUED.value,
            status_rank=STATUS_RANK[MessageStatus.QUEUED],
            attempts=0,
            next_attempt_at=now,
            updated_at=now,
        )
    )
    db.refresh(message)
    return message
