"""The expiry duty: due units expire once, a restart does nothing twice, two duties share the
work without doubling it, and the duty sleeps until the next stated end (SQLite and
PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from engine.audit import verify_chain
from engine.clock import ManualClock
from engine.domain import LifecycleEvent, UnitState
from engine.persistence.tables import AuctionGrant, AuditEntry, TransitionRecord, Unit
from engine.runtime import Runtime
from engine.units import EXPIRY_ACTOR, ExpiryConfig, ExpiryDuty, next_bound
from tests.conftest import AUDIT_KEY
from tests.support.liens import emergency, sold
from tests.support.world import World, build_world

E = LifecycleEvent


@pytest.fixture
def world(runtime: Runtime) -> World:
    return build_world(runtime)


def duty(rt: Runtime, **config: float) -> ExpiryDuty:
    return ExpiryDuty(rt.db, rt.lifecycle, ExpiryConfig(**config), rt.expiry_alarm)  # type: ignore[arg-type]


def history(rt: Runtime, unit_id: str) -> list[tuple[str, str, str]]:
    with rt.db.read() as s:
        rows = s.exec(
            select(TransitionRecord)
            .where(TransitionRecord.unit_id == unit_id)
            .order_by(col(TransitionRecord.id))
        ).all()
        return [(r.event, r.actor, r.to_state) for r in rows]


def state(rt: Runtime, unit_id: str) -> str:
    with rt.db.read() as s:
        unit = s.get(Unit, unit_id)
        assert unit is not None
        return unit.state


def test_due_units_expire_once_and_a_restarted_duty_does_nothing(
    world: World, clock: ManualClock
) -> None:
    auction, urgent, _ = world.units
    sold(world, auction, timedelta(minutes=10))
    emergency(world, urgent, timedelta(minutes=20))
    first = duty(world.rt)
    assert first.run_once().expired == []
    clock.advance(timedelta(minutes=20))
    done = first.run_once()
    assert sorted((e.unit_id, e.event) for e in done.expired) == sorted(
        [(auction, E.ACCESS_EXPIRED), (urgent, E.EMERGENCY_EXPIRED)]
    )
    by_unit = {e.unit_id: e for e in done.expired}
    assert by_unit[auction].lag_seconds == 10 * 60  # the clock jumped 10 min past its end
    assert by_unit[urgent].lag_seconds == 0
    assert (state(world.rt, auction), state(world.rt, urgent)) == ("pending_auction", "occupied")
    assert history(world.rt, auction)[-1] == ("access_expired", EXPIRY_ACTOR, "pending_auction")
    assert history(world.rt, urgent)[-1] == ("emergency_expired", EXPIRY_ACTOR, "occupied")
    with world.rt.db.read() as s:
        grant = s.exec(select(AuctionGrant).where(AuctionGrant.unit_id == auction)).one()
        assert grant.revoked_reason == "access window ended"
        kinds = [e.kind for e in s.exec(select(AuditEntry).where(AuditEntry.subject == urgent))]
        assert kinds == ["transition", "transition", "transition"]
        assert verify_chain(s, world.rt.audit).ok
    assert first.totals == Counter({"access_expired": 1, "emergency_expired": 1})
    # Again, and from a new process: nothing is due any more.
    assert first.run_once().expired == []
    restarted = Runtime.create(world.rt.db.url, AUDIT_KEY, clock=clock)
    try:
        assert duty(restarted).run_once().expired == []
    finally:
        restarted.db.dispose()
    assert len(history(world.rt, auction)) == 5
    assert len(history(world.rt, urgent)) == 3


def test_the_duty_sleeps_until_the_next_stated_end_capped_by_its_poll(
    world: World, clock: ManualClock
) -> None:
    patient = duty(world.rt, poll_seconds=3600)
    assert patient.run_once().sleep_seconds == 3600  # nothing ends: look again in an hour
    emergency(world, world.units[0], timedelta(minutes=30))
    sold(world, world.units[1], timedelta(minutes=45))
    assert patient.run_once().sleep_seconds == 30 * 60
    assert duty(world.rt, poll_seconds=1).run_once().sleep_seconds == 1
    clock.advance(timedelta(minutes=30))
    done = patient.run_once()
    assert [e.event for e in done.expired] == [E.EMERGENCY_EXPIRED]
    assert done.sleep_seconds == 15 * 60  # the sale's window is next
    with world.rt.db.read() as s:
        assert next_bound(s) == clock.now() + timedelta(minutes=15)
        assert next_bound(s, after=clock.now() + timedelta(minutes=15)) is None


def test_a_round_records_what_is_due_at_every_facility(
    runtime: Runtime, clock: ManualClock
) -> None:
    """A batch is one facility's; the round goes on to the next facility's."""
    worlds = [build_world(runtime, units=2, name=name) for name in ("Acme", "Bolt", "Core")]
    for world in worlds:
        emergency(world, world.units[0], timedelta(minutes=5))
        sold(world, world.units[1], timedelta(minutes=5))
    clock.advance(timedelta(minutes=5))
    done = duty(runtime).run_once()
    assert Counter(e.facility_id for e in done.expired) == Counter(
        {w.facility_id: 2 for w in worlds}
    )


def test_an_expiry_the_machine_refuses_leaves_the_others_to_expire(
    world: World, clock: ManualClock
) -> None:
    """A unit whose expiry cannot apply (here: data no event can produce) is logged and
    skipped; it does not stop the round or make the duty spin."""
    stuck, fine, _ = world.units
    emergency(world, stuck, timedelta(minutes=5))
    emergency(world, fine, timedelta(minutes=5))
    with world.rt.db.transaction() as s:
        s.execute(update(Unit).where(col(Unit.id) == stuck).values(pms_status="gatelock"))
    clock.advance(timedelta(minutes=5))
    done = duty(world.rt, batch_size=1).run_once()
    assert [e.unit_id for e in done.expired] == [fine]
    assert done.refused == [stuck]
    assert done.sleep_seconds == 1.0
    assert state(world.rt, stuck) == "pending_auction"


def test_two_duties_record_each_of_200_expiries_exactly_once(
    runtime: Runtime, clock: ManualClock
) -> None:
    """Two duties on their own connections (as two replicas) claim batches of the same 200
    due units of two facilities at the same time: every unit gets one `access_expired`, no
    more."""
    worlds = [build_world(runtime, units=100, name=name) for name in ("Acme", "Bolt")]
    for world in worlds:
        # The facility's chain exists, as it does once anything was sold or set in an emergency.
        world.pms(world.units[0], E.MOVE_IN)
    units = [u for world in worlds for u in world.units]
    start = clock.now()
    with runtime.db.transaction() as s:
        for i, unit_id in enumerate(units):
            s.execute(
                update(Unit)
                .where(col(Unit.id) == unit_id)
                .values(
                    state=UnitState.AUCTION.value,
                    pms_status=UnitState.OVERLOCK.value,
                    access_until=start + timedelta(milliseconds=10 * i),
                )
            )
    clock.advance(timedelta(minutes=1))
    other = Runtime.create(runtime.db.url, AUDIT_KEY, clock=clock)
    duties = [duty(runtime, batch_size=7), duty(other, batch_size=7)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(d: ExpiryDuty) -> None:
        barrier.wait(timeout=30)
        try:
            d.run_once()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(d,)) for d in duties]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        other.db.dispose()
    assert errors == []
    with runtime.db.read() as s:
        events = Counter(
            s.exec(
                select(TransitionRecord.unit_id).where(
                    TransitionRecord.event == E.ACCESS_EXPIRED.value
                )
            ).all()
        )
        assert events == Counter(dict.fromkeys(units, 1))
        assert {u.state for u in s.exec(select(Unit)).all()} == {"pending_auction"}
        assert verify_chain(s, runtime.audit).ok
    assert sum(d.totals["access_expired"] for d in duties) == 200


def test_a_running_duty_wakes_when_rung_and_stops_when_told(
    world: World, clock: ManualClock
) -> None:
    """`run()` in a thread: it sleeps its poll interval (an hour here), a ring makes it look
    at once, and `stop()` ends it."""
    unit_id = world.units[0]
    emergency(world, unit_id, timedelta(minutes=5))
    running = duty(world.rt, poll_seconds=3600)
    thread = threading.Thread(target=running.run)
    thread.start()
    try:
        clock.advance(timedelta(minutes=5))
        world.rt.expiry_alarm.ring()
        deadline = time.monotonic() + 20
        while state(world.rt, unit_id) != "occupied":
            assert time.monotonic() < deadline, "the duty did not wake"
            time.sleep(0.05)
    finally:
        running.stop()
        thread.join(timeout=20)
    assert not thread.is_alive()
    assert running.totals == Counter({"emergency_expired": 1})
