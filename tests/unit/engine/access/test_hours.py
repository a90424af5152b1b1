"""Access hours in the facility's own time zone, including windows that span midnight."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from engine.access import local_date, within_hours


@pytest.mark.parametrize(
    ("utc_hour", "opens", "closes", "inside"),
    [
        (12, time(6), time(22), True),
        (5, time(6), time(22), False),
        (22, time(6), time(22), False),  # closing time itself is closed
        (6, time(6), time(22), True),
        (23, time(20), time(4), True),  # spans midnight
        (3, time(20), time(4), True),
        (12, time(20), time(4), False),
        (3, time(0), time(0), True),  # equal bounds: around the clock
    ],
)
def test_window_in_utc(utc_hour: int, opens: time, closes: time, inside: bool) -> None:
    now = datetime(2026, 3, 2, utc_hour, tzinfo=UTC)
    assert within_hours(now, "UTC", opens, closes) is inside


def test_hours_and_dates_are_local_to_the_facility() -> None:
    # 04:30 UTC is 21:30 the day before in Denver (UTC-7 in March before DST).
    now = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)
    assert within_hours(now, "America/Denver", time(5), time(23)) is True
    assert within_hours(now, "UTC", time(5), time(23)) is False
    assert local_date(now, "America/Denver").isoformat() == "2026-03-01"
    assert local_date(now, "UTC").isoformat() == "2026-03-02"
