"""Inputs and outputs of a lifecycle decision: plain values, no persistence."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from engine.domain import EventSource, LifecycleEvent, Permission, UnitState

__all__ = ["EventRequest", "Outcome", "UnitSnapshot"]


@dataclass(frozen=True)
class UnitSnapshot:
    """What the machine needs to know about a unit."""

    unit_id: str
    state: UnitState
    pms_status: UnitState
    emergency_until: datetime | None = None
    """Set while the unit is in an emergency pending_auction: when it ends by itself."""
    access_until: datetime | None = None
    """Set while the unit is in auction: when the winner's or employee's window ends."""


@dataclass(frozen=True)
class EventRequest:
    """An event with who sent it and the details its guards look at."""

    event: LifecycleEvent
    source: EventSource
    actor: str
    now: datetime
    permissions: frozenset[Permission] = field(default_factory=frozenset)
    reason: str | None = None
    expires_at: datetime | None = None
    """Emergency pending auction: when it must end."""
    grantee: str | None = None
    """Auction sale or clean-out: the person who receives access."""
    window_start: datetime | None = None
    window_end: datetime | None = None
    pms_seq: int | None = None
    """The PMS sequence number of a PMS event."""


@dataclass(frozen=True)
class Outcome:
    """What the machine decided for an accepted event."""

    event: LifecycleEvent
    source: EventSource
    from_state: UnitState
    to_state: UnitState
    pms_status: UnitState
    """The unit's PMS status after the event."""
    conflict: str | None = None
    """Set when a PMS event was recorded as a sync conflict instead of being applied."""

    @property
    def changed(self) -> bool:
        """True when the lifecycle state moved."""
        return self.from_state is not self.to_state
