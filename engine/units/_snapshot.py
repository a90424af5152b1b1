"""Rows to machine inputs, and the state a decision should see right now."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from engine.domain import LifecycleEvent, UnitState
from engine.lifecycle import UnitSnapshot

__all__ = ["LienFields", "UnitFacts", "effective_state", "expiry_due", "snapshot"]


class LienFields(Protocol):
    """What `effective_state` reads: `Unit` rows and the access path's plain rows alike."""

    @property
    def state(self) -> str: ...
    @property
    def pms_status(self) -> str: ...
    @property
    def emergency_until(self) -> datetime | None: ...
    @property
    def access_until(self) -> datetime | None: ...


class UnitFacts(LienFields, Protocol):
    """What `snapshot` reads: `Unit` rows and the PMS batch's working copies alike."""

    @property
    def id(self) -> str: ...


def snapshot(unit: UnitFacts) -> UnitSnapshot:
    """The machine's view of a stored unit."""
    return UnitSnapshot(
        unit_id=unit.id,
        state=UnitState(unit.state),
        pms_status=UnitState(unit.pms_status),
        emergency_until=unit.emergency_until,
        access_until=unit.access_until,
    )


def expiry_due(unit: LienFields, now: datetime) -> LifecycleEvent | None:
    """The system event that records the end of the unit's lien at `now`, if its stated end
    has come (`emergency_expired`, `access_expired`); None when nothing is due."""
    state = UnitState(unit.state)
    if (
        state is UnitState.PENDING_AUCTION
        and unit.emergency_until is not None
        and unit.emergency_until <= now
    ):
        return LifecycleEvent.EMERGENCY_EXPIRED
    if state is UnitState.AUCTION and unit.access_until is not None and unit.access_until <= now:
        return LifecycleEvent.ACCESS_EXPIRED
    return None


def effective_state(unit: LienFields, now: datetime) -> UnitState:
    """The state access decisions use at `now`.

    A lien that reached its stated end is over at that instant even before its expiry is
    recorded (invariant 13): an emergency returns to the PMS status, an auction window back
    to pending_auction. Reads and actions that meet such a unit record the expiry first
    (`expire_if_due`), and the expiry duty records it within its poll interval.
    """
    due = expiry_due(unit, now)
    if due is LifecycleEvent.EMERGENCY_EXPIRED:
        return UnitState(unit.pms_status)
    if due is LifecycleEvent.ACCESS_EXPIRED:
        return UnitState.PENDING_AUCTION
    return UnitState(unit.state)
