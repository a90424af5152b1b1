"""Which worker sends which message: a claim is a lease written into the row.

A worker claims due `queued` rows (`next_attempt_at <= now`) in one short transaction,
skipping rows another worker has locked (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has
one writer at a time), and moves their `next_attempt_at` a lease ahead with `attempts + 1`.
It then sends outside any transaction and marks the outcome. A worker that dies between
sending and marking (even SIGKILL) leaves its rows `queued`: they are due again when the
lease ends and are sent again with the same idempotency key, which the receiver drops.
A row claimed `max_attempts` times without an answer is given up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from engine.notify import STATUS_RANK, MessageStatus
from engine.persistence import Database, connection_of, table_of
from engine.persistence.tables import Facility, OutboxMessage

__all__ = ["Claimed", "claim_due"]

_outbox = table_of(OutboxMessage)
_facility = table_of(Facility)


@dataclass(frozen=True)
class Claimed:
    """A message this worker holds until its lease ends."""

    id: str
    company_id: str
    kind: str
    channel: str
    recipient: str | None
    payload: dict[str, Any]
    secret: str | None
    idempotency_key: str
    attempts: int
    """Including this one."""
    facility_id: str = ""


def claim_due(
    db: Database, now: datetime, *, limit: int, lease: timedelta, max_attempts: int
) -> list[Claimed]:
    """Up to `limit` due queued messages no other worker holds, leased to the caller until
    `now + lease`; those already tried `max_attempts` times are given up instead."""
    o = _outbox.c
    query = (
        select(
            o.id,
            _facility.c.company_id,
            o.kind,
            o.channel,
            o.recipient,
            o.payload,
            o.secret,
            o.idempotency_key,
            o.attempts,
            o.facility_id,
        )
        .join(_facility, _facility.c.id == o.facility_id)
        .where(o.status == MessageStatus.QUEUED.value, o.next_attempt_at <= now)
        .order_by(o.next_attempt_at, o.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=_outbox)
    )
    with db.transaction() as s:
        conn = connection_of(s)
        rows = conn.execute(query).all()
        spent = [r.id for r in rows if r.attempts >= max_attempts]
        taken = [r for r in rows if r.attempts < max_attempts]
        if spent:
            conn.execute(
                update(_outbox)
                .where(o.id.in_(spent))
                .values(
                    status=MessageStatus.GIVEN_UP.value,
                    status_rank=STATUS_RANK[MessageStatus.GIVEN_UP],
                    status_reason=f"no answer from the provider after {max_attempts} attempts",
                    updated_at=now,
                )
            )
        if taken:
            conn.execute(
                update(_outbox)
                .where(o.id.in_([r.id for r in taken]))
                .values(attempts=o.attempts + 1, next_attempt_at=now + lease, updated_at=now)
            )
    return [
        Claimed(
            r.id,
            r.company_id,
            r.kind,
            r.channel,
            r.recipient,
            dict(r.payload or {}),
            r.secret,
            r.idempotency_key,
            r.attempts + 1,
            r.facility_id,
        )
        for r in taken
    ]
