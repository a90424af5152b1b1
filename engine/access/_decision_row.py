"""A decision ready to be recorded: its `access_decision` row and its audit entry."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from engine.audit import PendingEntry

__all__ = ["DecisionRow"]


@dataclass(frozen=True)
class DecisionRow:
    """A decision to record; `audit` is the payload of its chain entry (without its id)."""

    facility_id: str
    door_id: str
    unit_id: str | None
    person_id: str | None
    principal_kind: str
    channel: str
    allowed: bool
    deciding_rule: str | None
    reason: str
    policy_version: str
    note: str | None
    at: datetime
    actor: str
    audit: dict[str, Any]

    def columns(self) -> dict[str, Any]:
        """The `access_decision` columns (no deep copy of the audit payload, as `asdict` makes)."""
        return {name: getattr(self, name) for name in _COLUMNS}

    def entry(self, record_id: int) -> PendingEntry:
        """Its audit entry, once its row has the id `record_id`."""
        return PendingEntry(
            self.at,
            "access_decision",
            self.actor,
            self.unit_id or self.door_id,
            {"decision_id": record_id, **self.audit},
        )


_COLUMNS = tuple(f.name for f in fields(DecisionRow) if f.name not in ("actor", "audit"))
