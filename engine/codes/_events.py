"""Keypad events from the lock service, landed once: a code refused at a keypad becomes a
denied access decision at the lock's door (`invalid_code`, the lock's words as the reason);
a code that opened becomes an allowed one naming the person whose code it was.

Each lock service has a durable cursor, the time of the newest event landed. A fetch asks
for events from that time on (the events of that very instant again: the service's times
need not be unique), and the event ids deduplicate, so overlapping fetches, two processes
and a restart land each event once. The decisions go into the facility's audit chain like
any other, so the activity feed, the alert rules and the metrics see them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from engine.access import DecisionRow, write_decisions
from engine.audit import AuditLog
from engine.clock import Clock
from engine.codes._port import KeypadEvent, LockService
from engine.domain import Channel, DenialReason
from engine.persistence import Database
from engine.persistence.tables import (
    Door,
    KeypadCode,
    KeypadEventCursor,
    KeypadEventRecord,
    KeypadLock,
)

__all__ = ["KEYPAD_POLICY_VERSION", "KeypadEvents", "land_keypad_events"]

log = logging.getLogger("unitgate.codes")

KEYPAD_POLICY_VERSION = "keypad-lock"
"""The `policy_version` of a keypad event's decision: the lock decided, not a policy."""

_PRINCIPALS = {
    "rental": "tenant",
    "share": "shared_user",
    "auction": "auction_winner",
    "code_grant": "code_holder",
}


def _cursor(session: Session, service: str, now: datetime) -> KeypadEventCursor:
    """The service's cursor, locked by this transaction (made when missing)."""
    query = select(KeypadEventCursor).where(KeypadEventCursor.service == service)
    cursor = session.exec(query.with_for_update()).first()
    if cursor is None:
        cursor = KeypadEventCursor(service=service, since=None, updated_at=now)
        session.add(cursor)
        session.flush()
    return cursor


def _whose(session: Session, event: KeypadEvent) -> KeypadCode | None:
    if event.access_code_id is None:
        return None
    return session.exec(
        select(KeypadCode).where(
            KeypadCode.device_id == event.device_id,
            KeypadCode.access_code_id == event.access_code_id,
        )
    ).first()


def _decision(
    event: KeypadEvent, door: Door, code: KeypadCode | None, name: str | None
) -> DecisionRow:
    person = code.person_id if code is not None else None
    principal = _PRINCIPALS.get(code.via.split(":", 1)[0], "unknown") if code else "unknown"
    if event.kind == "unlocked":
        reason = f"the keypad opened for {name or 'a code unitgate does not manage'}"
        reason_code = None
    else:
        reason = f"the keypad refused the code: {event.reason or 'no reason given'}"
        reason_code = DenialReason.INVALID_CODE.value
    return DecisionRow(
        facility_id=door.facility_id,
        door_id=door.id,
        unit_id=door.unit_id,
        person_id=person,
        principal_kind=principal,
        channel=Channel.KEYPAD.value,
        allowed=event.kind == "unlocked",
        deciding_rule=None,
        reason=reason[:500],
        policy_version=KEYPAD_POLICY_VERSION,
        note=None,
        at=event.occurred_at,
        actor=f"person:{person}" if person else f"keypad:{event.device_id}",
        audit={
            "keypad_event": {
                "event_id": event.event_id,
                "device_id": event.device_id,
                "access_code_id": event.access_code_id,
                "lock_reason": event.reason,
            }
        },
        reason_code=reason_code,
    )


def land_keypad_events(
    session: Session,
    audit: AuditLog,
    service: str,
    events: Sequence[KeypadEvent],
    now: datetime,
) -> list[KeypadEventRecord]:
    """Land the events of `service` not landed yet, with their decisions, and move its
    cursor on; the new rows. Run it in one transaction: the cursor row is locked first, so
    two processes landing one service's events take turns."""
    cursor = _cursor(session, service, now)
    ids = [e.event_id for e in events]
    held = set(
        session.exec(
            select(KeypadEventRecord.event_id).where(
                KeypadEventRecord.service == service, col(KeypadEventRecord.event_id).in_(ids)
            )
        ).all()
    ) if ids else set()  # fmt: skip
    fresh: dict[str, KeypadEvent] = {}
    for e in sorted(events, key=lambda e: e.occurred_at):
        if e.event_id not in held:
            fresh.setdefault(e.event_id, e)
    rows: list[KeypadEventRecord] = []
    decisions: dict[str, list[tuple[KeypadEventRecord, DecisionRow]]] = defaultdict(list)
    for event in fresh.values():
        code = _whose(session, event)
        lock = session.get(KeypadLock, event.device_id)
        door = session.get(Door, lock.door_id) if lock and lock.door_id else None
        row = KeypadEventRecord(
            service=service,
            event_id=event.event_id,
            device_id=event.device_id,
            kind=event.kind,
            occurred_at=event.occurred_at,
            access_code_id=event.access_code_id,
            person_id=code.person_id if code else None,
            facility_id=door.facility_id if door else None,
            door_id=door.id if door else None,
            reason=event.reason[:300],
            received_at=now,
        )
        rows.append(row)
        if door is not None:
            decisions[door.facility_id].append(
                (row, _decision(event, door, code, code.name if code else None))
            )
    for facility_id in sorted(decisions):
        pairs = decisions[facility_id]
        made = write_decisions(session.connection(), audit, [d for _, d in pairs])
        for (row, _), decision_id in zip(pairs, made, strict=True):
            row.decision_id = decision_id
    for row in rows:
        session.add(row)
    newest = max((e.occurred_at for e in events), default=None)
    if newest is not None and (cursor.since is None or newest > cursor.since):
        cursor.since = newest
    cursor.updated_at = now
    session.add(cursor)
    return rows


@dataclass
class KeypadEvents:
    """Fetches a lock service's new keypad events and lands them (the keypad duty's part)."""

    db: Database
    service: LockService
    audit: AuditLog
    clock: Clock
    name: str
    """The service's key for its cursor and its events' ids (its base URL)."""

    def since(self) -> datetime | None:
        """The cursor: the time of the newest event landed (None: none yet)."""
        with self.db.read() as s:
            cursor = s.get(KeypadEventCursor, self.name)
            return cursor.since if cursor is not None else None

    def run_once(self) -> list[KeypadEventRecord]:
        """Fetch the events from the cursor on and land the new ones; the rows landed
        (`LockServiceDown` when the service cannot be reached: nothing moved)."""
        events = self.service.list_events(self.since())
        if not events:
            return []
        with self.db.transaction() as s:
            rows = land_keypad_events(s, self.audit, self.name, events, self.clock.now())
        if rows:
            log.info("landed %d keypad events of %s", len(rows), self.name)
        return rows
