"""Weekly schedules against a plain reference, across DST gaps and repeats of four zones.

The reference goes the other way round: it enumerates candidate local wall-clock minutes,
turns each (with both folds) into UTC and keeps those that are real and land on the
instant's minute, then asks whether that wall minute is in the set of minutes the day's
windows list. The schedule goes UTC → local with `astimezone`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import InvalidInputError
from engine.levels import WEEKDAYS, Schedule, parse_schedule

ZONES = ("America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Santiago")


def _transitions(name: str) -> list[datetime]:
    """UTC instants (to the minute) where the zone's offset changes in 2025-2027."""
    tz = ZoneInfo(name)
    out = []
    t = datetime(2025, 1, 1, tzinfo=UTC)
    end = datetime(2028, 1, 1, tzinfo=UTC)
    before = t.astimezone(tz).utcoffset()
    while t < end:
        nxt = t + timedelta(hours=1)
        after = nxt.astimezone(tz).utcoffset()
        if after != before:
            m = t
            while m.astimezone(tz).utcoffset() == before:
                m += timedelta(minutes=1)
            out.append(m)
        before, t = after, nxt
    return out


TRANSITIONS = {z: _transitions(z) for z in ZONES}


def test_each_zone_has_its_gaps_and_repeats() -> None:
    assert all(len(TRANSITIONS[z]) >= 6 for z in ZONES)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def windows(draw: st.DrawFn) -> list[dict[str, str]]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        # Bias towards the small hours, where the transitions are.
        opens = draw(st.one_of(st.integers(0, 1439), st.integers(0, 240)))
        closes = draw(st.integers(opens + 1, 1440))
        out.append({"opens": _clock(opens), "closes": _clock(closes)})
    return out


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, object], str, datetime]:
    zone = draw(st.sampled_from(ZONES))
    near = draw(st.booleans())
    if near:
        at = draw(st.sampled_from(TRANSITIONS[zone]))
        at += timedelta(minutes=draw(st.integers(-150, 150)), seconds=draw(st.integers(0, 59)))
    else:
        at = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(
            seconds=draw(st.integers(0, 3 * 365 * 86400))
        )
    weekly = {k: draw(windows()) for k in WEEKDAYS if draw(st.booleans())}
    local_day = at.astimezone(ZoneInfo(zone)).date()
    exceptions = []
    for offset in sorted(draw(st.sets(st.integers(-1, 1), max_size=3))):
        exceptions.append(
            {"date": (local_day + timedelta(days=offset)).isoformat(), "windows": draw(windows())}
        )
    return {"weekly": weekly, "exceptions": exceptions}, zone, at


def _minutes(day_windows: list[dict[str, str]]) -> set[int]:
    out: set[int] = set()
    for w in day_windows:
        h1, m1 = map(int, w["opens"].split(":"))
        h2, m2 = map(int, w["closes"].split(":"))
        out.update(range(h1 * 60 + m1, h2 * 60 + m2))
    return out


def reference(spec: dict[str, object], zone: str, at: datetime) -> bool:
    """Inside iff the instant's local wall minute is among the day's window minutes."""
    tz = ZoneInfo(zone)
    minute = at.replace(second=0, microsecond=0)
    naive = minute.astimezone(UTC).replace(tzinfo=None)
    walls = set()
    for k in range(-64, 65):  # every offset these zones use is a multiple of 15 minutes
        wall = naive + timedelta(minutes=15 * k)
        for fold in (0, 1):
            local = wall.replace(tzinfo=tz, fold=fold)
            real = local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall
            if real and local.astimezone(UTC) == minute:
                walls.add(wall)
    assert len(walls) == 1, walls  # one wall time per instant
    (wall,) = walls
    exceptions = {e["date"]: e["windows"] for e in spec["exceptions"]}  # type: ignore[attr-defined]
    day = exceptions.get(wall.date().isoformat())
    if day is None:
        day = spec["weekly"].get(WEEKDAYS[wall.weekday()], [])  # type: ignore[attr-defined]
    return wall.hour * 60 + wall.minute in _minutes(day)


@settings(max_examples=400, deadline=None)
@given(cases())
def test_a_schedule_decides_like_the_reference(
    case: tuple[dict[str, object], str, datetime],
) -> None:
    spec, zone, at = case
    assert parse_schedule(spec).contains(at, zone) is reference(spec, zone, at)


@settings(max_examples=100, deadline=None)
@given(cases())
def test_a_schedule_survives_its_json_form(case: tuple[dict[str, object], str, datetime]) -> None:
    spec, zone, at = case
    schedule = parse_schedule(spec)
    assert parse_schedule(schedule.as_json()).contains(at, zone) is schedule.contains(at, zone)


NY = "America/New_York"
WEEKDAY_9_TO_17 = {"weekly": {"mon": [{"opens": "09:00", "closes": "17:00"}]}}


def _ny(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(NY), fold=fold)  # type: ignore[misc]


def test_the_closing_minute_is_outside_and_the_one_before_inside() -> None:
    schedule = parse_schedule(WEEKDAY_9_TO_17)
    monday = (2026, 3, 2)
    assert schedule.contains(_ny(*monday, 16, 59, 59), NY) is True
    assert schedule.contains(_ny(*monday, 17, 0, 0), NY) is False
    assert schedule.contains(_ny(*monday, 9, 0, 0), NY) is True
    assert schedule.contains(_ny(*monday, 8, 59, 59), NY) is False


