"""Access hours and lease dates in a facility's own time zone."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo

__all__ = ["local_date", "within_hours"]


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def within_hours(now: datetime, timezone: str, opens: time, closes: time) -> bool:
    """Whether `now` falls in the daily window [opens, closes) of the facility's zone.

    Equal bounds mean open around the clock; `closes` before `opens` spans midnight.
    """
    if opens == closes:
        return True
    local = now.astimezone(_zone(timezone)).time()
    if opens < closes:
        return opens <= local < closes
    return local >= opens or local < closes


def local_date(now: datetime, timezone: str) -> date:
    """The calendar date at the facility when it is `now` (lease starts are local dates)."""
    return now.astimezone(_zone(timezone)).date()
