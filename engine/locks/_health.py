"""Changes in a lock's health, as the events operators see (with the advice to act on)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.locks._port import HealthView

__all__ = ["HealthChange", "health_changes"]


@dataclass(frozen=True, slots=True)
class HealthChange:
    """One `LockHealthEvent` to write."""

    kind: str
    """`battery_low`, `battery_critical`, `disconnected`, `flaky`, `reconnected`, `tamper`,
    `jammed`, `clock_drift`, `recovered`."""
    detail: str
    advice: str | None


def _advice(new: HealthView, topic: str) -> str | None:
    return new.advice_by_topic.get(topic)


def health_changes(old: dict[str, Any] | None, new: HealthView) -> list[HealthChange]:
    """What changed from the health stored (`old`, None: never assessed) to `new`.

    Only changes: a lock that stays low on battery gives one `battery_low`, not one per
    poll. A first assessment reports what is wrong already.
    """
    before = old or {}
    out: list[HealthChange] = []
    battery, was = new.battery, before.get("battery")
    if battery != was and battery is not None:
        pct = f"{new.battery_percent} %"
        if battery == "critical":
            out.append(
                HealthChange(
                    "battery_critical", f"battery critical: {pct}", _advice(new, "battery")
                )
            )
        elif battery == "low":
            out.append(HealthChange("battery_low", f"battery low: {pct}", _advice(new, "battery")))
        elif was in ("low", "critical"):
            out.append(HealthChange("recovered", f"battery good again: {pct}", None))
    link, link_was = new.connectivity, before.get("connectivity")
    if link != link_was:
        if link == "disconnected":
            out.append(
                HealthChange(
                    "disconnected", "the lock stopped answering", _advice(new, "connection")
                )
            )
        elif link == "flaky":
            out.append(
                HealthChange(
                    "flaky", "the lock misses some of its polls", _advice(new, "connection")
                )
            )
        elif link == "connected" and link_was in ("disconnected", "flaky"):
            out.append(HealthChange("reconnected", "the lock answers again", None))
    for flag, text in (("tamper", "the tamper switch tripped"), ("jammed", "the motor is blocked")):
        now_on, was_on = bool(getattr(new, flag)), bool(before.get(flag))
        if now_on and not was_on:
            out.append(HealthChange(flag, text, _advice(new, flag)))
        elif was_on and not now_on:
            out.append(HealthChange("recovered", f"no longer {flag}", None))
    if new.drifting and not before.get("drifting"):
        out.append(
            HealthChange(
                "clock_drift",
                f"the lock's clock is off by {new.clock_drift} s",
                _advice(new, "clock"),
            )
        )
    return out
