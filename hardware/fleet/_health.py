"""Lock health: battery, connection, tamper, jam, clock drift, and what to do about it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from hardware.protocol import LockState, Status

__all__ = [
    "ADVICE_HUB_WIFI",
    "ADVICE_JAMMED",
    "ADVICE_MOVE_HUB",
    "ADVICE_REPLACE_BATTERY",
    "ADVICE_REPLACE_BATTERY_NOW",
    "ADVICE_TAMPER",
    "DRIFT_WARNING",
    "FLAKY_FAILURE_RATE",
    "BatteryLevel",
    "Connectivity",
    "LockHealth",
    "assess",
    "battery_level",
    "connectivity",
]

DRIFT_WARNING = 60
"""Seconds of clock drift the health reports (half the lock's tolerance)."""
FLAKY_FAILURE_RATE = 0.2
"""Share of failed tries among recent ones above which a connection is flaky."""
_RECENT = 10

ADVICE_REPLACE_BATTERY = "replace the battery"
ADVICE_REPLACE_BATTERY_NOW = "replace the battery now: the lock may stop opening"
ADVICE_MOVE_HUB = "move the hub closer to the lock"
ADVICE_HUB_WIFI = "check the hub's Wi-Fi: several of its locks are disconnected"
ADVICE_JAMMED = "release tension on the hasp (step on the door handle), then try again"
ADVICE_TAMPER = "inspect the lock for forced entry"


class BatteryLevel(StrEnum):
    """Battery as operators read it."""

    GOOD = "good"
    LOW = "low"
    CRITICAL = "critical"


class Connectivity(StrEnum):
    """How reliably the lock answers."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    FLAKY = "flaky"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class LockHealth:
    """One lock's health and advice."""

    battery_percent: int | None
    """From the last status (None: never read)."""
    battery: BatteryLevel | None
    """Good (≥ 20 %), low, critical (< 10 % or the lock's flag)."""
    connectivity: Connectivity
    """From the recent tries."""
    tamper: bool
    """The tamper switch tripped."""
    jammed: bool
    """The motor was blocked at the last try."""
    clock_drift: int | None
    """Lock clock minus server clock at the last status, seconds."""
    advice: tuple[str, ...]
    """What to do, most urgent first."""


def battery_level(status: Status) -> BatteryLevel:
    """Critical below 10 % or when the lock says so, low below 20 %, else good."""
    if status.critical or status.battery < 10:
        return BatteryLevel.CRITICAL
    if status.battery < 20:
        return BatteryLevel.LOW
    return BatteryLevel.GOOD


def connectivity(tries: Sequence[bool]) -> Connectivity:
    """Connected, disconnected (the last tries all failed) or flaky (failures mixed in)."""
    recent = list(tries)[-_RECENT:]
    if not recent:
        return Connectivity.UNKNOWN
    if not any(recent[-3:]):
        return Connectivity.DISCONNECTED
    if recent.count(False) / len(recent) > FLAKY_FAILURE_RATE:
        return Connectivity.FLAKY
    return Connectivity.CONNECTED


def assess(status: Status | None, tries: Sequence[bool], server_time: int | None) -> LockHealth:
    """The health of one lock from its last signed status and its recent tries."""
    link = connectivity(tries)
    advice: list[str] = []
    level = battery_level(status) if status else None
    jammed = bool(status and status.state is LockState.JAMMED)
    drift = status.lock_time - server_time if status and server_time is not None else None
    if status and status.tamper:
        advice.append(ADVICE_TAMPER)
    if jammed:
        advice.append(ADVICE_JAMMED)
    if level is BatteryLevel.CRITICAL:
        advice.append(ADVICE_REPLACE_BATTERY_NOW)
    elif level is BatteryLevel.LOW:
        advice.append(ADVICE_REPLACE_BATTERY)
    if link in (Connectivity.DISCONNECTED, Connectivity.FLAKY):
        advice.append(ADVICE_MOVE_HUB)
    if drift is not None and abs(drift) > DRIFT_WARNING:
        advice.append(f"the lock's clock is off by {drift} s: set it at the next visit")
    return LockHealth(
        status.battery if status else None,
        level,
        link,
        bool(status and status.tamper),
        jammed,
        drift,
        tuple(advice),
    )
