"""Keypad events of the lock service (Seam's events: a code that opened, a code refused):
the simulator logs each code typed, the HTTP client lists them from a time, and the keypad
duty lands each once as a decision at the lock's door (`invalid_code` for a refusal, the
code's person for an entry), from a cursor that survives a restart; repeated refused codes
at the gate raise one repeated-denials alert."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from sqlmodel import col, select

from adapters.lockservice import HttpLockService
from adapters.lockservice.sim import lock_service_app
from adapters.pms.sim import BackgroundServer
from api.settings import Settings
from api.telemetry import build_telemetry
from engine.alerts import AlertConfig, AlertEvaluator, default_alert_rules_path, load_alert_rules
from engine.audit import verify_chain
from engine.codes import CodeDuty, CodeDutyConfig, KeypadEvents, LockServiceDown, land_keypad_events
from engine.domain import DenialReason
from engine.persistence.tables import (
    AccessDecisionRecord,
    AlertRecord,
    AuditEntry,
    KeypadEventCursor,
    KeypadEventRecord,
)
from engine.runtime import Runtime
from tests.support.keypad import GATE, KeypadWorld, keypad_world

WRONG = "909090"


def _world(rt: Runtime) -> tuple[KeypadWorld, str, str]:
    """A gate keypad with tenant a's code set on it: the world, the person, the number."""
    kw = keypad_world(rt, units=1)
    person = kw.move_in(0, "a", name="Ada Tenant")
    kw.reconcile()
    number = kw.managed(GATE)[person]
    assert number != WRONG
    return kw, person, number


def _fetcher(kw: KeypadWorld) -> KeypadEvents:
    return KeypadEvents(kw.rt.db, kw.sim, kw.rt.audit, kw.rt.clock, "sim://lock-service")


def _decisions(rt: Runtime) -> list[AccessDecisionRecord]:
    with rt.db.read() as s:
        query = select(AccessDecisionRecord).where(AccessDecisionRecord.channel == "keypad")
        return list(s.exec(query.order_by(col(AccessDecisionRecord.id))).all())


def test_the_simulator_logs_each_code_typed_and_the_client_lists_them_from_a_time(
    runtime: Runtime,
) -> None:
    kw, _, number = _world(runtime)
    assert kw.sim.enter(GATE, WRONG) == (False, "unknown code")
    assert kw.sim.enter(GATE, number) == (True, "opened")  # the clock has not moved
    assert kw.sim.enter(GATE, WRONG) == (False, "unknown code")
    [code_id] = [c.access_code_id for c in kw.codes(GATE) if c.code == number]
    with BackgroundServer(lock_service_app(kw.sim)) as base:
        client = HttpLockService(base, timeout=5)
        try:
            listed = client.list_events(None)
            assert listed == kw.sim.list_events(None)
            assert [(e.kind, e.access_code_id, e.reason) for e in listed] == [
                ("denied", None, "unknown code"),
                ("unlocked", code_id, ""),
                ("denied", None, "unknown code"),
            ]
            ids = [int(e.event_id.removeprefix("evt")) for e in listed]
            times = [e.occurred_at for e in listed]
            assert ids == sorted(set(ids)) and times == sorted(set(times))
            assert client.list_events(times[1]) == listed[1:]  # from a time, that one included
            kw.sim.faults.outage = True
            with pytest.raises(LockServiceDown) as down:
                client.list_events(None)
            assert down.value.kind == "provider_outage"
        finally:
            kw.sim.faults.outage = False
            client.close()


def test_a_refused_code_is_an_invalid_code_denial_and_an_entry_names_the_tenant(
    runtime: Runtime,
) -> None:
    kw, person, number = _world(runtime)
    kw.sim.enter(GATE, WRONG)
    kw.sim.enter(GATE, number)
    rows = _fetcher(kw).run_once()
    assert [(r.kind, r.person_id, r.door_id) for r in rows] == [
        ("denied", None, kw.world.gate_id),
        ("unlocked", person, kw.world.gate_id),
    ]
    denied, entry = _decisions(runtime)
    assert (denied.allowed, denied.reason_code, denied.door_id) == (
        False,
        DenialReason.INVALID_CODE.value,
        kw.world.gate_id,
    )
    assert denied.reason == "the keypad refused the code: unknown code"
    assert (entry.allowed, entry.person_id, entry.reason_code) == (True, person, None)
    assert entry.principal_kind == "tenant" and "Ada Tenant" in entry.reason
    with runtime.db.read() as s:
        entries = s.exec(select(AuditEntry).where(AuditEntry.kind == "access_decision")).all()
        payloads = {json.loads(e.payload)["decision_id"]: json.loads(e.payload) for e in entries}
        assert payloads[denied.id]["reason_code"] == "invalid_code"
        assert payloads[denied.id]["keypad_event"]["lock_reason"] == "unknown code"
        assert payloads[entry.id]["person_id"] == person
        assert verify_chain(s, runtime.audit, kw.world.facility_id).ok