def test_the_minutes_a_gap_skips_are_absent_and_a_repeat_is_inside_twice() -> None:
    # 2026-03-08 02:00 EST -> 03:00 EDT (gap); 2026-11-01 02:00 EDT -> 01:00 EST (repeat).
    spec = {
        "weekly": {
            "sun": [{"opens": "02:00", "closes": "03:00"}, {"opens": "01:00", "closes": "01:30"}]
        }
    }
    schedule = parse_schedule(spec)
    gap_start = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT, just after the gap
    assert schedule.contains(gap_start - timedelta(seconds=1), NY) is False  # 01:59:59 EST
    assert schedule.contains(gap_start, NY) is False  # 03:00 EDT: 02:xx never happened
    first = _ny(2026, 11, 1, 1, 15, fold=0)
    second = _ny(2026, 11, 1, 1, 15, fold=1)
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)
    assert schedule.contains(first, NY) is True
    assert schedule.contains(second, NY) is True


def test_a_holiday_closes_the_day_and_special_hours_replace_it() -> None:
    schedule = parse_schedule(
        {
            "weekly": {k: [{"opens": "06:00", "closes": "22:00"}] for k in WEEKDAYS},
            "exceptions": [
                {"date": "2026-12-25", "windows": []},
                {"date": "2026-12-24", "windows": [{"opens": "06:00", "closes": "12:00"}]},
            ],
        }
    )
    assert schedule.contains(_ny(2026, 12, 25, 10), NY) is False
    assert schedule.contains(_ny(2026, 12, 24, 11, 59), NY) is True
    assert schedule.contains(_ny(2026, 12, 24, 12, 0), NY) is False
    assert schedule.contains(_ny(2026, 12, 26, 12, 0), NY) is True


def test_the_daily_hours_span_midnight_like_before() -> None:
    schedule = Schedule.daily(time(22), time(6))
    assert schedule.contains(datetime(2026, 1, 1, 23, tzinfo=UTC), "UTC") is True
    assert schedule.contains(datetime(2026, 1, 1, 6, tzinfo=UTC), "UTC") is False
    assert Schedule.daily(time(6), time(6)).contains(datetime(2026, 1, 1, tzinfo=UTC), "UTC")


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"weekly": {"mon": [{"opens": "09:00", "closes": "09:00"}]}}, "`weekly.mon[0]`"),
        ({"weekly": {"funday": []}}, "`funday`"),
        ({"weekly": {"mon": [{"opens": "9", "closes": "10:00"}]}}, "`weekly.mon[0].opens`"),
        ({"weekly": {"mon": [{"opens": "24:00", "closes": "24:00"}]}}, "`24:00`"),
        ({"exceptions": [{"date": "2026-02-30", "windows": []}]}, "`exceptions[0].date`"),
        (
            {"exceptions": [{"date": "2026-02-03"}, {"date": "2026-02-03"}]},
            "`2026-02-03` appears twice",
        ),
        ({"hours": []}, "`hours`"),
    ],
)
def test_a_bad_schedule_is_refused_naming_the_field(spec: dict[str, object], words: str) -> None:
    with pytest.raises(InvalidInputError, match=words.replace("[", r"\[").replace("]", r"\]")):
        parse_schedule(spec)


def test_an_unknown_zone_is_refused() -> None:
    schedule = parse_schedule(WEEKDAY_9_TO_17)
    with pytest.raises(InvalidInputError, match="`Mars/Olympus`"):
        schedule.contains(datetime(2026, 1, 1, tzinfo=UTC), "Mars/Olympus")


def test_dates_are_local_dates() -> None:
    """An exception applies to the facility's local date, not the UTC one."""
    schedule = parse_schedule(
        {
            "weekly": {k: [{"opens": "00:00", "closes": "24:00"}] for k in WEEKDAYS},
            "exceptions": [{"date": date(2026, 7, 4).isoformat(), "windows": []}],
        }
    )
    # 2026-07-05 02:00 UTC is still 22:00 on July 4th in New York.
    assert schedule.contains(datetime(2026, 7, 5, 2, tzinfo=UTC), NY) is False
    assert schedule.contains(datetime(2026, 7, 5, 2, tzinfo=UTC), "UTC") is True


def test_open_until_is_the_close_of_the_window_holding_now_across_a_dst_gap() -> None:
    """2026-03-08 in New York: 02:00-03:00 does not exist, so a window from 01:00 to 04:00
    local closes two hours after 01:30 EST (06:30 UTC), at 04:00 EDT (08:00 UTC)."""
    spec = {"weekly": {"sun": [{"opens": "01:00", "closes": "04:00"}]}}
    schedule = parse_schedule(spec)
    zone = "America/New_York"
    inside = datetime(2026, 3, 8, 6, 30, 17, tzinfo=UTC)
    assert schedule.open_until(inside, zone) == datetime(2026, 3, 8, 8, 0, tzinfo=UTC)
    outside = datetime(2026, 3, 8, 9, 0, tzinfo=UTC)
    assert schedule.open_until(outside, zone) == outside
    assert parse_schedule({"always": True}).open_until(inside, zone) is None


def test_open_until_finds_a_close_on_a_second_and_follows_windows_across_midnight() -> None:
    schedule = Schedule.daily(time(22, 0), time(6, 0, 30))  # spans midnight, closes at :30 s
    now = datetime(2026, 5, 4, 23, 0, tzinfo=UTC)
    assert schedule.open_until(now, "UTC") == datetime(2026, 5, 5, 6, 0, 30, tzinfo=UTC)
