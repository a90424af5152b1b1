"""The lifecycle machine: `transitions` executes the declared data; errors are typed."""

from __future__ import annotations

import threading
from datetime import timedelta

from transitions import Machine, MachineError

from engine.domain import EventSource, LifecycleEvent, UnitState
from engine.lifecycle._definition import (
    CONFLICTS,
    EVENT_SOURCE,
    PMS_STATUS_AFTER,
    TRANSITIONS,
)
from engine.lifecycle._errors import TransitionRefused
from engine.lifecycle._requests import EventRequest, Outcome, UnitSnapshot
from engine.lifecycle._subject import Subject

__all__ = ["DEFAULT_EMERGENCY_MAX", "LifecycleMachine", "event_source"]

DEFAULT_EMERGENCY_MAX = timedelta(hours=4)
"""The longest an emergency pending auction may be set for."""


class LifecycleMachine:
    """Decides lifecycle events for units; pure (no I/O), thread-safe, reusable."""

    def __init__(self, emergency_max: timedelta = DEFAULT_EMERGENCY_MAX) -> None:
        self.emergency_max = emergency_max
        self._subject = Subject(emergency_max)
        self._lock = threading.Lock()
        self._machine = Machine(
            model=self._subject,
            states=[s.value for s in UnitState],
            transitions=[
                {
                    "trigger": spec.event.value,
                    "source": [s.value for s in spec.sources],
                    "dest": None if spec.dest is None else spec.dest.value,
                    "conditions": list(spec.guards),
                }
                for spec in TRANSITIONS
            ],
            initial=UnitState.AVAILABLE.value,
            auto_transitions=False,
            send_event=True,
        )

    def decide(self, unit: UnitSnapshot, request: EventRequest) -> Outcome:
        """Return the outcome of `request` on `unit`, or raise `TransitionRefused`."""
        expected = EVENT_SOURCE[request.event]
        if request.source is not expected:
            self._refuse(
                unit,
                request,
                f"`{request.event}` is a {expected} event",
                help=_SOURCE_HELP[expected],
            )
        pms_status = PMS_STATUS_AFTER.get(request.event, unit.pms_status)
        conflict = CONFLICTS.get((unit.state, request.event))
        if conflict is not None:
            return Outcome(
                request.event, request.source, unit.state, unit.state, pms_status, conflict
            )
        with self._lock:
            subject = self._subject
            subject.load(unit, request)
            self._machine.set_state(unit.state.value, model=subject)
            try:
                moved = subject.trigger(request.event.value)  # type: ignore[attr-defined]
            except MachineError:
                moved = False
                refusals = [f"`{request.event}` is not allowed from `{unit.state}`"]
            else:
                refusals = subject.refusals
            to_state = UnitState(subject.state)
        if not moved:
            reason = "; ".join(dict.fromkeys(refusals)) or "no transition matches"
            self._refuse(unit, request, reason)
        return Outcome(request.event, request.source, unit.state, to_state, pms_status)

    @staticmethod
    def _refuse(
        unit: UnitSnapshot, request: EventRequest, reason: str, help: str | None = None
    ) -> None:
        raise TransitionRefused(
            unit_id=unit.unit_id,
            state=unit.state,
            event=request.event,
            source=request.source,
            reason=reason,
            help=help,
        )


_SOURCE_HELP = {
    EventSource.PMS: "tenant, unit and delinquency changes are made in the PMS and synced",
    EventSource.PORTAL: "lien statuses are set by a permitted person in the portal",
    EventSource.SYSTEM: "only the clock ends access windows and emergencies",
}


def event_source(event: LifecycleEvent) -> EventSource:
    """The one source `event` may come from."""
    return EVENT_SOURCE[event]
