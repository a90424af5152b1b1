"""The inbox: events stored once, applied once, stale ones skipped, poison ones quarantined."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from adapters.pms import PmsRecord, RecordPage, Rejected
from adapters.sync import pending_count, process_pending, receive, requeue
from engine.audit import verify_chain
from engine.domain import LifecycleEvent, Permission
from engine.persistence.tables import (
    AuctionGrant,
    PmsInboxEntry,
    PmsRejection,
    SyncConflict,
    TransitionRecord,
    Unit,
)
from engine.runtime import Runtime
from engine.sites import add_person, add_unit, create_company, create_facility


def _facility(rt: Runtime, units: int = 3) -> str:
    now = rt.clock.now()
    with rt.db.transaction() as s:
        company = create_company(s, "Acme", now)
        facility = create_facility(s, company.id, "Acme 1", now, pms_ref="F1")
        for i in range(units):
            add_unit(s, facility.id, f"U{i}", now, pms_ref=f"U{i}")
        return facility.id


def _rec(unit: str, seq: int, delinquency: str = "none", **extra: Any) -> PmsRecord:
    values: dict[str, Any] = {
        "unit_ref": unit,
        "seq": seq,
        "status": "occupied",
        "delinquency": delinquency,
        "tenant_ref": f"T-{unit}",
        "email": f"{unit.lower()}@t.example",
        "lease_start": date(2025, 12, 1),
    }
    values.update(extra)
    return PmsRecord.model_validate(values)


def _receive(rt: Runtime, fid: str, *records: PmsRecord, rejected: list[Rejected] | None = None):  # type: ignore[no-untyped-def]
    with rt.db.transaction() as s:
        return receive(s, fid, RecordPage(list(records), rejected or []), "poll", rt.clock.now())


def _statuses(rt: Runtime, fid: str) -> dict[tuple[str, int], tuple[str, int, str | None]]:
    with rt.db.read() as s:
        rows = s.exec(select(PmsInboxEntry).where(PmsInboxEntry.facility_id == fid)).all()
        return {(r.unit_ref, r.seq): (r.status, r.receipts, r.error) for r in rows}


def _unit(rt: Runtime, fid: str, ref: str) -> Unit:
    with rt.db.read() as s:
        return s.exec(select(Unit).where(Unit.facility_id == fid, Unit.pms_ref == ref)).one()


def test_a_repeated_event_is_stored_once_and_counted(runtime: Runtime) -> None:
    fid = _facility(runtime)
    first = _receive(runtime, fid, _rec("U0", 1), _rec("U0", 1), _rec("U1", 1))
    again = _receive(runtime, fid, _rec("U0", 1))
    assert (first.new, first.duplicates, again.new, again.duplicates) == (2, 1, 0, 1)
    assert _statuses(runtime, fid)[("U0", 1)] == ("pending", 3, None)
    with runtime.db.read() as s:
        assert pending_count(s, fid) == 2
    done = process_pending(runtime, fid)
    assert done.outcomes == {"applied": 2}
    _receive(runtime, fid, _rec("U0", 1))  # after it applied: still nothing new
    assert process_pending(runtime, fid).taken == 0
    with runtime.db.read() as s:
        moves = s.exec(select(TransitionRecord).where(TransitionRecord.event == "move_in")).all()
    assert len(moves) == 2


def test_an_older_event_after_a_newer_one_is_stale(runtime: Runtime) -> None:
    fid = _facility(runtime)
    _receive(runtime, fid, _rec("U0", 5, "gatelock"))
    process_pending(runtime, fid)
    _receive(runtime, fid, _rec("U0", 4, "none"))
    assert process_pending(runtime, fid).outcomes == {"stale": 1}
    assert _unit(runtime, fid, "U0").pms_status == "gatelock"


def test_events_of_one_batch_apply_in_sequence_order(runtime: Runtime) -> None:
    fid = _facility(runtime)
    _receive(runtime, fid, _rec("U0", 3, "overlock"), _rec("U0", 1), _rec("U0", 2, "gatelock"))
    assert process_pending(runtime, fid).outcomes == {"applied": 3}
    unit = _unit(runtime, fid, "U0")
    assert (unit.state, unit.last_pms_seq) == ("overlock", 3)


def test_poison_events_are_quarantined_and_the_rest_applies(runtime: Runtime) -> None:
    fid = _facility(runtime, units=2)
    _receive(runtime, fid, _rec("U0", 1), _rec("GHOST", 1), _rec("U1", 1), _rec("U1", 2))
    with runtime.db.transaction() as s:  # a stored payload that no longer reads as a record
        s.execute(
            update(PmsInboxEntry)
            .where(col(PmsInboxEntry.unit_ref) == "U1", col(PmsInboxEntry.seq) == 1)
            .values(payload='{"unit_ref": "U1", "seq": 1, "status": "rented"}')
        )
    done = process_pending(runtime, fid)
    assert done.outcomes == {"applied": 2, "quarantined": 2}
    statuses = _statuses(runtime, fid)
    assert statuses[("GHOST", 1)][0] == "quarantined"
    assert "no unit with PMS ref `GHOST`" in str(statuses[("GHOST", 1)][2])
    assert statuses[("U1", 1)][0] == "quarantined"
    assert "ValidationError" in str(statuses[("U1", 1)][2])
    assert statuses[("U1", 2)][0] == "applied"
    assert _unit(runtime, fid, "U1").state == "occupied"
    with runtime.db.read() as s:
        assert verify_chain(s, runtime.audit, fid).ok


def test_a_quarantined_event_can_be_retried_once_its_cause_is_fixed(runtime: Runtime) -> None:
    fid = _facility(runtime, units=1)
    _receive(runtime, fid, _rec("NEW", 1))
    process_pending(runtime, fid)
    with runtime.db.read() as s:
        entry = s.exec(select(PmsInboxEntry).where(PmsInboxEntry.unit_ref == "NEW")).one()
    assert entry.status == "quarantined"
    with runtime.db.transaction() as s:
        add_unit(s, fid, "NEW", runtime.clock.now(), pms_ref="NEW")
    with runtime.db.transaction() as s:
        assert entry.id is not None
        requeue(s, fid, entry.id)
    assert process_pending(runtime, fid).outcomes == {"applied": 1}
    assert _unit(runtime, fid, "NEW").state == "occupied"


def test_rejected_input_is_kept_with_its_reason(runtime: Runtime) -> None:
    fid = _facility(runtime)
    bad = Rejected("changes page 2 record 3", "`seq`: input should be a valid integer", "{}")
    got = _receive(runtime, fid, _rec("U0", 1), rejected=[bad])
    assert (got.new, got.rejected) == (1, 1)
    with runtime.db.read() as s:
        [row] = s.exec(select(PmsRejection).order_by(col(PmsRejection.id))).all()
    assert (row.where, row.error, row.source) == (bad.where, bad.error, "poll")


def _portal(rt: Runtime, unit_id: str, event: LifecycleEvent, **details: Any) -> None:
    svc = rt.lifecycle
    with rt.db.transaction() as s:
        request = svc.request(
            event, actor="person:manager", permissions=frozenset(Permission), **details
        )
        svc.apply(s, unit_id, request)


def test_lien_states_against_pms_records(runtime: Runtime) -> None:
    """DESIGN: pending auction returns to the PMS status on the next record; a payment on an
    auctioned unit is a conflict for a person (recorded, not applied); vacate releases all."""
    fid = _facility(runtime, units=2)
    clock = runtime.clock
    _receive(runtime, fid, _rec("U0", 1, "overlock"), _rec("U1", 1, "overlock"))
    process_pending(runtime, fid)
    u0, u1 = _unit(runtime, fid, "U0").id, _unit(runtime, fid, "U1").id
    _portal(runtime, u0, LifecycleEvent.MARK_PENDING_AUCTION, reason="lien")
    _receive(runtime, fid, _rec("U0", 2, "overlock"))
    assert process_pending(runtime, fid).outcomes == {"applied": 1}
    assert _unit(runtime, fid, "U0").state == "overlock"  # back to what the PMS says

    with runtime.db.transaction() as s:
        winner = add_person(s, "Winner", clock.now(), email="winner@bids.example")
    _portal(runtime, u1, LifecycleEvent.MARK_PENDING_AUCTION, reason="lien")
    _portal(
        runtime,
        u1,
        LifecycleEvent.RECORD_AUCTION_SALE,
        grantee=winner.id,
        window_start=clock.now(),
        window_end=clock.now() + timedelta(days=2),
    )
    _receive(runtime, fid, _rec("U1", 2, "none"))  # the PMS took a payment
    assert process_pending(runtime, fid).outcomes == {"conflict": 1}
    assert _unit(runtime, fid, "U1").state == "auction"
    with runtime.db.read() as s:
        [conflict] = s.exec(select(SyncConflict).where(SyncConflict.unit_id == u1)).all()
    assert conflict.pms_seq == 2
    _receive(runtime, fid, _rec("U1", 3, status="vacant"))
    assert process_pending(runtime, fid).outcomes == {"applied": 1}
    assert _unit(runtime, fid, "U1").state == "available"
    with runtime.db.read() as s:
        grants = s.exec(select(AuctionGrant).where(AuctionGrant.unit_id == u1)).all()
    assert grants
    assert all(g.revoked_at is not None for g in grants)
