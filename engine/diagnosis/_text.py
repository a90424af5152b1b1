"""Small helpers the checks share: times as evidence, and the bound the seed gives for sync."""

from __future__ import annotations

from datetime import datetime, timedelta

__all__ = ["SYNC_BOUND", "ago", "iso", "resend", "sentence", "sync_lag"]

SYNC_BOUND = timedelta(minutes=5)
"""Seed 000 step 2: a rental processed in the PMS shows within 1-5 minutes. A PMS event
waiting longer, or a PMS poll older than this, is a sync that lags; so is a message still
queued after it."""


def resend(unit_id: str | None) -> str:
    """How a manager sends the tenant a new code."""
    if unit_id is None:
        return "resend the activation"
    return f"resend the activation (`POST /v1/units/{unit_id}/activation/resend`)"


def sentence(text: str) -> str:
    """`text` as a sentence: its first letter upper case, a full stop at its end."""
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


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


def sync_lag(
    now: datetime,
    *,
    linked: bool,
    last_poll_at: datetime | None,
    oldest_pending_at: datetime | None,
) -> str | None:
    """Why a facility's PMS sync lags (None: it keeps up): an event received more than
    `SYNC_BOUND` ago is still pending, or a PMS-linked facility that a worker polls was last
    polled longer ago than that (a facility fed only by webhooks or exports has no polls)."""
    if oldest_pending_at is not None and now - oldest_pending_at > SYNC_BOUND:
        return f"an event received {ago(now, oldest_pending_at)} is not applied yet"
    if linked and last_poll_at is not None and now - last_poll_at > SYNC_BOUND:
        return f"the PMS was last polled {ago(now, last_poll_at)}"
    return None
