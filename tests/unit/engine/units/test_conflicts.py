"""Sync conflicts close with their cause: the unit's PMS vacate, a later PMS record the unit
accepts, or an employee's resolution with a note. One event at a time and in batches."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import col, select

from engine.audit import verify_chain
from engine.clock import ManualClock
from engine.domain import LifecycleEvent
from engine.errors import NotFoundError, RefusedError
from engine.persistence.tables import AuditEntry, SyncConflict
from engine.runtime import Runtime
from engine.units import PmsEvent, apply_pms_batch, apply_pms_event, resolve_conflict
from tests.support.world import World, build_world

E = LifecycleEvent


@pytest.fixture
def world(runtime: Runtime) -> World:
    return build_world(runtime)


def _auctioned(world: World, clock: ManualClock) -> str:
    """A unit sold at auction (PMS seq 2: overlocked)."""
    u = world.units[0]
    world.pms(u, E.MOVE_IN)
    world.pms(u, E.DELINQUENT_OVER)
    world.portal(u, E.MARK_PENDING_AUCTION, reason="lien")
    window = {"window_start": clock.now(), "window_end": clock.now() + timedelta(days=1)}
    world.portal(u, E.RECORD_AUCTION_SALE, grantee=world.manager_id, **window)
    return u


def _apply(world: World, events: list[PmsEvent], *, batch: bool) -> list[str]:
    with world.rt.db.transaction() as s:
        if batch:
            return [r.outcome.value for r in apply_pms_batch(s, world.rt.lifecycle, events)]
        return [apply_pms_event(s, world.rt.lifecycle, ev).outcome.value for ev in events]


def _conflicts(world: World) -> list[SyncConflict]:
    with world.rt.db.read() as s:
        return list(s.exec(select(SyncConflict).order_by(col(SyncConflict.id))).all())


def _event(world: World, u: str, seq: int, event: LifecycleEvent) -> PmsEvent:
    return PmsEvent(u, seq, event, None if event is E.VACATE else world.tenant("a"))


@pytest.mark.parametrize("batch", [False, True], ids=["one by one", "batch"])
@pytest.mark.parametrize("together", [False, True], ids=["later call", "same call"])
def test_a_pms_vacate_closes_the_units_open_conflicts(
    world: World, clock: ManualClock, batch: bool, together: bool
) -> None:
    u = _auctioned(world, clock)
    payment, vacate = _event(world, u, 3, E.CURRENT), _event(world, u, 4, E.VACATE)
    if together:
        assert _apply(world, [payment, vacate], batch=batch) == ["conflict", "applied"]
    else:
        assert _apply(world, [payment], batch=batch) == ["conflict"]
        assert [c.resolved_at for c in _conflicts(world)] == [None]
        clock.advance(timedelta(minutes=5))
        assert _apply(world, [vacate], batch=batch) == ["applied"]
    [conflict] = _conflicts(world)
    assert conflict.resolved_at == clock.now()
    assert (conflict.resolved_by, conflict.resolved_pms_seq) == ("pms", 4)
    assert conflict.resolution == "unit vacated by the PMS (seq 4)"
    with world.rt.db.read() as s:
        last = s.exec(select(AuditEntry).order_by(col(AuditEntry.seq).desc())).first()
        assert last is not None
        assert json.loads(last.payload)["effects"]["conflicts_resolved"] == 1
        assert verify_chain(s, world.rt.audit, world.facility_id).ok


@pytest.mark.parametrize("batch", [False, True], ids=["one by one", "batch"])
def test_a_later_record_the_unit_accepts_closes_it_and_a_repeat_payment_does_not(
    world: World, clock: ManualClock, batch: bool
) -> None:
    u = _auctioned(world, clock)
    events = [_event(world, u, 3, E.CURRENT), _event(world, u, 4, E.CURRENT)]
    assert _apply(world, events, batch=batch) == ["conflict", "conflict"]
    assert [c.resolved_at for c in _conflicts(world)] == [None, None]  # still the PMS's word
    assert _apply(world, [_event(world, u, 5, E.DELINQUENT_OVER)], batch=batch) == ["unchanged"]
    closed = _conflicts(world)
    assert [(c.resolved_by, c.resolved_pms_seq) for c in closed] == [("pms", 5), ("pms", 5)]
    assert all("`delinquent_over`, seq 5" in (c.resolution or "") for c in closed)
    # A conflict after that one stays open until its own cause goes.
    assert _apply(world, [_event(world, u, 6, E.CURRENT)], batch=batch) == ["conflict"]
    assert [c.resolved_at is None for c in _conflicts(world)] == [False, False, True]


def test_an_employee_resolves_a_conflict_once_with_a_note(world: World, clock: ManualClock) -> None:
    u = _auctioned(world, clock)
    world.pms(u, E.CURRENT)
    [open_one] = _conflicts(world)
    assert open_one.id is not None
    rt = world.rt
    with rt.db.transaction() as s:
        done = resolve_conflict(
            s, rt.audit, open_one.id, world.manager, "paid by mistake", clock.now()
        )
    assert (done.resolved_by, done.resolution, done.resolved_at) == (
        world.manager,
        "paid by mistake",
        clock.now(),
    )
    with rt.db.read() as s:
        entry = s.exec(select(AuditEntry).order_by(col(AuditEntry.seq).desc())).first()
        assert entry is not None
        assert (entry.kind, entry.actor, entry.subject) == (
            "sync_conflict_resolved",
            world.manager,
            u,
        )
        assert json.loads(entry.payload)["note"] == "paid by mistake"
        assert verify_chain(s, rt.audit, world.facility_id).ok
    with pytest.raises(RefusedError, match="already resolved"), rt.db.transaction() as s:
        resolve_conflict(s, rt.audit, open_one.id, world.manager, "again", clock.now())
    with pytest.raises(NotFoundError), rt.db.transaction() as s:
        resolve_conflict(s, rt.audit, open_one.id + 1000, world.manager, "none", clock.now())
    # A vacate later leaves the person's resolution as it was.
    world.pms(u, E.VACATE)
    assert _conflicts(world)[0].resolution == "paid by mistake"
