"""Seed 003's health check and backup codes, and the operator's alarms, against the
simulated lock service with the real store, policy and outbox (email delivered over SMTP to
aiosmtpd): one scenario per rule."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from sqlmodel import select

from adapters.lockservice.sim import SimulatedLockService
from adapters.notify import OutboxConfig, OutboxWorker, SmtpConfig, SmtpSender, Templates
from engine.clock import ManualClock
from engine.codes import LockServiceDown, Upkeep, UpkeepReport
from engine.domain import LifecycleEvent
from engine.notify import Channel
from engine.persistence.tables import (
    Facility,
    KeypadBackup,
    KeypadCode,
    KeypadHealthRun,
    OutboxMessage,
)
from engine.runtime import Runtime
from tests.support.keypad import GATE, KeypadWorld, keypad_world
from tests.support.smtp import smtp_server

MANAGER = "manager@acme.example"


class _DeletesFail:
    """The simulated service, whose deletes fail (a flaky lock that still reports)."""

    def __init__(self, sim: SimulatedLockService) -> None:
        self.sim = sim

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sim, name)

    def delete_code(self, access_code_id: str) -> None:
        raise LockServiceDown("failed", "the lock did not confirm the removal")


def _world(rt: Runtime, check_at: time = time(12, 30)) -> KeypadWorld:
    kw = keypad_world(rt, units=1)
    with rt.db.transaction() as s:
        facility = s.get(Facility, kw.world.facility_id)
        assert facility is not None
        facility.codes_health_check_at = check_at
        s.add(facility)
    return kw


def _round(kw: KeypadWorld, keeper: Upkeep) -> UpkeepReport:
    started = kw.rt.clock.now()
    kw.reconcile()
    return keeper.after_round(started)


def _clock(kw: KeypadWorld) -> ManualClock:
    clock = kw.rt.clock
    assert isinstance(clock, ManualClock)
    return clock


def _backups(kw: KeypadWorld, device: str, state: str) -> list[KeypadBackup]:
    with kw.rt.db.read() as s:
        query = select(KeypadBackup).where(
            KeypadBackup.device_id == device, KeypadBackup.state == state
        )
        return list(s.exec(query))


def _messages(kw: KeypadWorld, kind: str) -> list[OutboxMessage]:
    with kw.rt.db.read() as s:
        return list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def _refused_gate_code(kw: KeypadWorld, keeper: Upkeep) -> str:
    """Pools filled, then tenant `a` moves in and the gate refuses their code."""
    _round(kw, keeper)
    _round(kw, keeper)  # the pooled codes confirmed `set`
    kw.sim.faults.reject_next[GATE] = 1
    person = kw.move_in(0, "a", name="Ada Tenant")
    _round(kw, keeper)
    with kw.rt.db.read() as s:
        row = s.exec(select(KeypadCode).where(KeypadCode.device_id == GATE)).one()
    assert row.access_code_id is None and row.failures == 1  # waits an hour for its retry
    return person


def test_health_check_gives_backup_code_and_emails_operator(runtime: Runtime) -> None:
    kw = _world(runtime)
    keeper = Upkeep(runtime.db, kw.sim, runtime.clock, pool_size=2)
    person = _refused_gate_code(kw, keeper)
    pooled = {b.code for b in _backups(kw, GATE, "pooled")}
    assert len(pooled) == 2 and not _messages(kw, "codes_health")  # 12:00: not time yet

    _clock(kw).advance(timedelta(minutes=31))
    report = _round(kw, keeper)

    [check] = report.checks
    assert (check.not_set, check.backups_given, check.without_backup) == (1, 1, 0)
    [given] = _backups(kw, GATE, "assigned")
    assert given.code in pooled and given.person_id == person and given.ends_at is None
    assert given.code in {c.code for c in kw.codes(GATE) if c.status == "set"}
    assert len(_backups(kw, GATE, "pooled")) == 2  # refilled
    assert report.pools[GATE].size == 2
    with smtp_server() as (inbox, port):
        sender = SmtpSender(SmtpConfig(host="127.0.0.1", port=port, timeout=5))
        worker = OutboxWorker(
            runtime.db, runtime.clock, {Channel.EMAIL: sender}, Templates(), OutboxConfig()
        )
        assert worker.run_once() == 3  # with the tenant's activation of the move-in
        worker.close()
    operator = inbox.mails[f"codes_health/{kw.world.facility_id}/2026-01-01/{MANAGER}"]
    tenant = inbox.mails[f"backup_code/{given.id}"]
    assert str(operator["To"]) == MANAGER and str(tenant["To"]) == "a@t.example"
    assert "Keypad codes not set" in str(operator["Subject"])
    body = operator.get_body(("plain",))
    assert body is not None and "Ada Tenant" in body.get_content()
    assert "backup code ****" + given.code[-2:] + " given" in body.get_content()
    assert given.code not in body.get_content()  # the operator sees it masked
    text = tenant.get_body(("plain",))
    assert text is not None and given.code in text.get_content()


def test_health_check_runs_once_a_day_even_after_a_restart(runtime: Runtime) -> None:
    kw = _world(runtime)
    keeper = Upkeep(runtime.db, kw.sim, runtime.clock, pool_size=1)
    _refused_gate_code(kw, keeper)
    _clock(kw).advance(timedelta(minutes=31))
    assert len(_round(kw, keeper).checks) == 1
    _clock(kw).advance(timedelta(minutes=5))
    assert _round(kw, keeper).checks == []
    restarted = Upkeep(runtime.db, kw.sim, runtime.clock, pool_size=1)
    assert _round(kw, restarted).checks == []
    _clock(kw).advance(timedelta(days=1))
    [next_day] = _round(kw, restarted).checks
    assert next_day.day == "2026-01-02"
    with runtime.db.read() as s:
        assert len(s.exec(select(KeypadHealthRun)).all()) == 2
    assert len(_backups(kw, GATE, "assigned")) == 1  # a code keeps the backup it was given


def test_an_empty_backup_pool_is_reported(runtime: Runtime) -> None:
    kw = _world(runtime)
    keeper = Upkeep(runtime.db, kw.sim, runtime.clock, pool_size=1)
    _round(kw, keeper)
    _round(kw, keeper)
    kw.sim.faults.reject_next[GATE] = 1_000  # nothing new goes on the gate any more
    kw.move_in(0, "a")
    _round(kw, keeper)
    _clock(kw).advance(timedelta(minutes=31))
    report = _round(kw, keeper)
    [check] = report.checks
    assert check.backups_given == 1
    assert report.pools[GATE].health == "empty"  # pulled and not refilled
    [mail] = [m for m in _messages(kw, "codes_health") if m.recipient == MANAGER]
    pools = {p["device_id"]: p for p in mail.payload["pools"]}
    assert pools[GATE]["health"] == "empty"


def test_a_backup_code_leaves_the_lock_when_its_person_is_suspended(runtime: Runtime) -> None:
    kw = _world(runtime)
    keeper = Upkeep(runtime.db, kw.sim, runtime.clock, pool_size=1)
    _refused_gate_code(kw, keeper)
    _clock(kw).advance(timedelta(minutes=31))
    _round(kw, keeper)
    [given] = _backups(kw, GATE, "assigned")
    kw.pms(0, LifecycleEvent.DELINQUENT_GATE, "a")
    _round(kw, keeper)
    assert given.code not in {c.code for c in kw.codes(GATE)}
    [retired] = [b for b in _backups(kw, GATE, "retired") if b.id == given.id]
    assert retired.access_code_id is None


def test_a_full_lock_emails_the_operator_once_per_incident(runtime: Runtime) -> None:
    kw = _world(runtime, check_at=time(23, 59))
    keeper = Upkeep(runtime.db, kw.sim, runtime.clock, pool_size=0)
    others = [kw.sim.external_create(GATE, f"{4000 + i:04d}", f"hand {i}") for i in range(100)]
    kw.move_in(0, "a")
    assert _round(kw, keeper).alarms == 1
    assert _round(kw, keeper).alarms == 0
    [mail] = _messages(kw, "keypad_lock_full")
    assert mail.recipient == MANAGER and mail.payload["waiting"] == 1
    kw.sim.external_delete(others[0])
    _round(kw, keeper)  # the code goes on: incident closed
    kw.sim.external_create(GATE, "5999", "hand again")
    kw.pms(0, LifecycleEvent.VACATE, "a")
    _round(kw, keeper)
    assert len(_messages(kw, "keypad_lock_full")) == 1


def test_a_code_not_removed_after_its_end_is_a_security_alarm(runtime: Runtime) -> None:
    kw = _world(runtime, check_at=time(23, 59))
    keeper = Upkeep(runtime.db, kw.sim, runtime.clock, pool_size=0)
    kw.move_in(0, "a", name="Ada Tenant")
    _round(kw, keeper)
    kw.reconciler.service = _DeletesFail(kw.sim)  # the lock lists its codes, deletes fail
    kw.pms(0, LifecycleEvent.DELINQUENT_GATE, "a")
    assert _round(kw, keeper).alarms == 2  # the gate's code and the unit keypad's
    assert _round(kw, keeper).alarms == 0  # one email per incident, not per round
    [mail] = [m for m in _messages(kw, "keypad_code_not_removed") if m.payload["device_id"] == GATE]
    assert mail.recipient == MANAGER and mail.payload["person_name"] == "Ada Tenant"
    assert "failed to remove" in mail.payload["detail"]
    kw.reconciler.service = kw.sim
    _round(kw, keeper)
    assert not kw.managed(GATE, removing=False)
    assert len(_messages(kw, "keypad_code_not_removed")) == 2


def test_lag_is_measured_from_the_change_to_the_code_set(runtime: Runtime) -> None:
    kw = _world(runtime, check_at=time(23, 59))
    keeper = Upkeep(runtime.db, kw.sim, runtime.clock, pool_size=0)
    kw.sim.faults.set_delay_seconds = 30
    kw.move_in(0, "a")
    assert _round(kw, keeper).lag.lags == []  # `setting`
    _clock(kw).advance(timedelta(seconds=45))
    lags = _round(kw, keeper).lag.lags
    assert lags == [45.0, 45.0]  # gate and unit keypad


def test_a_change_waiting_defers_the_upkeep_but_not_for_long(runtime: Runtime) -> None:
    kw = _world(runtime, check_at=time(23, 59))
    keeper = Upkeep(runtime.db, kw.sim, runtime.clock, pool_size=1, max_defer_seconds=3600)
    kw.reconcile()
    deferred = keeper.after_round(runtime.clock.now(), lambda: True)
    assert deferred.deferred and not _backups(kw, GATE, "pooled")
    keeper.max_defer_seconds = 0.0  # waited too long: done even though changes keep coming
    done = keeper.after_round(runtime.clock.now(), lambda: True)
    assert not done.deferred and len(_backups(kw, GATE, "pooled")) == 1


def test_a_full_lock_gives_the_space_of_its_pooled_backups_to_people(runtime: Runtime) -> None:
    kw = _world(runtime, check_at=time(23, 59))
    keeper = Upkeep(runtime.db, kw.sim, runtime.clock, pool_size=2)
    for i in range(98):
        kw.sim.external_create(GATE, f"{4000 + i:04d}", f"hand {i}")
    _round(kw, keeper)
    assert len(_backups(kw, GATE, "pooled")) == 2 and len(kw.codes(GATE)) == 100
    person = kw.move_in(0, "a")
    _round(kw, keeper)  # no space: one pooled backup makes way
    _round(kw, keeper)
    assert person in kw.managed(GATE)
    assert len(_backups(kw, GATE, "pooled")) == 1 and len(kw.codes(GATE)) == 100
