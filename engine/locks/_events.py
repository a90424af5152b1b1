"""A lock's own event log, uploaded later: each event lands once, by the lock's counter, in
`lock_event` and in the facility's audit chain (the row bound to its entry)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from engine.audit import AuditLog, EntryRow, PendingEntry, RowBinding
from engine.locks._port import LockEvent
from engine.locks._refusals import refusal_reason
from engine.persistence import notify_alerts, table_of
from engine.persistence.tables import Door, LockAction, LockDevice, LockEventRecord, Person

__all__ = ["LOCK_EVENT_BINDING", "LOCK_EVENT_KIND", "land_events"]

LOCK_EVENT_KIND = "lock_event"
"""The kind of an uploaded lock event's audit entry."""


def _person_of(session: Session, event: LockEvent) -> tuple[str | None, str | None]:
    """Whose command or key it was, and the remote action it came from."""
    subject = str(event.subject)
    action = session.exec(select(LockAction).where(LockAction.command_id == subject)).first()
    if action is not None:
        actor = action.requested_by
        return (actor.removeprefix("person:") if actor.startswith("person:") else None), action.id
    if event.key_id and session.get(Person, subject) is not None:
        return subject, None
    return None, None


def land_events(
    session: Session,
    audit: AuditLog,
    lock: LockDevice,
    events: Sequence[LockEvent],
    *,
    via: str,
    now: datetime,
) -> list[LockEventRecord]:
    """Record the events of `lock` it has not recorded yet, with their audit entries, and move
    `lock.log_counter` on; the new rows. `lock` is locked by the caller's transaction.

    An event already held (by counter) is skipped: uploads overlap, and two uploads of the
    same events give one row and one entry each.
    """
    fresh = [e for e in events if e.counter > lock.log_counter]
    if fresh:
        held = set(
            session.exec(
                select(LockEventRecord.counter).where(
                    LockEventRecord.lock_id == lock.id,
                    col(LockEventRecord.counter).in_([e.counter for e in fresh]),
                )
            ).all()
        )
        fresh = [e for e in fresh if e.counter not in held]
    if not fresh:
        lock.log_counter = max([lock.log_counter, *(e.counter for e in events)])
        session.add(lock)
        return []
    door = session.exec(
        select(Door).where(
            Door.facility_id == lock.facility_id,
            Door.lock_ref == lock.id,
            col(Door.removed_at).is_(None),
        )
    ).first()
    tip = audit.tip(session, lock.facility_id)
    rows: list[LockEventRecord] = []
    entries: list[PendingEntry] = []
    for n, event in enumerate(sorted(fresh, key=lambda e: e.counter), start=1):
        person_id, action_id = _person_of(session, event)
        detail: dict[str, object] = {
            "door_id": door.id if door else None,
            "unit_id": door.unit_id if door else None,
            "code": event.code,
            "key_id": event.key_id,
            "subject": str(event.subject),
            "action_id": action_id,
        }
        if event.kind == "refused":
            reason = refusal_reason(event.code, event.key_id)
            detail["reason_code"] = reason.value if reason is not None else None
        row = LockEventRecord(
            facility_id=lock.facility_id,
            lock_id=lock.id,
            counter=event.counter,
            kind=event.kind,
            at=event.at,
            person_id=person_id,
            detail=detail,
            received_at=now,
            via=via,
            audit_seq=tip.seq + n,
        )
        session.add(row)
        session.flush()
        rows.append(row)
        entries.append(
            PendingEntry(
                now,
                LOCK_EVENT_KIND,
                f"lock:{lock.id}",
                (door.unit_id or door.id) if door else lock.id,
                {
                    **detail,
                    "record_id": row.id,
                    "lock_id": lock.id,
                    "counter": event.counter,
                    "event": event.kind,
                    "lock_time": event.at.isoformat(),
                    "person_id": person_id,
                    "via": via,
                },
            )
        )
    audit.extend(session, tip, entries)
    lock.log_counter = max([lock.log_counter, *(e.counter for e in events)])
    session.add(lock)
    notify_alerts(session.connection(), lock.facility_id)  # other processes' alert duties
    return rows


def _expected_row(entry: EntryRow, payload: dict[str, Any]) -> dict[str, Any]:
    """The `lock_event` columns `entry` says its row has."""
    return {
        "id": payload.get("record_id"),
        "facility_id": entry.facility_id,
        "lock_id": payload.get("lock_id"),
        "counter": payload.get("counter"),
        "kind": payload.get("event"),
        "person_id": payload.get("person_id"),
        "via": payload.get("via"),
    }


LOCK_EVENT_BINDING = RowBinding(LOCK_EVENT_KIND, table_of(LockEventRecord), _expected_row)
"""Each `lock_event` row is bound to its `lock_event` entry."""
