"""Seed 003's rules for code grants, one scenario each, against the simulated lock service
with the real store and policy (SQLite and PostgreSQL): reservations with buffers,
load-ahead, window changes, cancellation, clean-out windows from the auction grant, and the
audit of every change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from engine.audit import verify_chain
from engine.clock import ManualClock
from engine.codes import (
    CODE_EVENT_KINDS,
    GrantChange,
    GrantTiming,
    ReconcileConfig,
    cancel_grant,
    change_grant,
)
from engine.domain import LifecycleEvent
from engine.persistence.tables import AuditEntry, CodeGrant, KeypadCode
from engine.runtime import Runtime
from engine.sites import add_person
from tests.support.keypad import GATE, KeypadWorld, keypad_world

H, M = timedelta(hours=1), timedelta(minutes=1)


@pytest.fixture
def kw(runtime: Runtime) -> KeypadWorld:
    kw = keypad_world(runtime, gate_model="nuki_keypad", unit_model="schlage_encode")
    kw.reconcile()  # the lock service's devices matched to their doors
    return kw


def _ours(kw: KeypadWorld, device: str, person: str):  # type: ignore[no-untyped-def]
    with kw.rt.db.read() as s:
        row = s.exec(
            select(KeypadCode).where(KeypadCode.device_id == device, KeypadCode.person_id == person)
        ).first()
    found = [
        c for c in kw.codes(device) if row is not None and c.access_code_id == row.access_code_id
    ]
    return found[0] if found else None


def _opens(kw: KeypadWorld, device: str, person: str) -> bool:
    code = _ours(kw, device, person)
    return code is not None and kw.sim.enter(device, code.code)[0]


def test_reservation_code_active_only_inside_window_plus_buffers(
    kw: KeypadWorld, clock: ManualClock
) -> None:
    start = clock.now() + 48 * H
    g = kw.grant("reservation", 48 * H, 24 * H, before=60, after=30)
    kw.reconcile()
    code = _ours(kw, GATE, g.person_id)
    assert code is not None, "a reservation 2 days ahead is loaded (3 days ahead by default)"
    assert (code.starts_at, code.ends_at) == (start - 60 * M, start + 24 * H + 30 * M)
    assert code.name == "Vic Visitor"
    steps = [(-61 * M, False), (-59 * M, True), (24 * H + 29 * M, True), (24 * H + 31 * M, False)]
    for offset, opens in steps:
        clock.set(start + offset)
        kw.reconcile()
        assert _opens(kw, GATE, g.person_id) is opens, offset
    clock.set(start + 48 * H + 29 * M)  # 24 h after the end plus buffer, nearly
    kw.reconcile()
    assert _ours(kw, GATE, g.person_id) is not None
    clock.set(start + 48 * H + 31 * M)
    kw.reconcile()
    assert _ours(kw, GATE, g.person_id) is None, "deleted 24 h after the end plus buffer"


def test_cancellation_deletes_code_24h_later(kw: KeypadWorld, clock: ManualClock) -> None:
    g = kw.grant("temporary", -H, 8 * H)
    kw.reconcile()
    assert _opens(kw, GATE, g.person_id)
    with kw.rt.db.transaction() as s:
        row = s.get(CodeGrant, g.id)
        assert row is not None
        cancel_grant(s, kw.rt.audit, row, kw.world.manager, clock.now())
    cancelled = clock.now()
    kw.reconcile()
    code = _ours(kw, GATE, g.person_id)
    assert code is not None and code.ends_at == cancelled, "stays on the lock, closed"
    assert not _opens(kw, GATE, g.person_id)
    clock.set(cancelled + 23 * H + 59 * M)
    kw.reconcile()
    assert _ours(kw, GATE, g.person_id) is not None
    clock.set(cancelled + 24 * H)
    kw.reconcile()
    assert _ours(kw, GATE, g.person_id) is None and kw.managed(GATE) == {}


def test_a_grant_cancelled_before_its_code_was_due_never_reaches_a_lock(
    kw: KeypadWorld, clock: ManualClock
) -> None:
    g = kw.grant("vendor", 10 * 24 * H, 2 * H)
    with kw.rt.db.transaction() as s:
        row = s.get(CodeGrant, g.id)
        assert row is not None
        cancel_grant(s, kw.rt.audit, row, kw.world.manager, clock.now())
    clock.advance(10 * 24 * H)
    kw.reconcile()
    assert kw.managed(GATE) == {}


def test_codes_loaded_ahead_of_start(runtime: Runtime, clock: ManualClock) -> None:
    timing = GrantTiming(load_ahead=10 * M)
    kw = keypad_world(runtime, config=ReconcileConfig(seed=7, timing=timing))
    kw.reconcile()
    g = kw.grant("temporary", H, 2 * H)
    kw.reconcile()
    assert kw.managed(GATE) == {}, "not on the lock an hour ahead"
    clock.advance(49 * M)
    kw.reconcile()
    assert kw.managed(GATE) == {}
    clock.advance(2 * M)  # 9 minutes before the start
    kw.reconcile()
    assert g.person_id in kw.managed(GATE)
    assert not _opens(kw, GATE, g.person_id), "loaded, but not open before its start"
    clock.advance(10 * M)
    assert _opens(kw, GATE, g.person_id)


def test_window_change_updates_code(kw: KeypadWorld, clock: ManualClock) -> None:
    g = kw.grant("vendor", H, 2 * H)
    kw.reconcile()
    number = kw.managed(GATE)[g.person_id]
    unit_door = kw.unit_door(0)  # an available unit: the manager may open it
    later = clock.now() + 5 * H
    with kw.rt.db.transaction() as s:
        row = s.get(CodeGrant, g.id)
        assert row is not None
        change = GrantChange(door_ids=(kw.world.gate_id, unit_door), ends_at=later)
        change_grant(s, kw.rt.audit, row, change, kw.world.manager, clock.now())
    kw.reconcile()
    code = _ours(kw, GATE, g.person_id)
    assert code is not None and code.ends_at == later and code.code == number
    assert kw.managed("kp-u0") == {g.person_id: number}, "the same number on the new door"
    with kw.rt.db.transaction() as s:
        row = s.get(CodeGrant, g.id)
        assert row is not None
        change_grant(s, kw.rt.audit, row, GrantChange(door_ids=(unit_door,)), "x", clock.now())
    kw.reconcile()
    assert g.person_id not in kw.managed(GATE) and g.person_id in kw.managed("kp-u0")


def test_a_grant_never_opens_more_than_its_giver_may(kw: KeypadWorld) -> None:
    kw.move_in(0, "a")  # an occupied unit: employees never open it (DESIGN invariant 6)
    g = kw.grant("temporary", -H, 4 * H, doors=(kw.world.gate_id, kw.unit_door(0)))
    kw.reconcile()
    assert g.person_id in kw.managed(GATE)
    assert g.person_id not in kw.managed("kp-u0")


def test_a_clean_out_window_gives_the_winner_a_code_from_the_auction_grant(
    kw: KeypadWorld, clock: ManualClock
) -> None:
    now = clock.now()
    with kw.rt.db.transaction() as s:
        winner = add_person(s, "Wynn Auction", now, email="wynn@w.example").id
    kw.move_in(1, "a")
    kw.pms(1, LifecycleEvent.DELINQUENT_OVER)
    kw.world.portal(kw.world.units[1], LifecycleEvent.MARK_PENDING_AUCTION, reason="lien sale")
    kw.world.portal(
        kw.world.units[1],
        LifecycleEvent.RECORD_AUCTION_SALE,
        grantee=winner,
        window_start=now + H,
        window_end=now + 5 * H,
    )
    kw.reconcile()
    code = _ours(kw, "kp-u1", winner)
    assert code is not None and (code.starts_at, code.ends_at) == (now + H, now + 5 * H)
    assert winner in kw.managed(GATE), "and on the entry point on the way"
    clock.advance(2 * H)
    assert _opens(kw, "kp-u1", winner)


def test_every_code_change_is_in_the_audit_log(kw: KeypadWorld, clock: ManualClock) -> None:
    a = kw.move_in(0, "a")
    g = kw.grant("temporary", -H, 4 * H)
    kw.reconcile()
    kw.pms(0, LifecycleEvent.DELINQUENT_GATE)
    kw.reconcile()
    kw.pms(0, LifecycleEvent.CURRENT)
    kw.reconcile()
    [ours] = [c for c in kw.codes(GATE) if c.access_code_id and c.code == kw.managed(GATE)[a]]
    kw.sim.external_update(ours.access_code_id, "975318", None)
    kw.sim.faults.reject_next[GATE] = 1
    kw.reconcile()
    clock.advance(30 * H)
    kw.reconcile()
    with kw.rt.db.read() as s:
        entries = s.exec(select(AuditEntry).where(col(AuditEntry.kind).in_(CODE_EVENT_KINDS))).all()
    kinds = {e.kind for e in entries}
    assert {
        "keypad_code_created",
        "keypad_code_set",
        "keypad_code_suspended",
        "keypad_code_restored",
        "keypad_code_outside_edit",
        "keypad_code_failed",
        "keypad_code_removed",
    } <= kinds, kinds
    assert all("975318" not in e.payload and e.actor.startswith("system:") for e in entries)
    subjects = {e.subject for e in entries if e.kind == "keypad_code_removed"}
    with kw.rt.db.read() as s:
        row = s.exec(select(KeypadCode).where(KeypadCode.person_id == g.person_id)).one()
    assert f"keypad_code:{row.id}" in subjects
    with kw.rt.db.read() as s:
        assert verify_chain(s, kw.rt.audit).ok
