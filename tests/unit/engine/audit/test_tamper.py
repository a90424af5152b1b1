"""Tampering with the stored audit log is caught, and the first bad entry is named."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from engine.audit import (
    AuditLog,
    Checkpoint,
    VerifyReport,
    checkpoint_from_document,
    entry_hash,
    take_checkpoint,
    verify_chain,
)
from engine.audit._registry import registry_mac
from engine.clock import ManualClock
from engine.errors import InvalidInputError, RefusedError
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
                kind="note",  # a kind no row records: these tests are about the chain
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


def only_problem(report: VerifyReport) -> tuple[str | None, int, str]:
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


# --- issue 20: heads, the registry of chains, checkpoints -----------------------------------


def head_row(rt: Runtime, facility: str) -> dict[str, object]:
    with rt.db.read() as s:
        row = s.connection().execute(
            text("SELECT seq, hash, mac FROM audit_head WHERE facility_id = :f"), {"f": facility}
        )
        return dict(row.one()._mapping)


def rewind_head(rt: Runtime, facility: str, seq: int) -> None:
    """Delete the entries after `seq` and point the head at entry `seq`, as a forger can."""
    sql(rt, "DELETE FROM audit_entry WHERE facility_id = :f AND seq > :s", f=facility, s=seq)
    sql(
        rt,
        "UPDATE audit_head SET seq = :s, hash = "
        "(SELECT hash FROM audit_entry WHERE facility_id = :f AND seq = :s) WHERE facility_id = :f",
        f=facility,
        s=seq,
    )


def delete_chain(rt: Runtime, facility: str, *, registry_row: bool = False) -> None:
    sql(rt, "DELETE FROM audit_entry WHERE facility_id = :f", f=facility)
    sql(rt, "DELETE FROM audit_head WHERE facility_id = :f", f=facility)
    if registry_row:
        sql(rt, "DELETE FROM audit_chain WHERE facility_id = :f", f=facility)


def checkpoint(rt: Runtime) -> Checkpoint:
    with rt.db.read() as s:
        return take_checkpoint(s, rt.audit, rt.clock.now())


def verify_against(rt: Runtime, cp: Checkpoint) -> VerifyReport:
    with rt.db.read() as s:
        return verify_chain(s, rt.audit, against=cp)


def test_truncation_with_the_head_rewritten_to_the_new_last_entry_is_caught(
    chained: Runtime,
) -> None:
    rewind_head(chained, FACILITY, 4)
    fid, seq, problem = only_problem(verify(chained))
    assert (fid, seq) == (FACILITY, 4)
    assert "head" in problem and "without the audit key" in problem


def test_appending_after_a_rewritten_head_does_not_launder_it(chained: Runtime) -> None:
    rewind_head(chained, FACILITY, 4)
    append(chained, chained.audit, FACILITY, 2)  # the service carries on after the forgery
    fid, _, problem = only_problem(verify(chained))
    assert fid == FACILITY
    assert "head's authentication code is wrong" in problem


def test_a_head_code_copied_from_an_entry_is_refused(chained: Runtime) -> None:
    # Domain separation: an entry's code, valid under the key, does not authenticate a head.
    rewind_head(chained, FACILITY, 4)
    sql(
        chained,
        "UPDATE audit_head SET mac = (SELECT mac FROM audit_entry WHERE facility_id = :f "
        "AND seq = 4) WHERE facility_id = :f",
        f=FACILITY,
    )
    assert "head" in only_problem(verify(chained))[2]


def test_a_head_without_its_code_is_refused(chained: Runtime) -> None:
    sql(chained, "UPDATE audit_head SET mac = NULL WHERE facility_id = :f", f=FACILITY)
    fid, _, problem = only_problem(verify(chained))
    assert fid == FACILITY
    assert "no authentication code" in problem


def test_a_chain_deleted_with_its_head_is_caught(chained: Runtime) -> None:
    delete_chain(chained, FACILITY)
    fid, _, problem = only_problem(verify(chained))
    assert fid == FACILITY
    assert "has no head: it was deleted" in problem


@pytest.mark.parametrize("victim", [FACILITY, OTHER])  # the first registered, and the last
def test_a_chain_deleted_with_its_head_and_registry_row_is_caught(
    chained: Runtime, victim: str
) -> None:
    delete_chain(chained, victim, registry_row=True)
    report = verify(chained)
    assert not report.ok
    assert [p.facility_id for p in report.problems] == [None]  # the registry: no name left
    assert "deleted with" in report.problems[0].problem


def test_lowering_the_registry_count_needs_the_key(chained: Runtime) -> None:
    delete_chain(chained, OTHER, registry_row=True)
    sql(chained, "UPDATE audit_registry SET chains = 1")
    fid, _, problem = only_problem(verify(chained))
    assert fid is None
    assert "authentication code is wrong" in problem


def test_a_registry_row_removed_alone_is_caught(chained: Runtime) -> None:
    sql(chained, "DELETE FROM audit_chain WHERE facility_id = :f", f=OTHER)
    problems = {(p.facility_id, p.problem) for p in verify(chained).problems}
    assert (OTHER, "the chain is not in the registry: its registry row was removed") in problems
    assert any(fid is None for fid, _ in problems)  # and the registry's count disagrees


def test_a_chain_deleted_and_started_again_is_caught(chained: Runtime) -> None:
    delete_chain(chained, FACILITY)
    append(chained, chained.audit, FACILITY, 2)  # the service writes a fresh chain
    fid, seq, problem = only_problem(verify(chained))
    assert (fid, seq) == (FACILITY, 1)
    assert "deleted and started again" in problem


def test_a_checkpoint_holds_every_chain_and_verifies(chained: Runtime) -> None:
    cp = checkpoint(chained)
    assert cp.registered == 2
    assert [(c.facility_id, c.seq) for c in cp.chains] == [(FACILITY, 6), (OTHER, 3)]
    append(chained, chained.audit, FACILITY, 2)  # the log grows after the checkpoint
    assert verify_against(chained, cp).ok


def test_a_rollback_to_an_earlier_valid_state_is_caught_only_with_a_checkpoint(
    runtime: Runtime,
) -> None:
    with runtime.db.transaction() as s:
        company = create_company(s, "Acme", runtime.clock.now())
        create_facility(s, company.id, FACILITY, runtime.clock.now(), id=FACILITY)
    append(runtime, runtime.audit, FACILITY, 4)
    backup = head_row(runtime, FACILITY)  # e.g. a backup of the database taken now
    append(runtime, runtime.audit, FACILITY, 2)
    cp = checkpoint(runtime)
    # Restore the head and entries of the backup: every hash and code still verifies.
    sql(runtime, "DELETE FROM audit_entry WHERE facility_id = :f AND seq > 4", f=FACILITY)
    sql(
        runtime,
        "UPDATE audit_head SET seq = :seq, hash = :hash, mac = :mac WHERE facility_id = :f",
        f=FACILITY,
        **backup,
    )
    assert verify(runtime).ok
    fid, seq, problem = only_problem(verify_against(runtime, cp))
    assert (fid, seq) == (FACILITY, 5)
    assert "recorded #6" in problem


def test_a_checkpoint_catches_a_chain_deleted_with_every_trace(chained: Runtime) -> None:
    cp = checkpoint(chained)
    # The newest chain goes with its head and registry row, and the registry's head is put
    # back as it was before that chain existed (from a backup): nothing in the database
    # tells any more.
    delete_chain(chained, OTHER, registry_row=True)
    sql(chained, "UPDATE audit_registry SET chains = 1, mac = :m", m=registry_mac(chained.audit, 1))
    assert verify(chained).ok
    problems = [(p.facility_id, p.problem) for p in verify_against(chained, cp).problems]
    assert (None, f"it counts 1 chains, the checkpoint of {cp.at.isoformat()} counted 2: "
            "chains were deleted since") in problems  # fmt: skip
    assert any(fid == OTHER and "it is gone" in problem for fid, problem in problems)


def test_a_chain_rolled_back_and_grown_again_is_caught_by_the_checkpoint(
    chained: Runtime,
) -> None:
    cp = checkpoint(chained)
    # Back to #4, the head as a backup of that time holds it; then the service writes on.
    sql(chained, "DELETE FROM audit_entry WHERE facility_id = :f AND seq > 4", f=FACILITY)
    with chained.db.read() as s:
        fourth = s.exec(
            select(AuditEntry).where(AuditEntry.facility_id == FACILITY, AuditEntry.seq == 4)
        ).one()
    sql(
        chained,
        "UPDATE audit_head SET seq = 4, hash = :h, mac = :m WHERE facility_id = :f",
        h=fourth.hash,
        m=chained.audit.head_mac(FACILITY, 4, fourth.hash),
        f=FACILITY,
    )
    append(chained, chained.audit, FACILITY, 3)  # #5, #6, #7: not the #6 recorded
    assert verify(chained).ok
    fid, seq, problem = only_problem(verify_against(chained, cp))
    assert (fid, seq) == (FACILITY, 6)
    assert "rewritten" in problem


def test_a_forged_checkpoint_is_refused(chained: Runtime) -> None:
    doc = checkpoint(chained).document()
    checkpoint_from_document(chained.audit, doc)  # the genuine one is accepted
    lowered = {**doc, "chains": [{**doc["chains"][0], "seq": 4}, doc["chains"][1]]}
    with pytest.raises(InvalidInputError, match="authentication code is wrong"):
        checkpoint_from_document(chained.audit, lowered)
    with pytest.raises(InvalidInputError, match="authentication code is wrong"):
        checkpoint_from_document(AuditLog(b"another-deployment"), doc)
    with pytest.raises(InvalidInputError, match="authentication code is wrong"):
        checkpoint_from_document(chained.audit, {**doc, "registered": 1})


def test_a_checkpoint_refuses_to_vouch_for_a_rewritten_head(chained: Runtime) -> None:
    rewind_head(chained, FACILITY, 4)
    with pytest.raises(RefusedError, match="does not verify"):
        checkpoint(chained)


def test_verifying_while_the_service_appends_reports_nothing(chained: Runtime) -> None:
    """Verification reads one moment of the log (`Database.snapshot`): entries, heads and
    rows appended meanwhile are not mistaken for entries added outside the log."""
    done = threading.Event()
    appended = [0]

    def writer() -> None:
        while not done.is_set():
            append(chained, chained.audit, FACILITY, 1)
            appended[0] += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        reports = []
        # At least six verifications, and on until the writer has appended since the first
        # one (a slow writer, e.g. SQLite under load, may not get a turn in six); bounded.
        deadline = time.monotonic() + 30
        before_first = appended[0]
        while len(reports) < 6 or (appended[0] < before_first + 2 and time.monotonic() < deadline):
            with chained.db.snapshot() as s:
                reports.append(verify_chain(s, chained.audit, batch=2))
        with chained.db.snapshot() as s:  # begun after an append that began after the first
            reports.append(verify_chain(s, chained.audit, batch=2))
    finally:
        done.set()
        thread.join()
    assert [r.problems for r in reports if not r.ok] == []
    assert reports[-1].entries > reports[0].entries  # the log grew while it was verified


def test_verifying_one_facility_tells_a_broken_registry_without_counts(chained: Runtime) -> None:
    delete_chain(chained, OTHER, registry_row=True)
    with chained.db.read() as s:
        report = verify_chain(s, chained.audit, FACILITY)
    assert [str(p) for p in report.problems] == [
        "chain registry: it does not verify: a chain was deleted with its registry row, or the "
        "registry changed without the audit key"
    ]
