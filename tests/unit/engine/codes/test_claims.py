"""Reconcilers share the keypad locks: a facility's locks are leased to one round at a time
(on SQLite and PostgreSQL), so two rounds at once never both put a person's code on a lock."""

from __future__ import annotations

import threading
from datetime import timedelta

from engine.clock import ManualClock
from engine.codes import Reconciler
from engine.codes._claims import claim_locks
from engine.domain import LifecycleEvent
from engine.runtime import Runtime
from tests.support.keypad import GATE, keypad_world


def test_a_leased_facility_is_skipped_until_its_lease_ends(
    runtime: Runtime, clock: ManualClock
) -> None:
    kw = keypad_world(runtime, units=1)
    a = kw.move_in(0, "a")
    kw.reconcile()  # the locks are known now
    assert claim_locks(runtime.db, [GATE, "kp-u0"], clock.now())  # another worker's round
    kw.pms(0, LifecycleEvent.VACATE)
    report = kw.reconciler.run_once()
    assert {r.down for r in report.locks} == {"leased"}
    assert a in kw.managed(GATE)
    clock.advance(timedelta(minutes=6))  # that worker died: its lease ends by itself
    kw.reconciler.run_once()
    assert kw.managed(GATE) == {}


def test_two_rounds_at_once_give_each_person_one_code(runtime: Runtime) -> None:
    kw = keypad_world(runtime, units=3)
    for i, key in enumerate("abc"):
        kw.move_in(i, key)
    kw.reconcile()
    kw.sim.wipe(GATE)
    other = Reconciler(
        runtime.db,
        kw.sim,
        runtime.access,
        kw.reconciler.policy,
        runtime.clock,
        kw.reconciler.config,
    )
    threads = [threading.Thread(target=r.run_once) for r in (kw.reconciler, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    kw.reconcile()
    codes = kw.codes(GATE)
    assert len(codes) == 3 and len({c.code for c in codes}) == 3
    assert kw.sim.unmanaged_touched == []
