"""PostgreSQL's one-statement decision write: compare-and-set on the chain head."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from engine.access import DecisionRow
from engine.access._chain_statement import ChainStatement
from engine.audit import verify_chain
from engine.clock import ManualClock
from engine.domain import LifecycleEvent
from engine.persistence.tables import AccessDecisionRecord, AuditEntry, AuditHead
from engine.runtime import Runtime
from tests.support.world import World, build_world
from tests.unit.engine.access.test_recorder import _row

pytestmark = pytest.mark.pg


@pytest.fixture
def pg_runtime(pg_url: str, clock: ManualClock) -> Iterator[Runtime]:
    rt = Runtime.create(pg_url, b"test-audit-key", clock=clock)
    yield rt
    rt.db.dispose()


def _head(rt: Runtime, facility_id: str) -> AuditHead | None:
    with rt.db.read() as s:
        return s.get(AuditHead, facility_id)


def _decisions(rt: Runtime) -> list[AccessDecisionRecord]:
    with rt.db.read() as s:
        return list(s.exec(select(AccessDecisionRecord).order_by(col(AccessDecisionRecord.id))))


def _chained_world(rt: Runtime) -> World:
    world = build_world(rt)
    world.pms(world.units[0], LifecycleEvent.MOVE_IN)  # the facility's chain has a head
    assert _head(rt, world.facility_id) is not None
    return world


def test_rows_entries_and_head_are_written_together(pg_runtime: Runtime) -> None:
    rt = pg_runtime
    world = _chained_world(rt)
    statement = ChainStatement(rt.db, rt.audit)
    before = _head(rt, world.facility_id)
    assert before is not None
    rows = [_row(rt, world.facility_id, world.gate_id, i) for i in range(5)]

    ids = statement.write(rows)

    assert ids is not None and ids == sorted(ids) and len(set(ids)) == 5
    assert [(d.id, d.reason) for d in _decisions(rt)] == [
        (i, f"request {n}") for n, i in enumerate(ids)
    ]
    after = _head(rt, world.facility_id)
    assert after is not None and after.seq == before.seq + 5
    assert rt.audit.head_is_authentic(after.facility_id, after.seq, after.hash, after.mac)
    with rt.db.read() as s:
        entries = s.exec(
            select(AuditEntry).where(AuditEntry.seq > before.seq).order_by(col(AuditEntry.seq))
        ).all()
        assert [json.loads(e.payload)["decision_id"] for e in entries] == ids
        assert entries[-1].hash == after.hash
        assert verify_chain(s, rt.audit).ok


def test_a_head_moved_by_another_writer_writes_nothing(pg_runtime: Runtime) -> None:
    rt = pg_runtime
    world = _chained_world(rt)
    statement = ChainStatement(rt.db, rt.audit)
    assert statement.write([_row(rt, world.facility_id, world.gate_id, 0)]) is not None
    world.pms(world.units[1], LifecycleEvent.MOVE_IN)  # another writer appends to the chain

    assert statement.write([_row(rt, world.facility_id, world.gate_id, 1)]) is None
    assert [d.reason for d in _decisions(rt)] == ["request 0"]
    # The stale head was dropped: the next write reads the head again and succeeds.
    assert statement.write([_row(rt, world.facility_id, world.gate_id, 2)]) is not None
    with rt.db.read() as s:
        assert verify_chain(s, rt.audit).ok


def test_a_facility_without_a_chain_is_left_to_the_locking_path(pg_runtime: Runtime) -> None:
    rt = pg_runtime
    world = build_world(rt)
    if _head(rt, world.facility_id) is not None:
        pytest.skip("provisioning already started the facility's chain")
    statement = ChainStatement(rt.db, rt.audit)
    assert statement.write([_row(rt, world.facility_id, world.gate_id, 0)]) is None
    assert _decisions(rt) == []


def test_decisions_interleaved_with_lifecycle_events_are_each_written_once(
    pg_runtime: Runtime,
) -> None:
    """The recorder's fast path and other transactions append to one chain concurrently."""
    rt = pg_runtime
    world = _chained_world(rt)
    recorder = rt.access.recorder
    rows = [_row(rt, world.facility_id, world.gate_id, i) for i in range(200)]
    statement = recorder._statement
    assert statement is not None
    outcomes: list[bool] = []
    write = statement.write

    def counted(batch: list[DecisionRow]) -> list[int] | None:
        ids = write(batch)
        outcomes.append(ids is not None)
        return ids

    statement.write = counted  # type: ignore[method-assign]

    def lifecycle() -> None:
        for event in [LifecycleEvent.DELINQUENT_GATE, LifecycleEvent.CURRENT] * 10:
            world.pms(world.units[0], event)

    with ThreadPoolExecutor(16) as pool:
        other = pool.submit(lifecycle)
        ids = list(pool.map(recorder.record, rows))
        other.result()

    assert any(outcomes)  # the one-statement path wrote some batches
    assert len(set(ids)) == len(rows)
    assert sorted((d.id, d.reason) for d in _decisions(rt)) == sorted(
        (i, f"request {n}") for n, i in enumerate(ids)
    )
    with rt.db.read() as s:
        logged = [
            json.loads(e.payload)["decision_id"]
            for e in s.exec(select(AuditEntry).where(AuditEntry.kind == "access_decision"))
        ]
        assert sorted(logged) == sorted(ids)
        assert verify_chain(s, rt.audit).ok
    head = _head(rt, world.facility_id)
    assert head is not None
    assert rt.audit.head_is_authentic(head.facility_id, head.seq, head.hash, head.mac)


def test_a_head_rewritten_without_the_key_is_not_signed_again(pg_runtime: Runtime) -> None:
    """A forger rewinds the head (dropping the last entry); the statement chains on from it
    but keeps the wrong code, so the truncation stays visible."""
    rt = pg_runtime
    world = _chained_world(rt)
    world.pms(world.units[1], LifecycleEvent.MOVE_IN)
    with rt.db.transaction() as s:
        conn = s.connection()
        conn.execute(text("DELETE FROM audit_entry WHERE seq = 2"))
        conn.execute(
            text(
                "UPDATE audit_head SET seq = 1, hash = (SELECT hash FROM audit_entry WHERE seq = 1)"
            )
        )
        conn.execute(text("DELETE FROM transition_record WHERE audit_seq = 2"))
    statement = ChainStatement(rt.db, rt.audit)
    assert statement.write([_row(rt, world.facility_id, world.gate_id, i) for i in range(3)])

    head = _head(rt, world.facility_id)
    assert head is not None and head.seq == 4
    assert not rt.audit.head_is_authentic(head.facility_id, head.seq, head.hash, head.mac)
    with rt.db.read() as s:
        report = verify_chain(s, rt.audit)
    assert [p.facility_id for p in report.problems] == [world.facility_id]
    assert "head's authentication code is wrong" in report.problems[0].problem
