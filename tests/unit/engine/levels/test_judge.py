"""`judge`: an area and a schedule pair up; a unit lock is always in area."""

from __future__ import annotations

from datetime import UTC, datetime, time

from engine.levels import ALWAYS, Level, Schedule, judge

NOON = datetime(2026, 3, 2, 12, tzinfo=UTC)  # a Monday
MORNINGS = Schedule.daily(time(6), time(11))
GATE_MORNINGS = Level("a", "gate mornings", frozenset({"gate"}), MORNINGS)
BUILDING_ALWAYS = Level("b", "building", frozenset({"building"}), ALWAYS)


def test_a_schedule_opens_only_its_own_levels_doors() -> None:
    levels = [GATE_MORNINGS, BUILDING_ALWAYS]
    assert judge(levels, "gate", False, NOON, "UTC") == (False, True)  # gate's level: closed
    assert judge(levels, "building", False, NOON, "UTC") == (True, True)
    assert judge(levels, "elevator", False, NOON, "UTC") == (True, False)  # not in any area


def test_a_unit_lock_is_in_area_and_any_schedule_counts() -> None:
    assert judge([GATE_MORNINGS], "lock", True, NOON, "UTC") == (False, True)
    assert judge([GATE_MORNINGS, BUILDING_ALWAYS], "lock", True, NOON, "UTC") == (True, True)


def test_no_level_opens_nothing_and_the_override_opens_every_hour() -> None:
    assert judge([], "gate", False, NOON, "UTC") == (False, False)
    assert judge([GATE_MORNINGS], "gate", False, NOON, "UTC", around_the_clock=True) == (
        True,
        True,
    )
    every_door = Level("c", "all", None, MORNINGS)
    assert judge([every_door], "anything", False, NOON.replace(hour=7), "UTC") == (True, True)
