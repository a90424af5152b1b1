"""Lock health events: one per change, with the seed's advice, never one per poll."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from engine.locks import HealthView, health_changes

GOOD = HealthView(
    battery_percent=80,
    battery="good",
    connectivity="connected",
    tamper=False,
    jammed=False,
    clock_drift=0,
    drifting=False,
    advice=(),
    advice_by_topic={},
)


def _kinds(old: dict[str, Any] | None, new: HealthView) -> list[tuple[str, str | None]]:
    return [(c.kind, c.advice) for c in health_changes(old, new)]


def test_a_healthy_lock_seen_for_the_first_time_gives_no_event() -> None:
    assert _kinds(None, GOOD) == []
    assert _kinds(None, replace(GOOD, connectivity="unknown")) == []


def test_battery_low_then_critical_then_replaced() -> None:
    low = replace(
        GOOD,
        battery_percent=15,
        battery="low",
        advice=("replace the battery",),
        advice_by_topic={"battery": "replace the battery"},
    )
    assert _kinds(GOOD.as_json(), low) == [("battery_low", "replace the battery")]
    assert _kinds(low.as_json(), replace(low, battery_percent=14)) == []  # still low: no event
    now = "replace the battery now: the lock may stop opening"
    critical = replace(low, battery_percent=5, battery="critical", advice_by_topic={"battery": now})
    assert _kinds(low.as_json(), critical) == [("battery_critical", now)]
    assert _kinds(critical.as_json(), GOOD) == [("recovered", None)]


def test_one_lock_disconnecting_is_told_to_move_the_hub_and_reconnects() -> None:
    move = "move the hub closer to the lock"
    gone = replace(GOOD, connectivity="disconnected", advice_by_topic={"connection": move})
    assert _kinds(GOOD.as_json(), gone) == [("disconnected", move)]
    assert _kinds(gone.as_json(), gone) == []
    assert _kinds(gone.as_json(), GOOD) == [("reconnected", None)]
    flaky = replace(GOOD, connectivity="flaky", advice_by_topic={"connection": move})
    assert _kinds(GOOD.as_json(), flaky) == [("flaky", move)]


def test_several_locks_down_on_one_hub_point_at_its_wifi() -> None:
    wifi = "check the hub's Wi-Fi: several of its locks are disconnected"
    gone = replace(GOOD, connectivity="disconnected", advice_by_topic={"connection": wifi})
    assert _kinds(GOOD.as_json(), gone) == [("disconnected", wifi)]


def test_tamper_jam_and_drift_each_once_and_their_recovery() -> None:
    jam = "release tension on the hasp (step on the door handle), then try again"
    jammed = replace(GOOD, jammed=True, advice_by_topic={"jammed": jam})
    assert _kinds(GOOD.as_json(), jammed) == [("jammed", jam)]
    assert _kinds(jammed.as_json(), GOOD) == [("recovered", None)]
    forced = "inspect the lock for forced entry"
    tampered = replace(GOOD, tamper=True, advice_by_topic={"tamper": forced})
    assert _kinds(GOOD.as_json(), tampered) == [("tamper", forced)]
    drift = replace(GOOD, clock_drift=90, drifting=True, advice_by_topic={"clock": "set it"})
    assert _kinds(GOOD.as_json(), drift) == [("clock_drift", "set it")]
    assert _kinds(drift.as_json(), drift) == []
