"""Tampering with the stored audit log is caught, and the first bad entry is named."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from engine.audit import AuditLog, VerifyReport, entry_hash, verify_chain
from engine.clock import ManualClock
from engine.persistence.tables import AuditEntry
from engine.runtime import Runtime
from engine.sites import create_company, create_facility

FACILITY = "fac-1"
OTHER = "fac-2"


def append(rt: Runtime, log: AuditLog, facility: str, n: int) -> None:
    assert isinstance(rt.clock, ManualClock)
    for i in range(n):
        rt.clock.advance(timedelta(seconds=1))
        with rt.db.transaction() as s:
            log.append(
                s,
                facility_id=facility,
                at=rt.clock.now(),
                kind="transition",
                actor="person:maria",
                subject=f"unit-{i}",
                payload={"event": "move_in", "i": i},
            )


@pytest.fixture
def chained(runtime: Runtime) -> Runtime:
    """Six entries for one facility and three for another."""
    with runtime.db.transaction() as s:
        company = create_company(s, "Acme", runtime.clock.now())
        for fid in (FACILITY, OTHER):
            create_facility(s, company.id, fid, runtime.clock.now(), id=fid)
    append(runtime, runtime.audit, FACILITY, 6)
    append(runtime, runtime.audit, OTHER, 3)
    return runtime


def verify(rt: Runtime) -> VerifyReport:
    with rt.db.read() as s:
        return verify_chain(s, rt.audit)


def sql(rt: Runtime, statement: str, **params: object) -> None:
    with rt.db.transaction() as s:
        s.connection().execute(text(statement), params)


def only_problem(report: VerifyReport) -> tuple[str, int, str]:
    assert not report.ok
    assert len(report.problems) == 1, report.problems
    p = report.problems[0]
    return p.facility_id, p.seq, p.problem


def test_untouched_chains_verify(chained: Runtime) -> None:
    report = verify(chained)
    assert report.ok
    assert (report.entries, report.facilities) == (9, 2)


def test_edited_payload_is_named(chained: Runtime) -> None:
    sql(
        chained,
        "UPDATE audit_entry SET payload = :p WHERE facility_id = :f AND seq = 3",
        p='{"event":"vacate","i":2}',
        f=FACILITY,
    )
    fid, seq, problem = only_problem(verify(chained))
    assert (fid, seq) == (FACILITY, 3)
    assert "edited" in problem


def test_edited_actor_is_named(chained: Runtime) -> None:
    sql(
        chained,
        "UPDATE audit_entry SET actor = 'person:nobody' WHERE facility_id = :f AND seq = 5",
        f=FACILITY,
    )
    assert only_problem(verify(chained))[:2] == (FACILITY, 5)


def test_deleted_middle_entry_is_named(chained: Runtime) -> None:
    sql(chained, "DELETE FROM audit_entry WHERE facility_id = :f AND seq = 4", f=FACILITY)
    fid, seq, problem = only_problem(verify(chained))
    assert (fid, seq) == (FACILITY, 4)
    assert "missing" in problem


def test_deleted_last_entry_is_caught_by_the_head(chained: Runtime) -> None:
    sql(chained, "DELETE FROM audit_entry WHERE facility_id = :f AND seq = 6", f=FACILITY)
    fid, seq, problem = only_problem(verify(chained))
    assert (fid, seq) == (FACILITY, 6)
    assert "head" in problem


def test_reordered_entries_are_named(chained: Runtime) -> None:
    # Swap the positions of entries 2 and 3 (their content and hashes move with them).
    sql(chained, "UPDATE audit_entry SET seq = -2 WHERE facility_id = :f AND seq = 2", f=FACILITY)
    sql(chained, "UPDATE audit_entry SET seq = 2 WHERE facility_id = :f AND seq = 3", f=FACILITY)
    sql(chained, "UPDATE audit_entry SET seq = 3 WHERE facility_id = :f AND seq = -2", f=FACILITY)
    fid, seq, problem = only_problem(verify(chained))
    assert (fid, seq) == (FACILITY, 2)
    assert "reordered" in problem


def test_truncate_and_extend_without_the_key_is_caught(chained: Runtime) -> None:
    # The forger deletes the tail, resets the head and writes a plausible new tail,
    # recomputing every hash, but signs with a key that is not the service's.
    sql(chained, "DELETE FROM audit_entry WHERE facility_id = :f AND seq > 3", f=FACILITY)
    sql(
        chained,
        "UPDATE audit_head SET seq = 3, hash = "
        "(SELECT hash FROM audit_entry WHERE facility_id = :f AND seq = 3) WHERE facility_id = :f",
        f=FACILITY,
    )
    forger = AuditLog(b"guessed-key")
    append(chained, forger, FACILITY, 2)
    fid, seq, problem = only_problem(verify(chained))
    assert (fid, seq) == (FACILITY, 4)
    assert "key" in problem


def test_truncate_and_extend_through_the_service_leaves_a_gap(chained: Runtime) -> None:
    # Without rewriting the head, new entries continue after the deleted ones.
    sql(chained, "DELETE FROM audit_entry WHERE facility_id = :f AND seq > 3", f=FACILITY)
    append(chained, chained.audit, FACILITY, 2)
    fid, seq, problem = only_problem(verify(chained))
    assert (fid, seq) == (FACILITY, 4)
    assert "missing" in problem


def test_rehashed_edit_without_the_key_is_caught(chained: Runtime) -> None:
    # Edit entry 6 (the last) and recompute its hash and the head honestly: only the MAC betrays it.
    with chained.db.read() as s:
        entry = s.exec(
            select(AuditEntry).where(AuditEntry.facility_id == FACILITY, AuditEntry.seq == 6)
        ).one()
        forged = entry_hash(
            entry.prev_hash, FACILITY, 6, entry.at, entry.kind, entry.actor, entry.subject, "{}"
        )
    sql(
        chained,
        "UPDATE audit_entry SET payload = '{}', hash = :h WHERE id = :i",
        h=forged,
        i=entry.id,
    )
    sql(chained, "UPDATE audit_head SET hash = :h WHERE facility_id = :f", h=forged, f=FACILITY)
    fid, seq, problem = only_problem(verify(chained))
    assert (fid, seq) == (FACILITY, 6)
    assert "key" in problem


def test_a_broken_chain_does_not_hide_another(chained: Runtime) -> None:
    sql(chained, "DELETE FROM audit_entry WHERE facility_id = :f AND seq = 2", f=FACILITY)
    sql(chained, "UPDATE audit_entry SET kind = 'x' WHERE facility_id = :f AND seq = 1", f=OTHER)
    report = verify(chained)
    assert sorted((p.facility_id, p.seq) for p in report.problems) == [(FACILITY, 2), (OTHER, 1)]


def test_verify_one_facility(chained: Runtime) -> None:
    sql(chained, "DELETE FROM audit_entry WHERE facility_id = :f AND seq = 2", f=FACILITY)
    with chained.db.read() as s:
        assert verify_chain(s, chained.audit, OTHER).ok
        assert not verify_chain(s, chained.audit, FACILITY).ok
