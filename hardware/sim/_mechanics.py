"""The simulated lock's body: motor, battery, door sensor, tamper switch."""

from __future__ import annotations

from dataclasses import dataclass

from hardware.protocol import DoorState, ErrorCode, LockState

__all__ = ["BATTERY_CRITICAL", "BATTERY_LOW", "BATTERY_MIN_MOTOR", "Mechanics"]

BATTERY_LOW = 20.0
"""Percent below which the lock logs BATTERY_LOW once (the seed: replace the battery)."""
BATTERY_CRITICAL = 10.0
"""Percent below which the lock's status carries the critical flag."""
BATTERY_MIN_MOTOR = 5.0
"""Percent below which the motor is not driven (LOW_VOLTAGE)."""


@dataclass
class Mechanics:
    """Physical state, changed by the motor and by the simulation's hand (jam, door, tamper)."""

    state: LockState = LockState.LOCKED
    """The bolt or shackle."""
    door: DoorState = DoorState.CLOSED
    """The door sensor."""
    battery: float = 100.0
    """Charge in percent."""
    drain_per_move: float = 0.05
    """Percent each motor movement costs."""
    motor_seconds: float = 0.0
    """How long a movement takes before the lock confirms it (tension on the hasp: longer)."""
    jammed: bool = False
    """The motor cannot move (hasp under tension, debris): the next moves fail."""
    tamper: bool = False
    """The tamper switch tripped (stays set until serviced)."""
    moves: int = 0
    """Motor movements that succeeded, all kinds (what a double unlock would show)."""
    unlocks: int = 0
    """Successful unlocking movements."""

    def move(self, target: LockState) -> ErrorCode | None:
        """Drive the motor to `target`; the error code when it cannot."""
        if self.battery < BATTERY_MIN_MOTOR:
            return ErrorCode.LOW_VOLTAGE
        self.battery = max(0.0, self.battery - self.drain_per_move)
        if self.jammed:
            self.state = LockState.JAMMED
            return ErrorCode.MOTOR_BLOCKED
        self.state = target
        self.moves += 1
        if target is LockState.UNLOCKED:
            self.unlocks += 1
        return None

    @property
    def critical(self) -> bool:
        """Whether the battery is critical."""
        return self.battery < BATTERY_CRITICAL
