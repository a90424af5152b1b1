"""Injected time for the lock library (the same shape as `engine.clock.Clock`).

`hardware` imports nothing of `engine`, so it declares the clock it needs; the engine's
clocks satisfy it structurally.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

__all__ = ["Clock", "SystemClock", "unix_seconds"]


class Clock(Protocol):
    """A source of the current time (timezone-aware UTC)."""

    def now(self) -> datetime:
        """The current instant."""
        ...


class SystemClock:
    """The wall clock (for processes: the simulator and gateway commands)."""

    def now(self) -> datetime:
        """The current instant from the operating system."""
        return datetime.now(UTC)


def unix_seconds(instant: datetime) -> int:
    """Whole seconds since 1970 (UTC) of `instant`, as the protocol's u32 times carry."""
    return int(instant.timestamp())
