"""A decision ready to be recorded: its `access_decision` row and its audit entry, bound."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from engine.audit import EntryRow, PendingEntry, RowBinding
from engine.persistence import table_of
from engine.persistence.tables import AccessDecisionRecord

__all__ = ["DECISION_BINDING", "DECISION_KIND", "DecisionRow"]

DECISION_KIND = "access_decision"
"""The kind of a decision's audit entry."""


@dataclass(frozen=True)
class DecisionRow:
    """A decision to record; `audit` is what its chain entry holds besides the row's columns."""

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
    reason_code: str | None = None
    """The denial's `DenialReason` value; None when allowed."""

    def columns(self, audit_seq: int) -> dict[str, Any]:
        """The `access_decision` columns, its entry to be #`audit_seq` of the chain (no
        deep copy of the audit payload, as `asdict` makes)."""
        return {**{name: getattr(self, name) for name in _COLUMNS}, "audit_seq": audit_seq}

    def entry(self, record_id: int) -> PendingEntry:
        """Its audit entry, once its row has the id `record_id`: every column the activity
        feed reads is in it, so verification can compare the row with it."""
        return PendingEntry(
            self.at,
            DECISION_KIND,
            self.actor,
            self.unit_id or self.door_id,
            {
                **self.audit,
                "decision_id": record_id,
                "door_id": self.door_id,
                "unit_id": self.unit_id,
                "person_id": self.person_id,
                "principal_kind": self.principal_kind,
                "channel": self.channel,
                "allowed": self.allowed,
                "rule": self.deciding_rule,
                "reason": self.reason,
                "reason_code": self.reason_code,
                "policy_version": self.policy_version,
                "note": self.note,
            },
        )


_COLUMNS = tuple(f.name for f in fields(DecisionRow) if f.name not in ("actor", "audit"))


def _expected_row(entry: EntryRow, payload: dict[str, Any]) -> dict[str, Any]:
    """The `access_decision` columns `entry` says its row has."""
    request = payload.get("request") or {}
    note = payload.get("note")
    person = entry.actor.removeprefix("person:") if entry.actor.startswith("person:") else None
    return {
        "id": payload.get("decision_id"),
        "facility_id": entry.facility_id,
        "door_id": payload.get("door_id"),
        "unit_id": payload.get("unit_id"),
        # Entries written before rows were bound name the person, the principal and the
        # channel only as the actor and in the request.
        "person_id": payload.get("person_id", person),
        "principal_kind": payload.get("principal_kind", request.get("principal")),
        "channel": payload.get("channel", request.get("channel")),
        "allowed": payload.get("allowed"),
        "deciding_rule": payload.get("rule"),
        "reason": str(payload.get("reason"))[:500],
        # Entries written before denials were classified have none, like their rows.
        "reason_code": payload.get("reason_code"),
        "policy_version": payload.get("policy_version"),
        "note": note[:300] if isinstance(note, str) and note else None,
        "at": entry.at,
    }


DECISION_BINDING = RowBinding(DECISION_KIND, table_of(AccessDecisionRecord), _expected_row)
"""Each `access_decision` row is bound to its `access_decision` entry."""
