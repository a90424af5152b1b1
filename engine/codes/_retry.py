"""When a refused code is tried again (seed 003): 4 more times that day, then once a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["RETRIES_SAME_DAY", "Retry", "after_refusal"]

RETRIES_SAME_DAY = 4
"""Attempts after the first refusal on the day it happened."""
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Retry:
    """A code's retry state after a refusal."""

    failures: int
    failure_day: str
    """The facility's local date of the first refusal in a row (ISO)."""
    next_attempt_at: datetime


def after_refusal(
    now: datetime, timezone: str, failures: int, failure_day: str | None, gap: timedelta
) -> Retry:
    """The retry state after one more refusal (`failures` and `failure_day`: before it).
    Attempts follow `gap` apart while the day of the first refusal lasts and it has had at
    most 1 + `RETRIES_SAME_DAY`; after that, one a day."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date().isoformat()
    day = failure_day if failures > 0 and failure_day is not None else today
    failures = failures + 1 if failures > 0 and failure_day is not None else 1
    soon = now + gap
    same_day = day == today and soon.astimezone(zone).date().isoformat() == today
    if same_day and failures <= RETRIES_SAME_DAY:
        return Retry(failures, day, soon)
    return Retry(failures, day, now + _DAY)
