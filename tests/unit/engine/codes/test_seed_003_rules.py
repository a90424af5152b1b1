"""Seed 003's rules, one scenario each, against the simulated lock service with the real
store and policy: the reconciler as the running service drives it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from engine.clock import ManualClock
from engine.codes import ReconcileConfig, check_code, model_named
from engine.domain import LifecycleEvent
from engine.persistence.tables import Door, KeypadCode, KeypadLock
from engine.runtime import Runtime
from tests.support.keypad import GATE, KeypadWorld, keypad_world


@pytest.fixture
def kw(sqlite_runtime: Runtime) -> KeypadWorld:
    return keypad_world(sqlite_runtime, gate_model="nuki_keypad", unit_model="schlage_encode")


def _row(kw: KeypadWorld, device: str, person: str) -> KeypadCode:
    with kw.rt.db.read() as s:
        return s.exec(
            select(KeypadCode).where(KeypadCode.device_id == device, KeypadCode.person_id == person)
        ).one()


def test_one_person_has_the_same_code_on_every_lock(kw: KeypadWorld) -> None:
    a = kw.move_in(0, "a")
    kw.reconcile()
    number = kw.managed(GATE)[a]
    assert kw.managed("kp-u0") == {a: number}
    for device in (GATE, "kp-u0"):
        assert not check_code(number, model_named(kw.sim.model_of(device).name))


def test_the_code_is_the_phone_digits_unless_they_break_a_rule_or_collide(
    sqlite_runtime: Runtime,
) -> None:
    kw = keypad_world(
        sqlite_runtime, gate_model="nuki_keypad", config=ReconcileConfig(seed=3, from_phone=True)
    )
    kw.sim.external_create(GATE, "384756", "front desk")  # b's digits, set by hand
    a = kw.move_in(0, "a", mobile="+1 555 739 418")
    b = kw.move_in(1, "b", mobile="+1 555 384 756")
    c = kw.move_in(2, "c", mobile="+1 555 123 405")  # a zero: Nuki refuses it
    kw.reconcile()
    got = kw.managed(GATE)
    assert got[a] == "739418"
    assert got[b] != "384756" and got[c] != "123405"
    assert {"384756"} == {x.code for x in kw.codes(GATE) if not x.is_managed}


def test_a_number_already_on_the_lock_gets_another_number_on_every_lock(kw: KeypadWorld) -> None:
    a = kw.move_in(0, "a")
    kw.reconcile()
    number = kw.managed(GATE)[a]
    # Before unitgate's code reaches the unit lock, someone sets that number there by hand.
    with kw.rt.db.transaction() as s:
        row = s.exec(select(KeypadCode).where(KeypadCode.device_id == "kp-u0")).one()
        s.delete(row)
    for code in kw.codes("kp-u0"):
        kw.sim.external_delete(code.access_code_id)
    kw.sim.external_create("kp-u0", number, "by hand")
    kw.reconcile()
    new = kw.managed(GATE)[a]
    assert new != number and kw.managed("kp-u0") == {a: new}
    assert [c.code for c in kw.codes("kp-u0") if not c.is_managed] == [number]


def test_a_rejected_code_is_retried_4_more_times_that_day_then_daily(
    kw: KeypadWorld, clock: ManualClock
) -> None:
    a = kw.move_in(0, "a")
    kw.sim.faults.reject_next[GATE] = 1_000
    attempts = []
    for _ in range(8):  # hourly looks from 12:00 to 19:00 (UTC facility)
        before = kw.sim.faults.reject_next[GATE]
        kw.reconcile()
        attempts.append(before - kw.sim.faults.reject_next[GATE])
        clock.advance(timedelta(hours=1))
    assert attempts == [1, 1, 1, 1, 1, 0, 0, 0]  # the first and 4 more, that day
    row = _row(kw, GATE, a)
    assert row.failures == 5 and row.name == row.reference  # rejected: the reference names it
    clock.set(row.next_attempt_at or clock.now())
    kw.reconcile()
    assert kw.sim.faults.reject_next[GATE] == 1_000 - 6  # the next day, once
    kw.sim.faults.reject_next[GATE] = 0
    clock.advance(timedelta(hours=23))
    kw.reconcile()
    assert a not in kw.managed(GATE)  # not yet a day since the last attempt
    clock.advance(timedelta(hours=1))
    kw.reconcile()
    assert a in kw.managed(GATE)


@pytest.mark.parametrize(
    ("name", "why", "on_unit"),
    [
        (
            "Bartholomew Featherstonehaugh",
            "too long for Nuki (20)",
            "Bartholomew Featherstonehaugh",
        ),
        ("Ann (storage)", "not GSM", "R-a"),
        ("Desk", "duplicate on the gate only", "Desk"),
    ],
)
def test_a_bad_name_is_replaced_by_the_reservation_code(
    kw: KeypadWorld, name: str, why: str, on_unit: str
) -> None:
    kw.sim.external_create(GATE, "987654", "Desk")
    a = kw.move_in(0, "a", name=name)
    kw.reconcile()
    [ours] = [c for c in kw.codes(GATE) if c.is_managed]
    assert ours.name == "R-a", why
    assert _row(kw, GATE, a).reference == "R-a"
    assert [c.name for c in kw.codes("kp-u0") if c.is_managed] == [on_unit]


def test_a_vacate_deletes_the_code_at_the_next_reconcile(kw: KeypadWorld) -> None:
    a = kw.move_in(0, "a")
    kw.reconcile()
    kw.pms(0, LifecycleEvent.VACATE)
    kw.reconcile()
    assert kw.managed(GATE) == {} and kw.codes("kp-u0") == []
    assert _row(kw, GATE, a).state == "removed"


def test_delinquency_suspends_the_tenants_and_shared_users_codes_and_payment_restores(
    kw: KeypadWorld,
) -> None:
    a = kw.move_in(0, "a")
    friend = kw.share(0, a, "Sam Share")
    kw.reconcile()
    numbers = kw.managed(GATE)
    assert set(numbers) == {a, friend}
    kw.pms(0, LifecycleEvent.DELINQUENT_OVER)
    kw.reconcile()
    assert kw.managed(GATE) == {} and kw.managed("kp-u0") == {}
    assert _row(kw, GATE, friend).state == "suspended"
    kw.pms(0, LifecycleEvent.CURRENT)
    kw.reconcile()
    assert kw.managed(GATE) == numbers


def test_unmatching_a_lock_deletes_only_our_codes_there(kw: KeypadWorld) -> None:
    a = kw.move_in(0, "a")
    kw.sim.external_create("kp-u0", "975318", "Owner")
    kw.reconcile()
    assert a in kw.managed("kp-u0")
    with kw.rt.db.transaction() as s:
        door = s.exec(select(Door).where(Door.lock_ref == "kp-u0")).one()
        door.lock_ref = None
        s.add(door)
    kw.reconcile()
    assert [(c.code, c.is_managed) for c in kw.codes("kp-u0")] == [("975318", False)]
    assert a in kw.managed(GATE)
    with kw.rt.db.read() as s:
        assert (lock := s.get(KeypadLock, "kp-u0")) is not None and lock.door_id is None


def test_resync_restores_every_code_of_a_wiped_lock(sqlite_runtime: Runtime) -> None:
    kw = keypad_world(sqlite_runtime)
    kw.reconcile()
    with kw.rt.db.transaction() as s:  # codes deleted by hand stay deleted on this lock
        lock = s.get(KeypadLock, GATE)
        assert lock is not None
        lock.keep_external_edits = True
        s.add(lock)
    a, b = kw.move_in(0, "a"), kw.move_in(1, "b")
    kw.reconcile()
    before = kw.managed(GATE)
    kw.sim.wipe(GATE)
    kw.reconcile()
    assert kw.codes(GATE) == []
    assert _row(kw, GATE, a).flag == "deleted outside unitgate: kept deleted"
    kw.reconciler.resync(GATE)
    assert kw.managed(GATE) == before and set(before) == {a, b}


def test_an_outside_edit_of_our_code_is_set_back(kw: KeypadWorld) -> None:
    a = kw.move_in(0, "a")
    kw.reconcile()
    number = kw.managed(GATE)[a]
    [ours] = [c for c in kw.codes(GATE) if c.is_managed]
    kw.sim.external_update(ours.access_code_id, "975318", "changed")
    kw.reconcile()
    assert kw.managed(GATE) == {a: number}
    assert [c.name for c in kw.codes(GATE)] == ["Tenant a"]


def test_unmanaged_codes_count_against_capacity_and_are_never_deleted(
    sqlite_runtime: Runtime,
) -> None:
    kw = keypad_world(sqlite_runtime)
    hand = [kw.sim.external_create(GATE, f"{4000 + i * 7:06d}", f"hand {i}") for i in range(99)]
    a, b = kw.move_in(0, "a"), kw.move_in(1, "b")
    report = kw.reconcile()
    assert len(kw.codes(GATE)) == 100
    assert len(kw.managed(GATE)) == 1
    gate = next(r for r in report.locks if r.device_id == GATE)
    assert gate.no_space == 1 and gate.unmanaged == 99
    with kw.rt.db.read() as s:
        assert (lock := s.get(KeypadLock, GATE)) is not None and lock.full
    [placed] = kw.managed(GATE)
    kw.pms(0 if placed == a else 1, LifecycleEvent.VACATE)  # its place frees: the other's turn
    kw.reconcile()
    assert set(kw.managed(GATE)) == {a, b} - {placed} and len(kw.codes(GATE)) == 100
    assert {c.access_code_id for c in kw.codes(GATE) if not c.is_managed} == set(hand)
    assert kw.sim.unmanaged_touched == []
