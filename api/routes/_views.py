"""Stored rows as API bodies."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from api.schemas import DoorOut, DoorScopeOut, FacilityOut, TransitionOut, UnitOut
from engine.domain import DoorKind, UnitState
from engine.onboarding import scopes_of
from engine.persistence.tables import Door, Facility, TransitionRecord, Unit
from engine.units import effective_state

__all__ = ["door_out", "doors_out", "facility_out", "transition_out", "unit_out"]


def facility_out(f: Facility) -> FacilityOut:
    """A facility row as its API body."""
    return FacilityOut(
        id=f.id,
        company_id=f.company_id,
        key=f.key,
        name=f.name,
        timezone=f.timezone,
        country=f.country,
        access_opens=f.access_opens.strftime("%H:%M"),
        access_closes=f.access_closes.strftime("%H:%M"),
        notifications_off=list(f.notifications_off or []),
        codes_health_check_at=f.codes_health_check_at.strftime("%H:%M"),
    )


def unit_out(u: Unit, now: datetime) -> UnitOut:
    """A unit row as its API body, with the state decisions use at `now`."""
    return UnitOut(
        id=u.id,
        facility_id=u.facility_id,
        number=u.number,
        building=u.building,
        floor=u.floor,
        pms_ref=u.pms_ref,
        state=UnitState(u.state),
        effective_state=effective_state(u, now),
        pms_status=UnitState(u.pms_status),
        lien_reason=u.lien_reason,
        emergency_until=u.emergency_until,
        access_until=u.access_until,
        version=u.version,
        last_pms_seq=u.last_pms_seq,
    )


def door_out(d: Door, serves: Sequence[DoorScopeOut] = ()) -> DoorOut:
    """A door row as its API body, with what it serves (entry points)."""
    return DoorOut(
        id=d.id,
        facility_id=d.facility_id,
        name=d.name,
        kind=DoorKind(d.kind),
        unit_id=d.unit_id,
        lock_ref=d.lock_ref,
        direction=d.direction,
        anti_passback=d.anti_passback,
        serves=list(serves),
    )


def doors_out(session: Session, doors: Iterable[Door]) -> list[DoorOut]:
    """Door rows as API bodies, each with the scopes it serves (two queries in all)."""
    rows = list(doors)
    scopes = scopes_of(session, [d.id for d in rows])
    unit_ids = {s.unit_id for found in scopes.values() for s in found if s.unit_id}
    numbers = (
        dict(session.exec(select(Unit.id, Unit.number).where(col(Unit.id).in_(unit_ids))).all())
        if unit_ids
        else {}
    )
    return [
        door_out(
            d,
            [
                DoorScopeOut(
                    building=s.building,
                    floor=s.floor,
                    unit_id=s.unit_id,
                    unit_number=numbers.get(s.unit_id) if s.unit_id else None,
                )
                for s in scopes.get(d.id, [])
            ],
        )
        for d in rows
    ]


def transition_out(t: TransitionRecord) -> TransitionOut:
    """A transition row as its API body."""
    return TransitionOut(
        event=t.event,
        source=t.source,
        actor=t.actor,
        reason=t.reason,
        from_state=t.from_state,
        to_state=t.to_state,
        pms_status=t.pms_status,
        pms_seq=t.pms_seq,
        at=t.at,
    )
