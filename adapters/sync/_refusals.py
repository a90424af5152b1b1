"""Badly signed pushes: kept as rejections within a limit, truncated; the rest only counted.

Anyone can post to a webhook URL, so what an unauthenticated caller makes the service store
is bounded: the first `KEPT_BYTES` of the body, at most `PER_ADDRESS_PER_MINUTE` rows from
one address to one facility, and `PER_FACILITY_PER_HOUR` rows a facility from every address
together (many addresses cannot multiply it). Over the limit a refusal only counts in the
facility's `pms_refusal_tally`. The limits are read from the rows kept, under the tally row's
lock: no state in memory, and exact with many API processes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlmodel import Session

from adapters.sync._inbox import insert_ignoring
from engine.domain import storable
from engine.persistence import connection_of, table_of
from engine.persistence.tables import PmsRefusalTally, PmsRejection

__all__ = ["KEPT_BYTES", "PER_ADDRESS_PER_MINUTE", "PER_FACILITY_PER_HOUR", "refuse_unsigned"]

KEPT_BYTES = 1024
"""How much of a badly signed body is kept (enough to see what it was)."""
PER_ADDRESS_PER_MINUTE = 10
PER_FACILITY_PER_HOUR = 120

_tally, _rejection = table_of(PmsRefusalTally), table_of(PmsRejection)


def refuse_unsigned(
    s: Session,
    facility_id: str,
    address: str,
    reason: Callable[[], str],
    body: bytes,
    now: datetime,
) -> bool:
    """Record a badly signed push to the facility from `address`: a rejection row while within
    the limits (`reason` is asked only then), else a count. True when a row was kept."""
    conn, address = connection_of(s), address[:64]
    conn.execute(insert_ignoring(conn, _tally).values(facility_id=facility_id, dropped=0))
    mine = _tally.c.facility_id == facility_id
    conn.execute(select(_tally.c.dropped).where(mine).with_for_update())
    if _over_limit(s, facility_id, address, now):
        conn.execute(
            update(_tally)
            .where(mine)
            .values(dropped=_tally.c.dropped + 1, last_dropped_at=now, last_address=address)
        )
        return False
    kept = body[:KEPT_BYTES].decode(errors="replace")
    size = ""
    if len(body) > KEPT_BYTES:
        size = f"; body of {len(body)} bytes, the first {KEPT_BYTES} kept"
    conn.execute(
        _rejection.insert().values(
            facility_id=facility_id,
            source="webhook",
            where="webhook signature",
            error=storable(reason())[: 500 - len(size)] + size,
            payload=storable(kept),
            at=now,
            address=address,
        )
    )
    return True


def _over_limit(s: Session, facility_id: str, address: str, now: datetime) -> bool:
    recent = (
        select(func.count())
        .select_from(_rejection)
        .where(_rejection.c.facility_id == facility_id, _rejection.c.address.is_not(None))
    )
    hour = recent.where(_rejection.c.at > now - timedelta(hours=1))
    if connection_of(s).execute(hour).scalar_one() >= PER_FACILITY_PER_HOUR:
        return True
    minute = recent.where(
        _rejection.c.at > now - timedelta(minutes=1), _rejection.c.address == address
    )
    return bool(connection_of(s).execute(minute).scalar_one() >= PER_ADDRESS_PER_MINUTE)
