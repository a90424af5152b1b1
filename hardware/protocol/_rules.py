"""The lock's rules as pure state: challenges, windows, replays, attempts, counters.

The simulator runs them; a firmware port would run the same ones. Nothing here does I/O or
reads a clock: every method takes the lock's time (unix seconds) from its caller.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from uuid import UUID

from hardware.protocol._codes import ErrorCode

__all__ = [
    "CHALLENGE_TTL",
    "CLOCK_TOLERANCE",
    "LOCKOUT_ATTEMPTS",
    "LOCKOUT_SECONDS",
    "LOCKOUT_WINDOW",
    "AttemptLimiter",
    "ChallengeSlot",
    "Counter",
    "ExecutedIds",
    "check_window",
]

CHALLENGE_TTL = 30
"""Seconds a challenge stays usable after the lock issued it."""
CLOCK_TOLERANCE = 120
"""Seconds a lock's clock may be off: windows are widened by this much on both sides."""
LOCKOUT_ATTEMPTS = 5
"""Refused attempts (bad signature, challenge, lock or key) that lock the lock out…"""
LOCKOUT_WINDOW = 60
"""…when they fall within this many seconds…"""
LOCKOUT_SECONDS = 30
"""…for this many seconds."""


def check_window(not_before: int, not_after: int, now: int) -> ErrorCode | None:
    """TIME_NOT_ALLOWED before the window, EXPIRED after it (each ± the clock tolerance)."""
    if now + CLOCK_TOLERANCE < not_before:
        return ErrorCode.TIME_NOT_ALLOWED
    if now - CLOCK_TOLERANCE > not_after:
        return ErrorCode.EXPIRED
    return None


@dataclass
class ChallengeSlot:
    """The one outstanding challenge: a new one replaces it; it is used at most once."""

    nonce: bytes | None = None
    """The challenge outstanding (None: none, or used)."""
    issued_at: int = 0
    """The lock time it was issued."""

    def issue(self, nonce: bytes, now: int) -> None:
        """Make `nonce` the outstanding challenge."""
        self.nonce, self.issued_at = nonce, now

    def consume(self, nonce: bytes, now: int) -> ErrorCode | None:
        """Use `nonce`: None when it is the outstanding, fresh challenge; else why not.

        The outstanding challenge is spent either way when `nonce` matches it.
        """
        if self.nonce is None or nonce != self.nonce:
            return ErrorCode.BAD_CHALLENGE
        self.nonce = None
        # INVARIANT: the lock's clock only moves forward between issue and use (monotonic
        # in firmware); a negative age can only come from a clock set back, and is stale.
        age = now - self.issued_at
        if age > CHALLENGE_TTL or age < 0:
            return ErrorCode.STALE_CHALLENGE
        return None


@dataclass
class ExecutedIds:
    """Command ids carried out, newest last, bounded (older ones are refused by window)."""

    capacity: int = 256
    """How many ids are kept; must exceed the commands one window can hold."""
    _ids: OrderedDict[UUID, bool] = field(default_factory=OrderedDict)

    def outcome(self, command_id: UUID) -> bool | None:
        """True/False: carried out before (successfully or not); None: never seen."""
        return self._ids.get(command_id)

    def record(self, command_id: UUID, succeeded: bool) -> None:
        """Remember that `command_id` was carried out."""
        self._ids[command_id] = succeeded
        self._ids.move_to_end(command_id)
        while len(self._ids) > self.capacity:
            self._ids.popitem(last=False)


@dataclass
class AttemptLimiter:
    """Too many refused attempts in a short time lock everything out for a while."""

    _failures: deque[int] = field(default_factory=deque)
    locked_until: int = 0
    """Lock time until which every command is refused with TOO_MANY_ATTEMPTS."""

    def blocked(self, now: int) -> bool:
        """Whether the lock refuses attempts now."""
        return now < self.locked_until

    def failed(self, now: int) -> None:
        """Count one refused attempt."""
        self._failures.append(now)
        while self._failures and self._failures[0] <= now - LOCKOUT_WINDOW:
            self._failures.popleft()
        if len(self._failures) >= LOCKOUT_ATTEMPTS:
            self.locked_until = now + LOCKOUT_SECONDS
            self._failures.clear()


@dataclass
class Counter:
    """A number that only goes up (event numbers, list versions)."""

    value: int = 0
    """The current value."""

    def next(self) -> int:
        """Increase by one and return the new value."""
        self.value += 1
        return self.value

    def raise_to(self, value: int) -> bool:
        """Take `value` when it is higher; whether it was."""
        if value <= self.value:
            return False
        self.value = value
        return True
