"""Audit entries for what a reconcile round did to codes: created, updated, set, removed,
suspended, restored, failed, and an edit or deletion made outside unitgate. Built from the
round's records before and after, written per facility in the round's last transaction
(one chain extension per facility, however many locks)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.audit import PendingEntry
from engine.codes._apply import Applied
from engine.codes._plan import Create, Delete, Update
from engine.codes._port import AccessCode
from engine.persistence.tables import KeypadCode

__all__ = ["CODE_ACTOR", "CODE_EVENT_KINDS", "Before", "code_entries", "masked"]

CODE_ACTOR = "system:keypad-reconciler"
"""The actor of every entry the reconciler writes."""

CODE_EVENT_KINDS = (
    "keypad_code_created",
    "keypad_code_updated",
    "keypad_code_set",
    "keypad_code_removed",
    "keypad_code_suspended",
    "keypad_code_restored",
    "keypad_code_failed",
    "keypad_code_outside_edit",
)
"""The kinds of entry the reconciler writes (`GET /v1/facilities/{id}/audit?kind=`)."""


@dataclass(frozen=True, slots=True)
class Before:
    """A code's record as the round found it."""

    state: str
    status: str
    access_code_id: str | None
    code: str
    name: str
    flag: str | None


def masked(code: str) -> str:
    """A code with all but its last two digits hidden (`****56`)."""
    return "*" * max(0, len(code) - 2) + code[-2:]


def _time(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def code_entries(
    now: datetime,
    device_id: str,
    before: dict[str, Before],
    after: Iterable[KeypadCode],
    actual: list[AccessCode],
    results: list[Applied],
) -> list[PendingEntry]:
    """The entries of one lock's round (`before`: person → record at the round's start;
    `after`: the records as the round leaves them; `actual`: the lock's codes it read)."""
    rows = {r.person_id: r for r in after}
    on_lock = {a.access_code_id: a for a in actual}
    out: list[PendingEntry] = []

    def entry(kind: str, row: KeypadCode, **extra: Any) -> None:
        payload = {
            "device_id": device_id,
            "person_id": row.person_id,
            "via": row.via,
            "masked": masked(row.code),
            **extra,
        }
        out.append(PendingEntry(now, kind, CODE_ACTOR, f"keypad_code:{row.id}", payload))

    for person, was in before.items():  # what happened on the lock since the last round
        row = rows.get(person)
        if row is None or was.access_code_id is None:
            continue
        seen = on_lock.get(was.access_code_id)
        if seen is None and was.state == "active" and was.status != "removing":
            entry("keypad_code_outside_edit", row, change="deleted", kept=row.flag is not None)
        elif seen is not None and (seen.code, seen.name) != (was.code, was.name):
            entry("keypad_code_outside_edit", row, change="edited", kept=row.flag is not None)
    for applied in results:
        row = rows.get(applied.op.person_id or "")
        if row is None:
            continue
        op = applied.op
        if not applied.ok:
            why = applied.refused or f"not done: {applied.down}"
            action = "create" if isinstance(op, Create) else "update"
            entry(
                "keypad_code_failed",
                row,
                action="delete" if isinstance(op, Delete) else action,
                reason=why,
            )
        elif isinstance(op, Delete):
            entry("keypad_code_removed", row, state=row.state)
        elif isinstance(op, Create | Update):
            kind = "keypad_code_created" if isinstance(op, Create) else "keypad_code_updated"
            entry(kind, row, name=op.name, starts_at=_time(op.starts_at), ends_at=_time(op.ends_at))
    for person, row in rows.items():
        prior = before.get(person)
        if prior is not None and prior.state == "active" and row.state == "suspended":
            entry("keypad_code_suspended", row)
        elif prior is not None and prior.state == "suspended" and row.state == "active":
            entry("keypad_code_restored", row)
        fresh = prior is None or prior.status != "set"
        if row.status == "set" and row.access_code_id and fresh:
            entry("keypad_code_set", row)
    return out
