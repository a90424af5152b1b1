"""Releasing scheduled activations on their facility-local lease date: the expiry duty's
rounds call `release_due` and sleep no longer than `next_release_at`."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select, update
from sqlmodel import Session

from engine.notify._tenant import local_date, rental_context
from engine.persistence import connection_of, table_of
from engine.persistence.tables import Activation, Facility
from engine.units._activation import (
    ActivationConfig,
    ActivationStatus,
    has_account,
    send_activation,
)

__all__ = ["RELEASE_BATCH", "next_release_at", "release_due"]

_activation, _facility = table_of(Activation), table_of(Facility)

RELEASE_BATCH = 200
"""Scheduled activations `release_due` looks at in one transaction."""


def release_due(
    db: Session | Connection, config: ActivationConfig, now: datetime
) -> tuple[int, bool]:
    """Send the scheduled activations whose facility-local lease date has come (each once,
    with other processes doing the same: rows locked `SKIP LOCKED` on PostgreSQL, and a
    send only from the `sends` read). Returns how many were sent, and whether more may be
    due (a full batch of `RELEASE_BATCH` was acted on: call again)."""
    conn = connection_of(db)
    horizon = now.date() + timedelta(days=1)  # no zone is more than a day ahead of UTC
    query = (
        select(_activation.c.id, _activation.c.rental_id, _activation.c.person_id)
        .add_columns(_activation.c.due_on, _activation.c.sends, _facility.c.timezone)
        .join(_facility, _facility.c.id == _activation.c.facility_id)
        .where(_activation.c.status == ActivationStatus.SCHEDULED, _activation.c.due_on <= horizon)
        .order_by(_activation.c.due_on, _activation.c.id)
        .limit(RELEASE_BATCH)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=_activation, skip_locked=True)
    due = [r for r in conn.execute(query).all() if local_date(now, r.timezone) >= r.due_on]
    sent = 0
    for row in due:
        ctx = rental_context(conn, row.rental_id)
        if ctx is None or ctx.ended or has_account(conn, row.person_id, row.rental_id, now):
            status = ActivationStatus.CANCELLED
            if ctx is not None and not ctx.ended:
                status = ActivationStatus.EXISTING_ACCOUNT
            conn.execute(
                update(_activation)
                .where(_activation.c.id == row.id, _activation.c.sends == row.sends)
                .values(status=status)
            )
        elif send_activation(conn, config, row.id, ctx, now, expect_sends=row.sends):
            sent += 1
    return sent, len(due) == RELEASE_BATCH


def next_release_at(db: Session | Connection) -> datetime | None:
    """The earliest instant a scheduled activation becomes due (a facility-local midnight)."""
    rows = connection_of(db).execute(
        select(func.min(_activation.c.due_on), _facility.c.timezone)
        .join(_facility, _facility.c.id == _activation.c.facility_id)
        .where(_activation.c.status == ActivationStatus.SCHEDULED)
        .group_by(_facility.c.timezone)
    )
    instants = [_midnight(due, zone) for due, zone in rows if due is not None]
    return min(instants, default=None)


def _midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))
