"""Each alert rule fires exactly once per incident on a scripted stream of decisions and
lock events, and not at all on a benign one; the cursor survives a restart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from engine.alerts import (
    AlertConfig,
    AlertEvaluator,
    AlertRules,
    default_alert_rules_path,
    load_alert_rules,
)
from engine.clock import ManualClock
from engine.domain import DoorKind
from engine.notify import Channel
from engine.persistence.tables import AlertRecord, AlertWebhook, OutboxMessage
from engine.runtime import Runtime
from engine.sites import add_door, add_person
from tests.support.alerts import Script
from tests.support.world import World, build_world

RULES = load_alert_rules(default_alert_rules_path())


@pytest.fixture
def world(runtime: Runtime) -> World:
    return build_world(runtime)


@pytest.fixture
def script(world: World) -> Script:
    return Script(world.rt, world.facility_id, world.gate_id)


def evaluator(rt: Runtime, rules: AlertRules = RULES) -> AlertEvaluator:
    return AlertEvaluator(rt.db, rt.clock, lambda: rules, AlertConfig(held_check_seconds=0))


def alerts(rt: Runtime, rule: str | None = None) -> list[AlertRecord]:
    with rt.db.read() as s:
        query = select(AlertRecord).order_by(col(AlertRecord.id))
        if rule is not None:
            query = query.where(AlertRecord.rule == rule)
        return list(s.exec(query).all())


def person(world: World, name: str, **contact: str) -> str:
    with world.rt.db.transaction() as s:
        return add_person(s, name, world.rt.clock.now(), **contact).id


def test_repeated_denials_of_one_person_are_one_alert(
    world: World, script: Script, clock: ManualClock
) -> None:
    who = person(world, "Mallory")
    ev = evaluator(world.rt)
    for _ in range(7):
        script.decision(who)
        clock.advance(timedelta(minutes=1))
        ev.run_once()
    [alert] = alerts(world.rt, "repeated_denials_person")
    assert alert.subject == f"person:{who}"
    assert alert.count == 3  # the 5th denial opened it; the 6th and 7th counted into it
    assert alert.status == "open" and alert.severity == "warning"
    assert alerts(world.rt, "repeated_denials_door") == []


def test_denials_spread_wider_than_the_window_raise_nothing(
    world: World, script: Script, clock: ManualClock
) -> None:
    who = person(world, "Forgetful")
    ev = evaluator(world.rt)
    for _ in range(12):
        script.decision(who)
        script.decision(who, allowed=True)  # allowed passes never count
        clock.advance(timedelta(minutes=3))  # at most 4 denials in any 10 minutes
        ev.run_once()
    assert alerts(world.rt) == []


def test_a_resolved_incident_lets_the_next_one_alert_again(
    world: World, script: Script, clock: ManualClock
) -> None:
    from engine.alerts import resolve_alert

    who = person(world, "Mallory")
    ev = evaluator(world.rt)
    for _ in range(5):
        script.decision(who)
    ev.run_once()
    [first] = alerts(world.rt)
    with world.rt.db.transaction() as s:
        resolve_alert(s, world.rt.audit, first.id or 0, world.manager, "checked", clock.now())
    script.decision(who)  # still within the window of the first burst: a new incident
    ev.run_once()
    second = alerts(world.rt)[-1]
    assert len(alerts(world.rt)) == 2 and second.status == "open" and second.count == 1


def test_many_people_denied_at_one_door_is_a_door_alert(
    world: World, script: Script, clock: ManualClock
) -> None:
    ev = evaluator(world.rt)
    for _ in range(12):
        script.decision(None)  # wrong codes: nobody known
        clock.advance(timedelta(seconds=20))
    ev.run_once()
    [alert] = alerts(world.rt)
    assert alert.rule == "repeated_denials_door" and alert.subject == f"door:{world.gate_id}"
    assert alert.count == 3


def test_a_delinquent_tenant_at_the_gate_tells_the_manager_once(
    world: World, script: Script, clock: ManualClock
) -> None:
    who = person(world, "Late Payer")
    ev = evaluator(world.rt)
    script.decision(who, reason_code="outside_schedule")  # benign: not delinquency
    ev.run_once()
    assert alerts(world.rt) == []
    script.decision(who, reason_code="gatelocked")
    clock.advance(timedelta(minutes=30))
    script.decision(who, reason_code="overlocked")
    ev.run_once()
    [alert] = alerts(world.rt)
    assert alert.rule == "delinquent_at_door" and alert.count == 2
    with world.rt.db.read() as s:
        messages = s.exec(select(OutboxMessage)).all()
    assert [(m.kind, m.channel, m.person_id) for m in messages] == [
        ("alert", "email", world.manager_id)
    ]
    assert messages[0].recipient == "manager@acme.example"
    assert messages[0].payload["alert"]["id"] == alert.id


def test_a_door_opened_without_an_unlock_is_forced(
    world: World, script: Script, clock: ManualClock
) -> None:
    ev = evaluator(world.rt)
    script.event("unlocked")
    clock.advance(timedelta(seconds=5))
    script.event("door_opened")  # benign: just unlocked
    clock.advance(timedelta(seconds=10))
    script.event("door_closed")
    script.event("locked")
    ev.run_once()
    assert alerts(world.rt) == []
    clock.advance(timedelta(minutes=5))
    script.event("door_opened")  # forced
    clock.advance(timedelta(seconds=10))
    script.event("door_closed")
    ev.run_once()
    ev.run_once()
    [alert] = alerts(world.rt)
    assert alert.rule == "door_forced" and alert.severity == "critical"
    assert alert.lock_id == script.lock_id and alert.door_id == world.gate_id


def test_a_door_held_open_is_one_alert_while_open_and_after_it_closes(
    world: World, script: Script, clock: ManualClock
) -> None:
    ev = evaluator(world.rt)
    script.event("unlocked")
    script.event("door_opened")
    clock.advance(timedelta(seconds=60))
    script.event("door_closed")  # benign: a minute
    script.event("door_opened")
    ev.run_once()
    assert alerts(world.rt) == []
    clock.advance(timedelta(seconds=301))
    ev.run_once()  # the timed check: still open past the bound
    ev.run_once()
    clock.advance(timedelta(seconds=100))
    script.event("door_closed")  # the same incident, now over
    ev.run_once()
    [alert] = alerts(world.rt)
    assert alert.rule == "door_held_open" and alert.count == 1


def test_a_late_upload_of_a_door_held_open_still_alerts(
    world: World, script: Script, clock: ManualClock
) -> None:
    ev = evaluator(world.rt)
    opened = clock.now()
    script.event("unlocked", at=opened)
    script.event("door_opened", at=opened)
    script.event("door_closed", at=opened + timedelta(seconds=900))  # uploaded together
    ev.run_once()
    [alert] = alerts(world.rt)
    assert alert.rule == "door_held_open"


@pytest.mark.parametrize(
    ("kind", "rule"),
    [("tamper", "lock_tampered"), ("jammed", "lock_jammed"), ("battery_low", "battery_low")],
)
def test_lock_trouble_is_one_alert_per_incident(
    world: World, script: Script, clock: ManualClock, kind: str, rule: str
) -> None:
    ev = evaluator(world.rt)
    script.event("unlocked")
    script.event("locked")  # benign
    ev.run_once()
    assert alerts(world.rt) == []
    script.event(kind)
    ev.run_once()
    script.event(kind)
    ev.run_once()
    [alert] = alerts(world.rt)
    assert alert.rule == rule and alert.subject == f"lock:{script.lock_id}" and alert.count == 2


def test_the_cursor_survives_a_restart_and_nothing_is_evaluated_twice(
    world: World, script: Script
) -> None:
    who = person(world, "Mallory")
    for _ in range(5):
        script.decision(who)
    evaluator(world.rt).run_once()
    evaluator(world.rt).run_once()  # a new process: starts from the stored cursor
    [alert] = alerts(world.rt)
    assert alert.count == 1
    script.decision(who)
    evaluator(world.rt).run_once()
    assert alerts(world.rt)[0].count == 2


def test_recipients_are_by_role_and_the_webhook_is_queued(world: World, script: Script) -> None:
    with world.rt.db.transaction() as s:
        s.add(
            AlertWebhook(
                facility_id=world.facility_id,
                url="http://127.0.0.1:9/hook",
                secret="s" * 32,
                updated_at=world.rt.clock.now(),
                updated_by=world.manager,
            )
        )
        other = add_door(s, world.facility_id, "Side gate", DoorKind.GATE)
    side = Script(world.rt, world.facility_id, other.id)
    side.event("tamper")
    evaluator(world.rt).run_once()
    with world.rt.db.read() as s:
        messages = s.exec(select(OutboxMessage).order_by(col(OutboxMessage.channel))).all()
    channels = [Channel(m.channel) for m in messages]
    assert channels == [Channel.EMAIL, Channel.SMS, Channel.WEBHOOK]
    sms = messages[1]
    assert sms.status == "undeliverable" and sms.status_reason == "no mobile on file"
    assert messages[2].recipient == "http://127.0.0.1:9/hook"
    assert messages[2].payload["event"]["type"] == "alert.raised"


def test_two_evaluators_at_once_evaluate_each_event_once(world: World, script: Script) -> None:
    """Two processes' duties share the facilities: the cursor row is locked (skipped by the
    other on PostgreSQL), so every incident is one alert counted once."""
    import threading

    people = [person(world, f"P{i}") for i in range(6)]
    for who in people:
        for _ in range(6):
            script.decision(who)
        script.event("tamper")
    errors: list[BaseException] = []

    def work() -> None:
        try:
            ev = AlertEvaluator(
                world.rt.db, world.rt.clock, lambda: RULES, AlertConfig(batch_size=7)
            )
            for _ in range(10):
                ev.run_once()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    found = alerts(world.rt)
    by_person = [a for a in found if a.rule == "repeated_denials_person"]
    assert sorted(a.subject for a in by_person) == sorted(f"person:{p}" for p in people)
    assert all(a.count == 2 for a in by_person)  # the 5th opened it, the 6th counted
    [door] = [a for a in found if a.rule == "repeated_denials_door"]
    assert door.count == 36 - 9  # the 10th denial at the gate opened it
    [tamper] = [a for a in found if a.rule == "lock_tampered"]
    assert tamper.count == 6
