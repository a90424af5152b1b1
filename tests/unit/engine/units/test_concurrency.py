"""Concurrent transitions on one unit: one winner per version, nothing lost, chain intact."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from itertools import pairwise

import pytest
from sqlmodel import col, select

from engine.audit import verify_chain
from engine.domain import LifecycleEvent, Permission, UnitState
from engine.persistence.tables import TransitionRecord, Unit
from engine.runtime import Runtime
from engine.units import ConcurrentUpdate
from tests.support.world import World, build_world

WORKERS = 8
ROUNDS = 6
E = LifecycleEvent


def toggle_event(state: str) -> LifecycleEvent:
    """The portal event that flips an overlocked unit into pending auction and back."""
    return E.MARK_PENDING_AUCTION if state == UnitState.OVERLOCK else E.RESTORE


def attempt(world: World, barrier: threading.Barrier, worker: int) -> tuple[int, str]:
    """Read the unit, wait for every worker to have read it, then try to transition it.

    Like API clients sending what they read as the expected version: all eight write
    transactions start together and race on the unit's row.
    """
    rt, u = world.rt, world.units[0]
    svc = rt.lifecycle
    with rt.db.read() as s:
        unit = svc.load(s, u)
        version, state = unit.version, unit.state
    barrier.wait(timeout=30)
    try:
        with rt.db.transaction() as s:
            request = svc.request(
                toggle_event(state),
                actor=f"person:worker-{worker}",
                permissions=frozenset(Permission),
                reason=f"worker {worker}",
            )
            svc.apply(s, u, request, expected_version=version)
            return version, "won"
    except ConcurrentUpdate as exc:
        return exc.version, "lost"


@pytest.fixture
def world(runtime: Runtime) -> World:
    w = build_world(runtime, units=1)
    w.pms(w.units[0], E.MOVE_IN)
    w.pms(w.units[0], E.DELINQUENT_OVER)
    return w


def records(world: World) -> list[TransitionRecord]:
    with world.rt.db.read() as s:
        query = select(TransitionRecord).order_by(col(TransitionRecord.unit_version))
        return list(s.exec(query).all())


def test_one_winner_per_version(world: World) -> None:
    start = records(world)[-1].unit_version
    with ThreadPoolExecutor(WORKERS) as pool:
        for _ in range(ROUNDS):
            barrier = threading.Barrier(WORKERS)
            results = list(pool.map(partial(attempt, world, barrier), range(WORKERS)))
            versions = {v for v, _ in results}
            assert len(versions) == 1, results  # every worker raced for the same version
            assert Counter(r for _, r in results) == {"won": 1, "lost": WORKERS - 1}
    with world.rt.db.read() as s:
        unit = s.get(Unit, world.units[0])
        assert unit is not None
        assert unit.version == start + ROUNDS
        assert unit.state == UnitState.OVERLOCK  # an even number of toggles
        assert verify_chain(s, world.rt.audit).ok
    history = records(world)
    # Version 1 is the unit as provisioned; every transition since has its own version.
    assert [r.unit_version for r in history] == list(range(2, start + ROUNDS + 1))
    for before, after in pairwise(history):
        assert after.from_state == before.to_state


def retry_until_applied(world: World, worker: int, times: int) -> int:
    """Apply `times` toggles, re-reading and retrying whenever another worker got in first."""
    rt, u, svc = world.rt, world.units[0], world.rt.lifecycle
    conflicts = 0
    for _ in range(times):
        while True:
            try:
                with rt.db.transaction() as s:
                    unit = svc.load(s, u)
                    request = svc.request(
                        toggle_event(unit.state),
                        actor=f"person:worker-{worker}",
                        permissions=frozenset(Permission),
                        reason="retry",
                    )
                    svc.apply(s, u, request, expected_version=unit.version)
                break
            except ConcurrentUpdate:
                conflicts += 1
    return conflicts


def test_no_update_is_lost(world: World) -> None:
    per_worker = 5
    before = len(records(world))
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(lambda i: retry_until_applied(world, i, per_worker), range(WORKERS)))
    history = records(world)
    assert len(history) - before == WORKERS * per_worker
    assert Counter(r.actor for r in history[before:]) == {
        f"person:worker-{i}": per_worker for i in range(WORKERS)
    }
    for before_row, after_row in pairwise(history):
        assert after_row.unit_version == before_row.unit_version + 1
        assert after_row.from_state == before_row.to_state
    with world.rt.db.read() as s:
        assert verify_chain(s, world.rt.audit).ok
