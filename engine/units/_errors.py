"""Errors of the unit services."""

from __future__ import annotations

from engine.errors import ConflictError, NotFoundError

__all__ = ["ConcurrentUpdate", "UnitNotFound"]


class UnitNotFound(NotFoundError):
    """No unit with this id (in the caller's scope)."""

    def __init__(self, unit_id: str) -> None:
        super().__init__(f"no unit `{unit_id}`")
        self.unit_id = unit_id


class ConcurrentUpdate(ConflictError):
    """Another change to the unit committed first; this one was not applied."""

    def __init__(self, unit_id: str, version: int, event: str) -> None:
        super().__init__(
            f"unit `{unit_id}` changed while `{event}` was being applied "
            f"(version {version} is no longer current)",
            help="read the unit again and retry if the event still applies",
        )
        self.unit_id = unit_id
        self.version = version
        self.event = event
