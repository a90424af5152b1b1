"""Typed lifecycle errors: each names the unit, its state, the event and its source."""

from __future__ import annotations

from engine.domain import EventSource, LifecycleEvent, UnitState
from engine.errors import RefusedError

__all__ = ["TransitionRefused"]


class TransitionRefused(RefusedError):
    """An event is not allowed for a unit in its current state; nothing changed."""

    title = "transition refused"

    def __init__(
        self,
        *,
        unit_id: str,
        state: UnitState,
        event: LifecycleEvent,
        source: EventSource,
        reason: str,
        help: str | None = None,
    ) -> None:
        super().__init__(
            f"unit `{unit_id}` in state `{state}` refuses `{event}` from {source}: {reason}",
            help=help,
        )
        self.unit_id = unit_id
        self.state = state
        self.event = event
        self.source = source
        self.reason = reason
