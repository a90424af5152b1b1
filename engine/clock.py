"""Injected time. Domain code asks a `Clock`; it never calls `datetime.now()` itself."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock", "utc"]


def utc(value: datetime) -> datetime:
    """Return `value` as an aware UTC datetime (naive values are taken to be UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class Clock(Protocol):
    """A source of the current time (always timezone-aware UTC)."""

    def now(self) -> datetime:
        """The current instant."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        """The current instant from the operating system."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to: for tests and simulations."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = utc(start or datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The instant this clock was last set or advanced to."""
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` (never backwards) and return the new instant."""
        if delta < timedelta(0):
            raise ValueError(f"a clock cannot move backwards (advance by {delta})")
        with self._lock:
            self._now += delta
            return self._now

    def set(self, instant: datetime) -> None:
        """Jump to `instant`, which must not be earlier than now."""
        instant = utc(instant)
        with self._lock:
            if instant < self._now:
                raise ValueError(f"a clock cannot move backwards (to {instant.isoformat()})")
            self._now = instant
