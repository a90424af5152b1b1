"""Access levels: areas (sets of entry points) × weekly schedules in the facility's zone."""

from engine.levels._compiled import (
    FacilityLevels,
    Level,
    compiled_levels,
    daily_level,
    judge,
    role_ids_at,
)
from engine.levels._schedule import ALWAYS, WEEKDAYS, Schedule, Window, parse_schedule, zone

__all__ = [
    "ALWAYS",
    "WEEKDAYS",
    "FacilityLevels",
    "Level",
    "Schedule",
    "Window",
    "compiled_levels",
    "daily_level",
    "judge",
    "parse_schedule",
    "role_ids_at",
    "zone",
]
