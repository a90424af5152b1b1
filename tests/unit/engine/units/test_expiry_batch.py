"""`record_expiries` writes what `LifecycleService.apply` writes for each expiry: two copies
of one store (windows and emergencies at two facilities, a resold unit holding a revoked
and a live grant) expire the same units, one event at a time through the service and as a
set; every row, and the audit chains to the last hash, must be the same."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from engine.audit import verify_chain
from engine.clock import ManualClock
from engine.domain import EventSource, LifecycleEvent
from engine.persistence import table_of
from engine.persistence.tables import AuctionGrant, AuditEntry, AuditHead, TransitionRecord, Unit
from engine.runtime import Runtime
from engine.units import EXPIRY_ACTOR, due_units, expire_due, expiry_due
from tests.conftest import AUDIT_KEY
from tests.support.liens import emergency, sold
from tests.support.world import World, build_world

E = LifecycleEvent


def _store(rt: Runtime) -> None:
    """Liens ending within the hour at two facilities; one unit sold twice."""
    for name in ("Acme", "Bolt"):
        world = build_world(rt, units=4, name=name)
        sold(world, world.units[0], timedelta(minutes=10))
        emergency(world, world.units[1], timedelta(minutes=20))
        sold(world, world.units[2], timedelta(minutes=30))
        _resell(world, world.units[2], timedelta(minutes=40))
        sold(world, world.units[3], timedelta(days=2))  # still open afterwards


def _resell(world: World, unit_id: str, window: timedelta) -> None:
    """The window ends early and the unit is sold again: one revoked grant and a live one."""
    world.rt.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    with world.rt.db.transaction() as s:
        unit = s.get(Unit, unit_id)
        assert unit is not None
        unit.access_until = world.rt.clock.now()
        s.add(unit)
    with world.rt.db.transaction() as s:
        expire_due(s, world.rt.lifecycle)
    now = world.rt.clock.now()
    world.portal(
        unit_id,
        E.RECORD_AUCTION_SALE,
        grantee=world.manager_id,
        window_start=now,
        window_end=now + window,
    )


def _one_by_one(rt: Runtime) -> None:
    """The reference: each due unit's expiry through `LifecycleService.apply`, in the order
    `record_expiries` takes them (facility, then unit)."""
    svc = rt.lifecycle
    with rt.db.transaction() as s:
        units = [s.get(Unit, u) for u in due_units(s, rt.clock.now())]
        for unit in sorted(units, key=lambda u: (u.facility_id, u.id)):  # type: ignore[union-attr]
            assert unit is not None
            event = expiry_due(unit, rt.clock.now())
            assert event is not None
            svc.apply(s, unit.id, svc.request(event, actor=EXPIRY_ACTOR, source=EventSource.SYSTEM))


def _dump(rt: Runtime) -> dict[str, Any]:
    with rt.db.read() as s:
        conn = s.connection()

        def rows(model: type[Any], drop: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
            out = []
            for r in conn.execute(select(table_of(model))):
                m = dict(r._mapping)
                out.append(tuple(v for k, v in sorted(m.items()) if k not in drop))
            return sorted(out, key=repr)

        return {
            "units": rows(Unit),
            "transitions": rows(TransitionRecord, ("id",)),
            "grants": rows(AuctionGrant),
            "audit": rows(AuditEntry, ("id",)),
            "heads": rows(AuditHead),
        }


def test_a_set_of_expiries_writes_what_the_service_writes_one_by_one(tmp_path: Path) -> None:
    template = tmp_path / "template.db"
    shutil.copyfile(_migrated(tmp_path), template)
    start = ManualClock()
    rt = Runtime.create(f"sqlite:///{template}", AUDIT_KEY, clock=start)
    _store(rt)
    rt.db.dispose()
    copies = []
    for name in ("reference", "set"):
        path = tmp_path / f"{name}.db"
        shutil.copyfile(template, path)
        clock = ManualClock(start.now() + timedelta(minutes=45))
        copies.append(Runtime.create(f"sqlite:///{path}", AUDIT_KEY, clock=clock))
    reference, as_set = copies
    try:
        with reference.db.read() as s:
            due = due_units(s, reference.clock.now())
        assert len(due) == 6  # three of each facility: two windows and an emergency
        _one_by_one(reference)
        with as_set.db.transaction() as s:
            recorded = expire_due(s, as_set.lifecycle)
        assert sorted(e.unit_id for e in recorded) == sorted(due)
        assert _dump(as_set) == _dump(reference)
        with as_set.db.read() as s:
            assert verify_chain(s, as_set.audit).ok
            revoked = s.exec(
                select(AuctionGrant.revoked_reason).where(col(AuctionGrant.unit_id).in_(due))
            ).all()
        assert sorted(r for (r,) in revoked) == ["access window ended"] * 6
    finally:
        for rt_ in copies:
            rt_.db.dispose()


def _migrated(folder: Path) -> Path:
    from engine.persistence import Database, upgrade

    path = folder / "migrated.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    return path
