"""The simulated body: battery drain and low voltage, jam, door sensor, tamper, clock drift."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from hardware.protocol import (
    Action,
    Challenge,
    ChallengeRequest,
    DoorState,
    ErrorCode,
    ErrorReport,
    EventKind,
    LockState,
    Status,
    StatusRequest,
    decode_reply,
)
from hardware.sim import BATTERY_LOW, LockFirmware, Mechanics
from tests.support.locks import Rig


def _unlock(rig: Rig, firmware: LockFirmware) -> ErrorCode | None:
    challenge = decode_reply(firmware.handle(ChallengeRequest().frame())[0].frame)
    assert isinstance(challenge, Challenge)
    now = int(rig.clock.now().timestamp())
    frame = rig.issuer.issue(
        firmware.spec.lock_id, Action.UNLOCK, challenge.nonce, now, now + 30, uuid4()
    )
    final = decode_reply(firmware.handle(frame)[-1].frame)
    return final.code if isinstance(final, ErrorReport) else None


def _status(firmware: LockFirmware) -> Status:
    status = decode_reply(firmware.handle(StatusRequest(b"n" * 16).frame())[0].frame)
    assert isinstance(status, Status)
    return status


def test_each_movement_drains_the_battery_and_crossing_low_is_logged_once() -> None:
    rig = Rig()
    firmware = rig.firmware(mechanics=Mechanics(battery=BATTERY_LOW + 0.08, drain_per_move=0.05))
    assert _unlock(rig, firmware) is None
    assert _unlock(rig, firmware) is None
    assert _unlock(rig, firmware) is None
    kinds = [e.kind for e in firmware.events]
    assert kinds.count(EventKind.BATTERY_LOW) == 1
    assert _status(firmware).battery == round(BATTERY_LOW + 0.08 - 0.15)


def test_below_the_motors_minimum_the_lock_reports_low_voltage_and_does_not_move() -> None:
    rig = Rig()
    firmware = rig.firmware()
    firmware.set_battery(4)
    assert _unlock(rig, firmware) is ErrorCode.LOW_VOLTAGE
    assert firmware.mechanics.unlocks == 0
    status = _status(firmware)
    assert status.critical
    assert status.battery == 4


def test_a_jammed_motor_is_reported_and_logged() -> None:
    rig = Rig()
    firmware = rig.firmware()
    firmware.mechanics.jammed = True
    assert _unlock(rig, firmware) is ErrorCode.MOTOR_BLOCKED
    assert _status(firmware).state is LockState.JAMMED
    assert EventKind.JAMMED in [e.kind for e in firmware.events]
    firmware.mechanics.jammed = False
    assert _unlock(rig, firmware) is None


def test_door_and_tamper_are_in_status_and_log() -> None:
    rig = Rig()
    firmware = rig.firmware()
    firmware.open_door()
    firmware.open_door()  # no change, no second event
    firmware.trip_tamper()
    status = _status(firmware)
    assert status.door is DoorState.OPEN
    assert status.tamper
    assert [e.kind for e in firmware.events] == [EventKind.DOOR_OPENED, EventKind.TAMPER]


def test_the_locks_clock_drifts_and_status_shows_it() -> None:
    rig = Rig()
    firmware = rig.firmware(drift_ppm=100, clock_offset=-5)
    rig.clock.advance(timedelta(days=10))
    true = int(rig.clock.now().timestamp())
    drift = _status(firmware).lock_time - true
    assert drift == int(-5 + 10 * 86400 * 100e-6)  # 81 s fast after ten days at 100 ppm
