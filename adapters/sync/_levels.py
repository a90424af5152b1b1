"""PMS access-level names onto the facility's access levels, as the sync applies records.

A SiteLink/storEDGE rental carries a "gate access level" name; a level lists the names it
stands for (`AccessLevel.pms_names`, case-insensitive). An unknown name is not dropped: it
is reported as an open sync conflict (`access_level`) and the rental keeps only the
facility's levels until the name is mapped and the PMS's record is applied again (a later
record, or `unitgate sync reconcile` at the same sequence number). The inbox and reconcile
both map through `map_access_levels`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from adapters.pms import PmsRecord, UnitStatus
from engine.persistence import table_of
from engine.persistence.tables import AccessLevel, Rental, SyncConflict
from engine.units import PMS_RESOLVER

__all__ = ["ACCESS_LEVEL_CONFLICT", "LevelsMapped", "map_access_levels"]

ACCESS_LEVEL_CONFLICT = "access_level"
"""The `SyncConflict.event` of an unknown PMS access-level name."""

_conflict = table_of(SyncConflict)


@dataclass
class LevelsMapped:
    """What mapping a set of records' access-level names did."""

    changed: list[str] = field(default_factory=list)
    """Units whose active rental's level was set or cleared."""
    unknown: list[tuple[str, str]] = field(default_factory=list)
    """(unit id, name) of the names no level of the facility maps (each an open conflict)."""


def map_access_levels(
    s: Session, facility_id: str, applied: Iterable[tuple[str, PmsRecord]], now: datetime
) -> LevelsMapped:
    """Set the active rental's level of each `(unit id, record)` that names one (occupied
    records only, a unit's newest; empty clears, absent leaves the level alone).

    An unknown name is an open sync conflict, raised once per unit, name and PMS sequence
    number (so applying the same record again raises nothing new); a unit's open
    access-level conflicts its record no longer supports (the name maps now, or the PMS
    names another) are closed by the PMS.
    """
    newest: dict[str, PmsRecord] = {}
    for u, r in applied:  # several records of a unit: the newest one stands
        named_here = r.access_level is not None and r.status is UnitStatus.OCCUPIED
        if named_here and (u not in newest or r.seq > newest[u].seq):
            newest[u] = r
    named = list(newest.items())
    done = LevelsMapped()
    if not named:
        return done
    levels = s.exec(select(AccessLevel).where(AccessLevel.facility_id == facility_id)).all()
    mapping = {n.casefold(): lv for lv in levels for n in lv.pms_names}
    unit_ids = {u for u, _ in named}
    rentals = {
        r.unit_id: r
        for r in s.exec(
            select(Rental).where(col(Rental.unit_id).in_(unit_ids), col(Rental.ended_at).is_(None))
        ).all()
    }
    raised = _access_level_conflicts(s, unit_ids, {r.seq for _, r in named})
    closing: dict[int, tuple[str, int]] = {}
    for unit_id, record in named:
        rental = rentals.get(unit_id)
        if rental is None:
            continue
        name = record.access_level or ""
        level = mapping.get(name.casefold()) if name else None
        detail = _detail(name) if name and level is None else None
        mine = raised.get(unit_id, [])
        for c in mine:
            if c.open and c.detail != detail:
                closing[c.id] = (_closed_why(record, name, level), record.seq)
        if detail is not None:
            done.unknown.append((unit_id, name))
            if not any(c.detail == detail and c.stands_for(record.seq) for c in mine):
                s.add(_conflict_of(facility_id, unit_id, record, detail, now))
        level_id = level.id if level is not None else None
        if rental.access_level_id != level_id:
            rental.access_level_id = level_id
            s.add(rental)
            done.changed.append(unit_id)
    if closing:
        _close(s, closing, now)
    return done


def _detail(name: str) -> str:
    return f"unknown PMS access level `{name}`: the tenant holds the facility's levels only"[:500]


class _Raised(NamedTuple):
    """An access-level conflict raised before."""

    id: int
    detail: str
    pms_seq: int | None
    open: bool
    by_a_person: bool

    def stands_for(self, seq: int) -> bool:
        """Whether it still answers for the record at `seq`: open, or a person resolved the
        report of that very record (the same record applied again raises nothing new)."""
        return self.open or (self.by_a_person and self.pms_seq == seq)


def _access_level_conflicts(
    s: Session, unit_ids: set[str], seqs: set[int]
) -> dict[str, list[_Raised]]:
    """Per unit, its access-level conflicts that are open or were raised at one of `seqs`."""
    c = _conflict.c
    rows = s.connection().execute(
        sa_select(c.id, c.unit_id, c.detail, c.pms_seq, c.resolved_at, c.resolved_by).where(
            c.unit_id.in_(sorted(unit_ids)),
            c.event == ACCESS_LEVEL_CONFLICT,
            or_(c.resolved_at.is_(None), c.pms_seq.in_(sorted(seqs))),
        )
    )
    out: dict[str, list[_Raised]] = {}
    for cid, unit_id, detail, seq, resolved_at, resolved_by in rows:
        by_a_person = resolved_at is not None and resolved_by != PMS_RESOLVER
        raised = _Raised(cid, detail, seq, resolved_at is None, by_a_person)
        out.setdefault(unit_id, []).append(raised)
    return out


def _closed_why(record: PmsRecord, name: str, level: AccessLevel | None) -> str:
    if level is not None:
        why = f"the PMS access level `{name}` maps onto level `{level.name}`"
    elif not name:
        why = "the PMS's record names no access level"
    else:
        why = f"the PMS's record names access level `{name}` instead"
    return f"{why} (seq {record.seq})"[:500]


def _close(s: Session, closing: dict[int, tuple[str, int]], now: datetime) -> None:
    """Close the conflicts `closing` names (id → why, the PMS seq that closed it)."""
    s.flush()  # the ORM's pending writes first, in order
    s.connection().execute(
        _CLOSE,
        [
            {"b_id": cid, "b_why": why, "b_seq": seq, "b_now": now}
            for cid, (why, seq) in sorted(closing.items())
        ],
    )


_CLOSE = (
    update(_conflict)
    .where(_conflict.c.id == bindparam("b_id"), _conflict.c.resolved_at.is_(None))
    .values(
        resolved_at=bindparam("b_now"),
        resolved_by=PMS_RESOLVER,
        resolution=bindparam("b_why"),
        resolved_pms_seq=bindparam("b_seq"),
    )
)


def _conflict_of(
    facility_id: str, unit_id: str, record: PmsRecord, detail: str, now: datetime
) -> SyncConflict:
    return SyncConflict(
        unit_id=unit_id,
        facility_id=facility_id,
        event=ACCESS_LEVEL_CONFLICT,
        pms_seq=record.seq,
        detail=detail,
        at=now,
    )
