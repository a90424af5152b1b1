"""The clock ends what was granted for a stated time: auction windows and emergencies."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from engine.domain import EventSource, LifecycleEvent, UnitState
from engine.persistence.tables import Unit
from engine.units._service import Applied, LifecycleService

__all__ = ["expire_due"]


def due_units(session: Session, now: datetime, facility_id: str | None = None) -> list[str]:
    """Ids of units whose emergency or access window has ended by `now`."""
    query = select(Unit.id).where(
        (
            (col(Unit.state) == UnitState.PENDING_AUCTION.value)
            & col(Unit.emergency_until).is_not(None)
            & (col(Unit.emergency_until) <= now)
        )
        | (
            (col(Unit.state) == UnitState.AUCTION.value)
            & col(Unit.access_until).is_not(None)
            & (col(Unit.access_until) <= now)
        )
    )
    if facility_id is not None:
        query = query.where(Unit.facility_id == facility_id)
    return list(session.exec(query.order_by(col(Unit.id))).all())


def expire_due(
    session: Session, service: LifecycleService, facility_id: str | None = None
) -> list[Applied]:
    """Apply `emergency_expired` / `access_expired` to every unit that is due."""
    now = service.clock.now()
    applied = []
    for unit_id in due_units(session, now, facility_id):
        unit = service.load(session, unit_id)
        event = (
            LifecycleEvent.EMERGENCY_EXPIRED
            if unit.state == UnitState.PENDING_AUCTION.value
            else LifecycleEvent.ACCESS_EXPIRED
        )
        request = service.request(event, actor="system:clock", source=EventSource.SYSTEM)
        applied.append(service.apply(session, unit_id, request))
    return applied
