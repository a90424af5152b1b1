"""A PMS event that meets a unit past its stated end records the expiry first, then applies
what the PMS says, one event at a time and as a batch (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from engine.audit import verify_chain
from engine.clock import ManualClock
from engine.domain import LifecycleEvent
from engine.persistence.tables import AuctionGrant, TransitionRecord, Unit
from engine.runtime import Runtime
from engine.units import PmsEvent, PmsOutcome, apply_pms_batch, apply_pms_event
from tests.support.liens import emergency, sold
from tests.support.world import World, build_world

E = LifecycleEvent


@pytest.fixture
def world(runtime: Runtime) -> World:
    return build_world(runtime)


def apply(world: World, ev: PmsEvent, *, batch: bool) -> PmsOutcome:
    with world.rt.db.transaction() as s:
        if batch:
            return apply_pms_batch(s, world.rt.lifecycle, [ev])[0].outcome
        return apply_pms_event(s, world.rt.lifecycle, ev).outcome


def steps(world: World, unit_id: str) -> list[tuple[str, str, str]]:
    with world.rt.db.read() as s:
        rows = s.exec(
            select(TransitionRecord)
            .where(TransitionRecord.unit_id == unit_id)
            .order_by(col(TransitionRecord.id))
        ).all()
        return [(r.event, r.source, r.to_state) for r in rows]


@pytest.mark.parametrize("batch", [False, True], ids=["one_event", "batch"])
def test_overlock_after_an_ended_window_is_applied(
    world: World, clock: ManualClock, batch: bool
) -> None:
    """The issue: after the window the next overlock record was `unchanged` and the unit
    stayed in auction. Now the window's end is recorded, then the overlock applies."""
    u = world.units[0]
    sold(world, u, timedelta(minutes=10))
    clock.advance(timedelta(minutes=11))
    outcome = apply(world, PmsEvent(u, 3, E.DELINQUENT_OVER, world.tenant("a")), batch=batch)
    assert outcome is PmsOutcome.APPLIED
    assert steps(world, u)[-2:] == [
        ("access_expired", "system", "pending_auction"),
        ("delinquent_over", "pms", "overlock"),
    ]
    with world.rt.db.read() as s:
        unit = s.get(Unit, u)
        assert unit is not None
        assert (unit.state, unit.access_until, unit.last_pms_seq) == ("overlock", None, 3)
        grant = s.exec(select(AuctionGrant).where(AuctionGrant.unit_id == u)).one()
        assert grant.revoked_reason == "access window ended"
        assert verify_chain(s, world.rt.audit).ok


@pytest.mark.parametrize("batch", [False, True], ids=["one_event", "batch"])
def test_a_repeated_record_still_records_the_ended_emergency(
    world: World, clock: ManualClock, batch: bool
) -> None:
    u = world.units[0]
    emergency(world, u, timedelta(minutes=5))
    clock.advance(timedelta(minutes=5))
    outcome = apply(world, PmsEvent(u, 1, E.MOVE_IN, world.tenant("a")), batch=batch)
    assert outcome is PmsOutcome.DUPLICATE
    assert steps(world, u)[-1] == ("emergency_expired", "system", "occupied")


def test_a_window_still_open_is_left_alone(world: World, clock: ManualClock) -> None:
    u = world.units[0]
    sold(world, u, timedelta(minutes=10))
    clock.advance(timedelta(minutes=9))
    outcome = apply(world, PmsEvent(u, 3, E.DELINQUENT_OVER, world.tenant("a")), batch=True)
    assert outcome is PmsOutcome.UNCHANGED  # sold at auction: the overlay stays
    assert steps(world, u)[-1][0] == "delinquent_over"
    with world.rt.db.read() as s:
        unit = s.get(Unit, u)
        assert unit is not None and unit.state == "auction"
