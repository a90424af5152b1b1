"""The clock ends what was granted for a stated time: auction windows and emergencies.

An expiry is the system event `access_expired` (auction -> pending_auction, the grant
revoked) or `emergency_expired` (the emergency pending auction -> the PMS status), decided
by the lifecycle machine and recorded as `LifecycleService` records any event: a transition,
its audit entry, its effects (as a set: `record_expiries`).

Whoever records an expiry holds the unit's row lock first, so two processes never record
one twice: the duty claims due units with `FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite has
one writer at a time), a read or action that meets a due unit locks it and waits. Once
recorded, a unit is no longer due: applying expiries again changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, or_
from sqlmodel import Session, col, select

from engine.clock import utc
from engine.domain import UnitState
from engine.persistence.tables import Unit
from engine.units._expiry_batch import Expired, record_expiries
from engine.units._service import LifecycleService

__all__ = ["claim_due", "due_units", "expire_due", "expire_if_due", "next_bound"]

_PENDING = UnitState.PENDING_AUCTION.value
_AUCTION = UnitState.AUCTION.value
_BOUND = case(
    (col(Unit.state) == _PENDING, col(Unit.emergency_until)), else_=col(Unit.access_until)
)
"""A lien unit's stated end: the emergency's for pending_auction, the window's for auction."""


def _bounded_by(after: datetime | None, until: datetime | None) -> ColumnElement[bool]:
    """Lien units whose stated end is after `after` (if given) and not after `until` (if
    given); with `until` alone, `expiry_due`'s rule in SQL."""
    clauses = []
    for state, bound in (
        (_PENDING, col(Unit.emergency_until)),
        (_AUCTION, col(Unit.access_until)),
    ):
        parts: list[ColumnElement[bool]] = [col(Unit.state) == state, bound.is_not(None)]
        if after is not None:
            parts.append(bound > after)
        if until is not None:
            parts.append(bound <= until)
        clauses.append(and_(*parts))
    return or_(*clauses)


def due_units(session: Session, now: datetime, facility_id: str | None = None) -> list[str]:
    """Ids of units whose emergency or access window has ended by `now`."""
    query = select(Unit.id).where(_bounded_by(None, now))
    if facility_id is not None:
        query = query.where(Unit.facility_id == facility_id)
    return list(session.exec(query.order_by(col(Unit.id))).all())


def claim_due(
    session: Session, now: datetime, limit: int, *, skip: Collection[str] = ()
) -> list[Unit]:
    """Lock and return up to `limit` units due by `now` that no other transaction holds
    (`FOR UPDATE SKIP LOCKED`), all of one facility: the facility of the earliest stated end
    among them, earliest first (`skip`: ids to leave out).

    One facility a batch: its expiries append to one chain (one head locked, three audit
    statements), and two duties mostly take different facilities instead of queueing on
    the same heads.
    """
    due = select(Unit.facility_id).where(_bounded_by(None, now))
    if skip:
        due = due.where(col(Unit.id).not_in(list(skip)))
    first = session.exec(
        due.order_by(_BOUND, col(Unit.id)).limit(1).with_for_update(skip_locked=True)
    ).first()
    if first is None:
        return []
    query = select(Unit).where(_bounded_by(None, now), col(Unit.facility_id) == first)
    if skip:
        query = query.where(col(Unit.id).not_in(list(skip)))
    query = (
        query.order_by(_BOUND, col(Unit.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    # INVARIANT: the unit locked above is among these (a transaction skips no lock it holds).
    return list(session.exec(query).all())


def expire_if_due(
    session: Session, service: LifecycleService, unit_ids: Iterable[str]
) -> list[Expired]:
    """Record the expiry of each of the units that is due now, in `session`'s transaction.

    For reads and actions that met a unit past its stated end: the units are locked first
    (waiting for a duty that holds one; it is then no longer due), all in one statement
    before any chain head, so this never deadlocks with the duty.
    """
    ids = sorted(set(unit_ids))
    if not ids:
        return []
    locked = session.exec(
        select(Unit)
        .where(col(Unit.id).in_(ids))
        .order_by(col(Unit.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    expired, refused = record_expiries(session, service, locked)
    if refused:
        # INVARIANT: only the machine's guards refuse an expiry of a due unit, and no
        # sequence of events leaves a due unit they refuse (an emergency's PMS status is
        # occupied: any PMS event ends the emergency). Say so rather than act on it.
        raise refused[0][1]
    return expired


def expire_due(
    session: Session, service: LifecycleService, facility_id: str | None = None
) -> list[Expired]:
    """Apply `emergency_expired` / `access_expired` to every unit that is due."""
    ids = due_units(session, service.clock.now(), facility_id)
    return expire_if_due(session, service, ids)


def next_bound(session: Session, after: datetime | None = None) -> datetime | None:
    """The earliest stated end of a lien, or of one later than `after` (None: there is none)."""
    found = session.exec(select(func.min(_BOUND)).where(_bounded_by(after, None))).one()
    return utc(found) if found is not None else None