def test_events_land_once_across_overlapping_fetches_and_a_restart(runtime: Runtime) -> None:
    kw, _, number = _world(runtime)
    for _ in range(3):
        kw.sim.enter(GATE, WRONG)
    first = _fetcher(kw)
    assert len(first.run_once()) == 3
    assert first.run_once() == []  # the cursor's instant is asked again: nothing new lands
    with runtime.db.transaction() as s:  # an overlapping fetch from the start lands nothing
        again = land_keypad_events(
            s, runtime.audit, first.name, kw.sim.list_events(None), runtime.clock.now()
        )
        assert again == []
    restarted = _fetcher(kw)  # a new process: the cursor is in the database
    newest = kw.sim.list_events(None)[-1].occurred_at
    assert restarted.since() == newest
    runtime.clock.advance(timedelta(seconds=5))
    kw.sim.enter(GATE, number)
    [entry] = restarted.run_once()
    assert entry.kind == "unlocked" and restarted.since() == entry.occurred_at
    with runtime.db.read() as s:
        assert len(s.exec(select(KeypadEventRecord)).all()) == 4
        [cursor] = s.exec(select(KeypadEventCursor)).all()
        assert cursor.service == "sim://lock-service"
    assert [d.allowed for d in _decisions(runtime)] == [False, False, False, True]


def test_a_failed_fetch_moves_nothing_and_the_duty_catches_up(runtime: Runtime) -> None:
    kw, _, _ = _world(runtime)
    kw.sim.enter(GATE, WRONG)
    landed: list[list[KeypadEventRecord]] = []
    duty = CodeDuty(kw.reconciler, events=_fetcher(kw), on_events=landed.append)
    kw.sim.faults.outage = True
    assert duty.fetch_events() == [] and landed == []
    assert _fetcher(kw).since() is None
    kw.sim.faults.outage = False
    [row] = duty.fetch_events()
    assert landed == [[row]] and row.decision_id is not None


def test_repeated_refused_codes_at_the_gate_raise_one_alert(runtime: Runtime) -> None:
    kw, _, _ = _world(runtime)
    rules = load_alert_rules(default_alert_rules_path())
    evaluator = AlertEvaluator(runtime.db, runtime.clock, lambda: rules, AlertConfig())
    fetcher = _fetcher(kw)
    for _ in range(9):
        kw.sim.enter(GATE, WRONG)
        runtime.clock.advance(timedelta(seconds=10))
    fetcher.run_once()
    assert evaluator.run_once() == []  # 9 refusals: the door's rule wants 10
    for _ in range(4):
        kw.sim.enter(GATE, WRONG)
        runtime.clock.advance(timedelta(seconds=10))
    fetcher.run_once()
    [alert] = evaluator.run_once()
    assert (alert.rule, alert.subject) == ("repeated_denials_door", f"door:{kw.world.gate_id}")
    assert alert.detail["reason_code"] == "invalid_code"
    kw.sim.enter(GATE, WRONG)
    fetcher.run_once()
    assert evaluator.run_once() == []  # the same incident
    with runtime.db.read() as s:
        [same] = s.exec(select(AlertRecord)).all()
        assert same.count == 5  # the 10th to the 14th refusal


def test_landed_keypad_decisions_are_counted_with_their_reason_code(runtime: Runtime) -> None:
    kw, _, number = _world(runtime)
    kw.sim.enter(GATE, WRONG)
    kw.sim.enter(GATE, WRONG)
    kw.sim.enter(GATE, number)
    metrics = InMemoryMetricReader()
    telemetry = build_telemetry(Settings(otel_exporter="none"), metric_reader=metrics)
    telemetry.record_keypad_events(_fetcher(kw).run_once())
    data = metrics.get_metrics_data()
    [decisions] = [
        m
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for m in sm.metrics
        if m.name == "unitgate.access.decisions"
    ]
    counted = {
        (dp.attributes["channel"], dp.attributes["outcome"], dp.attributes["reason_code"]): dp.value
        for dp in decisions.data.data_points
    }
    assert counted == {("keypad", "denied", "invalid_code"): 2, ("keypad", "allowed", "none"): 1}


def test_the_running_duty_lands_codes_typed_while_it_runs(runtime: Runtime) -> None:
    kw, _, _ = _world(runtime)
    landed: list[KeypadEventRecord] = []
    config = CodeDutyConfig(poll_seconds=0.05, full_seconds=3600, events_seconds=0.05)
    duty = CodeDuty(kw.reconciler, config, events=_fetcher(kw), on_events=landed.extend)
    worker = threading.Thread(target=duty.run)
    worker.start()
    try:
        kw.sim.enter(GATE, WRONG)
        deadline = time.monotonic() + 10
        while not landed and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        duty.stop()
        worker.join(10)
    [row] = landed
    assert row.kind == "denied" and row.decision_id is not None
