"""PMS access-level names onto the facility's access levels, as the sync applies records.

A SiteLink/storEDGE rental carries a "gate access level" name; a level lists the names it
stands for (`AccessLevel.pms_names`, case-insensitive). An unknown name is not dropped: it
is reported as an open sync conflict (`access_level`) and the rental keeps only the
facility's levels until the name is mapped and the PMS sends the record again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from adapters.pms import PmsRecord, UnitStatus
from engine.persistence.tables import AccessLevel, Rental, SyncConflict

__all__ = ["ACCESS_LEVEL_CONFLICT", "map_access_levels"]

ACCESS_LEVEL_CONFLICT = "access_level"
"""The `SyncConflict.event` of an unknown PMS access-level name."""


def map_access_levels(
    s: Session, facility_id: str, applied: Iterable[tuple[str, PmsRecord]], now: datetime
) -> list[str]:
    """Set the active rental's level of each `(unit id, record)` that names one; the
    unknown names, each also recorded as an open sync conflict (once per unit and name)."""
    named = [
        (u, r) for u, r in applied if r.access_level is not None and r.status is UnitStatus.OCCUPIED
    ]
    if not named:
        return []
    levels = s.exec(select(AccessLevel).where(AccessLevel.facility_id == facility_id)).all()
    mapping = {n.casefold(): lv.id for lv in levels for n in lv.pms_names}
    rentals = {
        r.unit_id: r
        for r in s.exec(
            select(Rental).where(
                col(Rental.unit_id).in_({u for u, _ in named}), col(Rental.ended_at).is_(None)
            )
        ).all()
    }
    unknown: list[str] = []
    for unit_id, record in named:
        rental = rentals.get(unit_id)
        if rental is None:
            continue
        name = record.access_level or ""
        level_id = mapping.get(name.casefold()) if name else None
        if name and level_id is None:
            unknown.append(name)
            _report(s, facility_id, unit_id, record, name, now)
        if rental.access_level_id != level_id:
            rental.access_level_id = level_id
            s.add(rental)
    return unknown


def _report(
    s: Session, facility_id: str, unit_id: str, record: PmsRecord, name: str, now: datetime
) -> None:
    detail = f"unknown PMS access level `{name}`: the tenant holds the facility's levels only"
    open_one = s.exec(
        select(SyncConflict.id).where(
            SyncConflict.unit_id == unit_id,
            SyncConflict.event == ACCESS_LEVEL_CONFLICT,
            SyncConflict.detail == detail,
            col(SyncConflict.resolved_at).is_(None),
        )
    ).first()
    if open_one is None:
        s.add(
            SyncConflict(
                unit_id=unit_id,
                facility_id=facility_id,
                event=ACCESS_LEVEL_CONFLICT,
                pms_seq=record.seq,
                detail=detail[:500],
                at=now,
            )
        )
