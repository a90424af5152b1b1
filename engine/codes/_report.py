"""What a reconcile round did, per lock."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["LockReport", "RoundReport"]


@dataclass
class LockReport:
    """What one round did on one lock."""

    device_id: str
    created: int = 0
    updated: int = 0
    deleted: int = 0
    refused: int = 0
    down: str | None = None
    """Why the lock could not be reached (nothing done there)."""
    no_space: int = 0
    unmanaged: int = 0
    pending: int = 0
    """Wanted codes not set yet (setting, waiting for a retry, refused, no space)."""
    failed_removals: int = 0
    """Codes that had to leave the lock and did not (an alarm: someone keeps access)."""


@dataclass
class RoundReport:
    """A reconcile round: per lock, and whether another round should follow at once."""

    locks: list[LockReport] = field(default_factory=list)
    again: bool = False
    """Some person needs another number (a collision): the next round places it."""
    seconds: float = 0.0
    """How long the round took."""

    def total(self, what: str) -> int:
        """The sum of one count (`created`, `deleted`, `pending`, ...) over the locks."""
        return sum(int(getattr(r, what)) for r in self.locks)
