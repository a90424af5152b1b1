"""Lock health and the seed's advice."""

from __future__ import annotations

from uuid import UUID

from hardware.fleet import (
    ADVICE_HUB_WIFI,
    ADVICE_JAMMED,
    ADVICE_MOVE_HUB,
    ADVICE_REPLACE_BATTERY,
    ADVICE_REPLACE_BATTERY_NOW,
    BatteryLevel,
    Connectivity,
    Fleet,
    LockRecord,
    assess,
    connectivity,
)
from hardware.protocol import DoorState, Firmware, LockState, Status
from tests.support.locks import START, fixed_key


def _status(battery: int, state: LockState = LockState.LOCKED, lock_time: int = 0) -> Status:
    return Status(
        UUID(int=2),
        b"n" * 16,
        battery,
        False,
        False,
        state,
        DoorState.CLOSED,
        Firmware(1, 0, 0),
        lock_time,
        0,
        0,
    ).signed(fixed_key(2))


def test_battery_levels_and_advice() -> None:
    good = assess(_status(80), [True], 0)
    assert (good.battery, good.advice) == (BatteryLevel.GOOD, ())
    low = assess(_status(15), [True], 0)
    assert (low.battery, low.advice) == (BatteryLevel.LOW, (ADVICE_REPLACE_BATTERY,))
    critical = assess(_status(6), [True], 0)
    assert critical.battery is BatteryLevel.CRITICAL
    assert ADVICE_REPLACE_BATTERY_NOW in critical.advice


def test_connectivity_from_recent_tries() -> None:
    assert connectivity([]) is Connectivity.UNKNOWN
    assert connectivity([True] * 10) is Connectivity.CONNECTED
    assert connectivity([True, False, True, False, True]) is Connectivity.FLAKY
    assert connectivity([True, True, False, False, False]) is Connectivity.DISCONNECTED


def test_jam_and_drift() -> None:
    health = assess(_status(80, LockState.JAMMED, lock_time=1000), [True], 900)
    assert health.jammed
    assert ADVICE_JAMMED in health.advice
    assert health.clock_drift == 100
    assert any("clock is off by 100 s" in a for a in health.advice)


def test_one_lock_disconnecting_move_the_hub_many_check_its_wifi() -> None:
    locks = [
        LockRecord(UUID(int=n), f"u{n}", f"addr{n}", fixed_key(n).public, "hub-1")
        for n in (2, 3, 4)
    ]
    fleet = Fleet(locks)
    fleet.record_status(UUID(int=2), _status(80, lock_time=int(START.timestamp())), START)
    fleet.record_tries(UUID(int=2), [False, False, False])
    for n in (3, 4):
        fleet.record_tries(UUID(int=n), [True])
    assert fleet.health(UUID(int=2)).advice == (ADVICE_MOVE_HUB,)
    fleet.record_tries(UUID(int=3), [False, False, False])
    assert fleet.health(UUID(int=2)).advice == (ADVICE_HUB_WIFI,)
    assert fleet.health(UUID(int=4)).connectivity is Connectivity.CONNECTED
