"""Rows the feeds read (decisions, transitions) are bound to their entries: verify compares."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update

from engine.access import DecisionRow
from engine.audit import PendingEntry, VerifyReport, verify_chain
from engine.domain import LifecycleEvent
from engine.persistence import table_of
from engine.persistence.tables import AccessDecisionRecord, TransitionRecord
from engine.runtime import Runtime
from tests.support.world import World, build_world

_decisions = table_of(AccessDecisionRecord)
_transitions = table_of(TransitionRecord)


def decision(world: World, person: str, allowed: bool, note: str | None = None) -> DecisionRow:
    rt = world.rt
    return DecisionRow(
        facility_id=world.facility_id,
        door_id=world.gate_id,
        unit_id=world.units[0],
        person_id=person,
        principal_kind="tenant",
        channel="phone_relay",
        allowed=allowed,
        deciding_rule="tenant-opens-gate" if allowed else None,
        reason="open" if allowed else "outside access hours",
        policy_version="v1",
        note=note,
        at=rt.clock.now(),
        actor=f"person:{person}",
        audit={"via": "rental", "request": {"principal": "tenant", "channel": "phone_relay"}},
    )


@pytest.fixture
def world(runtime: Runtime) -> World:
    """A facility with two move-ins (transitions) and three decisions at its gate."""
    world = build_world(runtime)
    world.pms(world.units[0], LifecycleEvent.MOVE_IN)
    world.pms(world.units[1], LifecycleEvent.MOVE_IN, "b")
    recorder = runtime.access.recorder
    for allowed, note in ((True, None), (False, None), (True, "let in by the manager")):
        runtime.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
        recorder.record(decision(world, world.manager_id, allowed, note))
    return world


def verify(world: World) -> VerifyReport:
    with world.rt.db.read() as s:
        return verify_chain(s, world.rt.audit)


def change(world: World, statement: Any) -> None:
    with world.rt.db.transaction() as s:
        s.connection().execute(statement)


def only_problem(report: VerifyReport) -> tuple[str | None, int, str]:
    assert len(report.problems) == 1, report.problems
    p = report.problems[0]
    return p.facility_id, p.seq, p.problem


def first_decision(world: World) -> Any:
    with world.rt.db.read() as s:
        rows = s.connection().execute(select(_decisions).order_by(_decisions.c.audit_seq))
        return rows.first()


def test_untouched_rows_verify(world: World) -> None:
    report = verify(world)
    assert report.ok, report.problems
    assert report.entries == 5
    with world.rt.db.read() as s:
        seqs = s.connection().execute(select(_decisions.c.audit_seq)).scalars().all()
        assert sorted(seqs) == [3, 4, 5]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("allowed", False),  # the tenant's feed would say "was refused at"
        ("reason", "tenant opened"),
        ("note", "routine check"),
        ("channel", "keypad"),
        ("principal_kind", "employee"),
        ("policy_version", "v0"),
    ],
)
def test_a_decision_row_that_differs_from_its_entry_is_named(
    world: World, column: str, value: object
) -> None:
    row = first_decision(world)
    change(world, update(_decisions).where(_decisions.c.id == row.id).values({column: value}))
    fid, seq, problem = only_problem(verify(world))
    assert (fid, seq) == (world.facility_id, row.audit_seq)
    assert f"access_decision row {row.id} differs from it: `{column}`" in problem


def test_a_decision_row_given_to_another_person_is_named(world: World) -> None:
    tenant = build_world(world.rt, name="Other").manager_id  # a person who exists
    row = first_decision(world)
    change(world, update(_decisions).where(_decisions.c.id == row.id).values(person_id=tenant))
    assert "`person_id`" in only_problem(verify(world))[2]


def test_a_decision_row_moved_in_time_is_named(world: World) -> None:
    row = first_decision(world)
    later = row.at + timedelta(hours=3)
    change(world, update(_decisions).where(_decisions.c.id == row.id).values(at=later))
    assert "`at`" in only_problem(verify(world))[2]


def test_a_deleted_decision_row_is_named(world: World) -> None:
    row = first_decision(world)
    change(world, delete(_decisions).where(_decisions.c.id == row.id))
    fid, seq, problem = only_problem(verify(world))
    assert (fid, seq) == (world.facility_id, row.audit_seq)
    assert problem == "its access_decision row is missing"


def test_a_decision_row_without_an_entry_is_named(world: World) -> None:
    forged = {**decision(world, world.manager_id, True).columns(99), "id": 9999}
    change(world, insert(_decisions).values(forged))
    fid, _, problem = only_problem(verify(world))
    assert fid == world.facility_id
    assert "access_decision row 9999 has no entry" in problem


def test_a_decision_row_claiming_another_entry_is_named(world: World) -> None:
    row = first_decision(world)  # #3; #1 is a transition
    change(world, update(_decisions).where(_decisions.c.id == row.id).values(audit_seq=1))
    fid, seq, problem = only_problem(verify(world))
    assert (fid, seq) == (world.facility_id, 1)
    assert f"access_decision row {row.id} claims it, but it records a `transition`" in problem


def test_a_decision_row_moved_to_a_facility_without_a_chain_is_named(world: World) -> None:
    other = build_world(world.rt, name="Other")
    row = first_decision(world)
    change(
        world,
        update(_decisions)
        .where(_decisions.c.id == row.id)
        .values(facility_id=other.facility_id, door_id=other.gate_id),
    )
    problems = {(p.facility_id, p.problem) for p in verify(world).problems}
    assert (world.facility_id, "its access_decision row is missing") in problems
    assert (
        other.facility_id,
        f"access_decision row {row.id} has no entry: the facility has no chain",
    ) in problems


def test_an_edited_transition_row_is_named(world: World) -> None:
    with world.rt.db.read() as s:
        row = s.connection().execute(select(_transitions).order_by(_transitions.c.id)).first()
    assert row is not None
    change(
        world,
        update(_transitions).where(_transitions.c.id == row.id).values(to_state="available"),
    )
    fid, seq, problem = only_problem(verify(world))
    assert (fid, seq) == (world.facility_id, row.audit_seq)
    assert (
        f'transition_record row {row.id} differs from it: `to_state` is `"available"` '
        'in the row, `"occupied"` in the entry'
    ) in problem


def test_a_deleted_transition_row_is_named(world: World) -> None:
    change(world, delete(_transitions).where(_transitions.c.audit_seq == 2))
    fid, seq, problem = only_problem(verify(world))
    assert (fid, seq) == (world.facility_id, 2)
    assert problem == "its transition_record row is missing"


def test_a_decision_entry_written_before_rows_were_bound_binds_its_row(runtime: Runtime) -> None:
    """Entries before rows were bound name the person as the actor, the principal and the
    channel in the request, and hold the full reason and note."""
    world = build_world(runtime)
    row = decision(world, world.manager_id, True, note="n" * 400)
    with runtime.db.transaction() as s:
        tip = runtime.audit.tip(s, world.facility_id)
        record = s.connection().execute(
            insert(_decisions).values({**row.columns(tip.seq + 1), "note": "n" * 300})
        )
        record_id = record.inserted_primary_key[0]
        payload = {
            "decision_id": record_id,
            "door_id": row.door_id,
            "unit_id": row.unit_id,
            "allowed": True,
            "rule": row.deciding_rule,
            "reason": row.reason,
            "policy_version": row.policy_version,
            "via": "rental",
            "request": {"principal": "tenant", "channel": "phone_relay"},
            "note": "n" * 400,
        }
        entry = PendingEntry(row.at, "access_decision", row.actor, world.units[0], payload)
        runtime.audit.extend(s, tip, [entry])
    assert verify(world).ok
    change(world, update(_decisions).values(channel="keypad"))
    assert "`channel`" in only_problem(verify(world))[2]
