"""Group commit of access decisions: every decision durable once, chains intact, bad rows alone."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import col, select

from engine.access import DecisionRow
from engine.audit import verify_chain
from engine.domain import LifecycleEvent
from engine.persistence.tables import AccessDecisionRecord, AuditEntry
from engine.runtime import Runtime
from tests.support.world import build_world


def _row(rt: Runtime, facility_id: str, door_id: str, i: int) -> DecisionRow:
    return DecisionRow(
        facility_id=facility_id,
        door_id=door_id,
        unit_id=None,
        person_id=None,
        principal_kind="tenant",
        channel="phone_relay",
        allowed=False,
        deciding_rule=None,
        reason=f"request {i}",
        policy_version="test",
        note=None,
        at=rt.clock.now(),
        actor=f"person:{i}",
        audit={"i": i},
    )


def test_concurrent_decisions_are_each_written_once_and_chained(runtime: Runtime) -> None:
    world = build_world(runtime)
    other = build_world(runtime, name="Other")
    recorder = runtime.access.recorder
    rows = [_row(runtime, w.facility_id, w.gate_id, i) for i, w in enumerate([world, other] * 60)]
    with ThreadPoolExecutor(16) as pool:
        ids = list(pool.map(recorder.record, rows))

    assert len(set(ids)) == len(rows)
    with runtime.db.read() as s:
        stored = {r.id: r.reason for r in s.exec(select(AccessDecisionRecord)).all()}
        assert {i: f"request {n}" for n, i in enumerate(ids)} == stored
        entries = s.exec(
            select(AuditEntry)
            .where(AuditEntry.kind == "access_decision")
            .order_by(col(AuditEntry.id))
        ).all()
        logged = {json.loads(e.payload)["decision_id"]: json.loads(e.payload)["i"] for e in entries}
        assert logged == {i: n for n, i in enumerate(ids)}
        assert verify_chain(s, runtime.audit).ok


def test_a_decision_that_cannot_be_written_fails_alone(runtime: Runtime) -> None:
    """A batch with a bad row (a door that does not exist) is retried row by row."""
    rt = runtime
    world = build_world(rt)
    world.pms(world.units[0], LifecycleEvent.MOVE_IN)  # a chain: PostgreSQL's one-statement path
    recorder = rt.access.recorder
    futures = [
        recorder.submit(_row(rt, world.facility_id, world.gate_id if i != 5 else "no-door", i))
        for i in range(12)
    ]
    outcomes = []
    for f in futures:
        try:
            outcomes.append(f.result(timeout=30))
        except Exception as exc:
            outcomes.append(exc)
    assert isinstance(outcomes[5], Exception)
    written = [o for i, o in enumerate(outcomes) if i != 5]
    assert all(isinstance(o, int) for o in written)
    with rt.db.read() as s:
        count = len(s.exec(select(AccessDecisionRecord.id)).all())
        assert count == 11
        assert verify_chain(s, rt.audit).ok


@pytest.mark.parametrize("n", [1, 3])
def test_the_writer_thread_stops_when_idle_and_starts_again(
    sqlite_runtime: Runtime, monkeypatch: pytest.MonkeyPatch, n: int
) -> None:
    import engine.access._recorder as recorder_module

    monkeypatch.setattr(recorder_module, "IDLE_SECONDS", 0.05)
    world = build_world(sqlite_runtime)
    recorder = sqlite_runtime.access.recorder
    for i in range(n):
        recorder.record(_row(sqlite_runtime, world.facility_id, world.gate_id, i))
        thread = recorder._thread
        if thread is not None:
            thread.join(timeout=5)
        assert recorder._thread is None
