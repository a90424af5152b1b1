"""When a code grant's code is on a lock and when it opens (seed 003), pure.

A grant from `starts_at` to `ends_at` opens on the lock from `starts_at - buffer_before` to
`ends_at + buffer_after` (its *window*; a time-bound code, like Seam's). The code is put on
the lock `load_ahead` before the window opens, and deleted `delete_after` (24 h) after the
window closes. A cancellation closes the window at once (the code stops opening) and the
code is deleted `delete_after` later; a grant cancelled before its code was loaded never
reaches a lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["GrantTiming", "Window", "first_window", "lock_window"]


@dataclass(frozen=True)
class GrantTiming:
    """The settings that place a grant's code in time."""

    load_ahead: timedelta = timedelta(days=3)
    """How long before its window a code is put on the lock (a setting: 3 days, 10 minutes)."""
    delete_after: timedelta = timedelta(hours=24)
    """How long after its window closes (end plus buffer, or a cancellation) it is deleted."""


@dataclass(frozen=True, slots=True)
class Window:
    """A code's window on the lock, and when the code is loaded and deleted."""

    starts_at: datetime
    ends_at: datetime
    load_at: datetime
    delete_at: datetime
    cancelled: bool = False

    def on_lock(self, now: datetime) -> bool:
        """The code belongs on the lock at `now` (a cancelled one only where it already is)."""
        return self.load_at <= now < self.delete_at

    def opens(self, now: datetime) -> bool:
        """The code opens the lock at `now`."""
        return self.starts_at <= now < self.ends_at


def lock_window(
    starts_at: datetime,
    ends_at: datetime,
    buffer_before: timedelta,
    buffer_after: timedelta,
    cancelled_at: datetime | None,
    timing: GrantTiming,
) -> Window | None:
    """The grant's window on the lock; None when it never reaches a lock (cancelled before
    its code was due)."""
    start, end = starts_at - buffer_before, ends_at + buffer_after
    load_at = start - timing.load_ahead
    if cancelled_at is None:
        return Window(start, end, load_at, end + timing.delete_after)
    if cancelled_at < load_at:
        return None
    end = min(end, cancelled_at)
    return Window(min(start, end), end, load_at, end + timing.delete_after, cancelled=True)


def first_window(windows: Iterable[Window], now: datetime) -> Window | None:
    """The window one code carries for several grants of a person on a lock: overlapping
    windows joined, then the first that has not closed (else the last to close, whose code
    waits on the lock for its deletion)."""
    merged: list[Window] = []
    for w in sorted(windows, key=lambda w: (w.starts_at, w.ends_at)):
        if merged and w.starts_at <= merged[-1].ends_at:
            last = merged[-1]
            merged[-1] = Window(
                last.starts_at,
                max(last.ends_at, w.ends_at),
                min(last.load_at, w.load_at),
                max(last.delete_at, w.delete_at),
                last.cancelled and w.cancelled,
            )
        else:
            merged.append(w)
    if not merged:
        return None
    return next((w for w in merged if w.ends_at > now), max(merged, key=lambda w: w.ends_at))
