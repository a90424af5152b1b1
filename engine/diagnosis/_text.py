"""Small helpers the checks share: times as evidence, and the bound the seed gives for sync."""

from __future__ import annotations

from datetime import datetime, timedelta

__all__ = ["SYNC_BOUND", "ago", "iso"]

SYNC_BOUND = timedelta(minutes=5)
"""Seed 000 step 2: a rental processed in the PMS shows within 1-5 minutes. A PMS event
waiting longer, or a PMS poll older than this, is a sync that lags; so is a message still
queued after it."""


def iso(value: datetime | None) -> str | None:
    """A time as evidence (ISO 8601, UTC), or None."""
    return value.isoformat() if value is not None else None


def ago(now: datetime, then: datetime) -> str:
    """`then` relative to `now`, for people: `3 min ago`, `2 h ago`, `4 days ago`."""
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    if seconds < 172800:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"
