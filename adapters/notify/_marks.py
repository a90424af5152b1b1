"""Recording what the providers answered: one statement per outcome for a whole batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, update

from engine.notify import STATUS_RANK, MessageStatus
from engine.persistence import Database, connection_of, table_of
from engine.persistence.tables import OutboxMessage

__all__ = ["Outcome", "backoff", "mark"]

_outbox = table_of(OutboxMessage)
_SENT_RANK = STATUS_RANK[MessageStatus.SENT]
_FINAL_RANK = STATUS_RANK[MessageStatus.FAILED]


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed message."""

    message_id: str
    status: MessageStatus
    """`sent`, `queued` (to retry at `retry_at`), `failed` or `given_up`."""
    provider_message_id: str | None = None
    reason: str | None = None
    retry_at: datetime | None = None


def backoff(attempts: int, first: float, longest: float = 3600.0) -> timedelta:
    """The pause after the `attempts`-th failed try: `first`, doubling, at most `longest`."""
    return timedelta(seconds=min(longest, first * 2 ** max(0, attempts - 1)))


def mark(db: Database, outcomes: Sequence[Outcome], now: datetime) -> None:
    """Record `outcomes` in one transaction. A sent message loses its secret; a delivery
    report that came first (a higher rank) is kept."""
    o = _outbox.c
    sent = [x for x in outcomes if x.status is MessageStatus.SENT]
    later = [x for x in outcomes if x.status is MessageStatus.QUEUED]
    final = [x for x in outcomes if x.status in (MessageStatus.FAILED, MessageStatus.GIVEN_UP)]
    where_id = o.id == bindparam("b_id")
    with db.transaction() as s:
        conn = connection_of(s)
        if sent:
            first = o.status_rank < _SENT_RANK
            conn.execute(
                update(_outbox)
                .where(where_id)
                .values(
                    status=case((first, MessageStatus.SENT.value), else_=o.status),
                    status_rank=case((first, _SENT_RANK), else_=o.status_rank),
                    status_reason=case((first, None), else_=o.status_reason),
                    provider_message_id=bindparam("b_provider"),
                    secret=None,
                    sent_at=now,
                    updated_at=now,
                ),
                [{"b_id": x.message_id, "b_provider": x.provider_message_id} for x in sent],
            )
        if later:
            conn.execute(
                update(_outbox)
                .where(where_id, o.status == MessageStatus.QUEUED.value)
                .values(
                    next_attempt_at=bindparam("b_at"),
                    status_reason=bindparam("b_reason"),
                    updated_at=now,
                ),
                [{"b_id": x.message_id, "b_at": x.retry_at, "b_reason": x.reason} for x in later],
            )
        if final:
            conn.execute(
                update(_outbox)
                .where(where_id, o.status == MessageStatus.QUEUED.value)
                .values(
                    status=bindparam("b_status"),
                    status_rank=_FINAL_RANK,
                    status_reason=bindparam("b_reason"),
                    updated_at=now,
                ),
                [
                    {"b_id": x.message_id, "b_status": x.status.value, "b_reason": x.reason}
                    for x in final
                ],
            )
