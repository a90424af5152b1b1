"""The unit lifecycle: six states, PMS, portal and clock events, declared as data."""

from engine.lifecycle._definition import (
    CONFLICTS,
    EVENT_SOURCE,
    GUARD_DESCRIPTIONS,
    PMS_STATUS_AFTER,
    TRANSITIONS,
    TransitionSpec,
)
from engine.lifecycle._diagram import mermaid_diagram
from engine.lifecycle._errors import TransitionRefused
from engine.lifecycle._machine import DEFAULT_EMERGENCY_MAX, LifecycleMachine, event_source
from engine.lifecycle._requests import EventRequest, Outcome, UnitSnapshot
from engine.lifecycle._table import TableRow, declared_rows, markdown_table

__all__ = [
    "CONFLICTS",
    "DEFAULT_EMERGENCY_MAX",
    "EVENT_SOURCE",
    "GUARD_DESCRIPTIONS",
    "PMS_STATUS_AFTER",
    "TRANSITIONS",
    "EventRequest",
    "LifecycleMachine",
    "Outcome",
    "TableRow",
    "TransitionRefused",
    "TransitionSpec",
    "UnitSnapshot",
    "declared_rows",
    "event_source",
    "markdown_table",
    "mermaid_diagram",
]
