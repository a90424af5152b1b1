"""Weekly schedules: windows of local wall-clock time per weekday, with dated exceptions.

A window is local wall-clock time in the facility's zone, `[opens, closes)` to the minute.
Across a daylight-saving gap the minutes that do not exist are simply absent (nothing is
ever inside them); across a repeat both occurrences of a wall time are inside when the
wall time is. An exception replaces the weekday's windows on one local date: no windows is
closed all day (a holiday), others are that day's special hours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.errors import InvalidInputError

__all__ = ["ALWAYS", "WEEKDAYS", "Schedule", "Window", "parse_schedule", "zone"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday keys of a schedule, in `date.weekday()` order."""

_DAY = 24 * 3600
_MAX_WINDOWS = 24
_MAX_EXCEPTIONS = 400

Window = tuple[int, int]
"""`[opens, closes)` in seconds after local midnight (`closes` ≤ 86400)."""


@cache
def zone(name: str) -> ZoneInfo:
    """The IANA zone `name` (cached)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInputError(f"unknown time zone `{name}`") from exc


@dataclass(frozen=True)
class Schedule:
    """Windows per weekday (Monday first) and per exceptional local date."""

    weekly: tuple[tuple[Window, ...], ...]
    exceptions: Mapping[date, tuple[Window, ...]] = field(default_factory=dict)
    always: bool = False
    """Open around the clock (no windows are looked at)."""

    def contains(self, now: datetime, timezone: str) -> bool:
        """Whether the instant `now` is inside a window, in the wall-clock time of `timezone`."""
        if self.always:
            return True
        local = now.astimezone(zone(timezone))
        windows = self.exceptions.get(local.date())
        if windows is None:
            windows = self.weekly[local.weekday()]
        second = local.hour * 3600 + local.minute * 60 + local.second
        for opens, closes in windows:  # noqa: SIM110 (a loop: the access hot path)
            if opens <= second < closes:
                return True
        return False

    def open_until(
        self, now: datetime, timezone: str, horizon: timedelta = timedelta(days=8)
    ) -> datetime | None:
        """When the window holding `now` closes (`now` itself when outside every window);
        None when open around the clock or for longer than `horizon`.

        Steps over UTC instants a minute at a time, then a second at a time inside the last
        minute (windows are whole seconds), so DST gaps and repeats fall out of `contains`.
        """
        if self.always:
            return None
        if not self.contains(now, timezone):
            return now
        step = timedelta(minutes=1)
        at, last = now.replace(second=0, microsecond=0) + step, now + horizon
        while at < last:
            if not self.contains(at, timezone):
                second = max(now, at - step)
                while self.contains(second, timezone):
                    second = second.replace(microsecond=0) + timedelta(seconds=1)
                return second
            at += step
        return None

    @classmethod
    def daily(cls, opens: time, closes: time) -> Schedule:
        """The same window every day; equal bounds: around the clock; `closes` before
        `opens` spans midnight (the facility's and access groups' hours)."""
        o, c = _seconds(opens), _seconds(closes)
        if o == c:
            return ALWAYS
        day: tuple[Window, ...] = ((o, c),) if o < c else ((0, c), (o, _DAY))
        return cls((day,) * 7)

    def as_json(self) -> dict[str, Any]:
        """The schedule in the form `parse_schedule` reads."""
        if self.always:
            return {"always": True}
        return {
            "weekly": {
                key: [_window_json(w) for w in day]
                for key, day in zip(WEEKDAYS, self.weekly, strict=True)
                if day
            },
            "exceptions": [
                {"date": d.isoformat(), "windows": [_window_json(w) for w in ws]}
                for d, ws in sorted(self.exceptions.items())
            ],
        }


ALWAYS = Schedule(((),) * 7, always=True)
"""Around the clock."""


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _window_json(w: Window) -> dict[str, str]:
    return {"opens": _clock(w[0]), "closes": _clock(w[1])}


def _minute(value: Any, where: str, *, end: bool) -> int:
    text = value if isinstance(value, str) else None
    parts = text.split(":") if text is not None else []
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise InvalidInputError(f"`{where}`: `{value}` is not a time", help="write HH:MM")
    hour, minute = int(parts[0]), int(parts[1])
    if (hour, minute) == (24, 0) and end:
        return _DAY
    if hour > 23 or minute > 59:
        hint = "00:00 to 24:00" if end else "00:00 to 23:59"
        raise InvalidInputError(f"`{where}`: `{value}` is not a time of day", help=hint)
    return hour * 3600 + minute * 60


def _windows(raw: Any, where: str) -> tuple[Window, ...]:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise InvalidInputError(f"`{where}` is a list of windows")
    if len(raw) > _MAX_WINDOWS:
        raise InvalidInputError(f"`{where}`: more than {_MAX_WINDOWS} windows")
    out = []
    for i, item in enumerate(raw):
        here = f"{where}[{i}]"
        if not isinstance(item, Mapping) or set(item) != {"opens", "closes"}:
            raise InvalidInputError(f"`{here}` needs `opens` and `closes` (HH:MM) only")
        opens = _minute(item["opens"], f"{here}.opens", end=False)
        closes = _minute(item["closes"], f"{here}.closes", end=True)
        if closes <= opens:
            raise InvalidInputError(
                f"`{here}`: closes at or before it opens",
                help="a window ends the day it starts; split one over midnight in two",
            )
        out.append((opens, closes))
    return tuple(sorted(out))


def parse_schedule(raw: Any) -> Schedule:
    """A schedule from its JSON form; errors name the field.

    `{"always": true}`, or `{"weekly": {"mon": [{"opens": "08:00", "closes": "12:00"},
    ...], ...}, "exceptions": [{"date": "2026-12-25", "windows": []}, ...]}`; a weekday
    left out is closed.
    """
    if not isinstance(raw, Mapping):
        raise InvalidInputError("a schedule is an object with `weekly` and `exceptions`")
    if raw.get("always") is True and set(raw) == {"always"}:
        return ALWAYS
    unknown = set(raw) - {"weekly", "exceptions"}
    if unknown:
        raise InvalidInputError(f"unknown schedule field `{sorted(unknown)[0]}`")
    weekly_raw = raw.get("weekly", {})
    if not isinstance(weekly_raw, Mapping):
        raise InvalidInputError("`weekly` maps weekdays (mon … sun) to windows")
    bad = set(weekly_raw) - set(WEEKDAYS)
    if bad:
        raise InvalidInputError(f"`weekly`: unknown weekday `{sorted(bad)[0]}`", help="mon … sun")
    weekly = tuple(_windows(weekly_raw.get(k, []), f"weekly.{k}") for k in WEEKDAYS)
    exceptions_raw = raw.get("exceptions", [])
    if not isinstance(exceptions_raw, Sequence) or isinstance(exceptions_raw, str):
        raise InvalidInputError("`exceptions` is a list of `{date, windows}`")
    if len(exceptions_raw) > _MAX_EXCEPTIONS:
        raise InvalidInputError(f"`exceptions`: more than {_MAX_EXCEPTIONS} dates")
    exceptions: dict[date, tuple[Window, ...]] = {}
    for i, item in enumerate(exceptions_raw):
        here = f"exceptions[{i}]"
        if not isinstance(item, Mapping) or not set(item) <= {"date", "windows"}:
            raise InvalidInputError(f"`{here}` needs `date` and `windows` only")
        try:
            day = date.fromisoformat(str(item.get("date")))
        except ValueError as exc:
            raise InvalidInputError(f"`{here}.date`: `{item.get('date')}` is not a date") from exc
        if day in exceptions:
            raise InvalidInputError(f"`{here}.date`: `{day}` appears twice")
        exceptions[day] = _windows(item.get("windows", []), f"{here}.windows")
    return Schedule(weekly, exceptions)
