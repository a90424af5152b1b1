"""The operator's keypad alarms, by email through the outbox, one per incident (not one
per round): `keypad_lock_full` (a lock at capacity with codes waiting) and
`keypad_code_not_removed` (a code, or a person's backup code, still on a lock after it had
to leave: a security alarm). An incident closes when its condition ends; the same
condition later is a new incident, told again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from engine.codes._operators import notify_operators
from engine.codes._rules import model_named
from engine.notify import MessageKind
from engine.persistence import Database
from engine.persistence.tables import (
    Door,
    KeypadAlarm,
    KeypadBackup,
    KeypadCode,
    KeypadLock,
    Person,
)

__all__ = ["CODE_NOT_REMOVED", "LOCK_FULL", "raise_alarms"]

LOCK_FULL = "lock_full"
CODE_NOT_REMOVED = "code_not_removed"


@dataclass(frozen=True)
class _Condition:
    facility_id: str
    device_id: str
    kind: str
    subject: str
    detail: str
    payload: dict[str, object]


def _not_removed(code: KeypadCode) -> bool:
    error = code.last_error or ""
    stuck = error.startswith("failed to remove") or error.startswith("refused:")
    return code.state != "active" and code.access_code_id is not None and stuck


def _conditions(s: Session) -> list[_Condition]:
    locks = {k.device_id: k for k in s.exec(select(KeypadLock)) if k.facility_id is not None}
    doors = {
        d.id: d.name
        for d in s.exec(
            select(Door).where(col(Door.id).in_([k.door_id for k in locks.values() if k.door_id]))
        )
    }
    out: list[_Condition] = []

    def where(lock: KeypadLock) -> dict[str, object]:
        return {
            "device_id": lock.device_id,
            "door_name": doors.get(lock.door_id or "", lock.device_id),
        }

    waiting: dict[str, int] = {}
    codes = s.exec(select(KeypadCode).where(col(KeypadCode.device_id).in_(list(locks)))).all()
    for c in codes:
        if c.state == "active" and c.access_code_id is None:
            waiting[c.device_id] = waiting.get(c.device_id, 0) + 1
    for lock in locks.values():
        if lock.full:
            assert lock.facility_id is not None  # INVARIANT: filtered above.
            payload = {
                **where(lock),
                "waiting": waiting.get(lock.device_id, 0),
                "capacity": model_named(lock.model).max_codes,
                "unmanaged": lock.unmanaged_codes,
            }
            out.append(_Condition(lock.facility_id, lock.device_id, LOCK_FULL, "", "full", payload))
    names = {
        p.id: p.name
        for p in s.exec(select(Person).where(col(Person.id).in_({c.person_id for c in codes})))
    }
    stuck = [(c.id, c.device_id, c.person_id, c.last_error or "") for c in codes if _not_removed(c)]
    retiring = s.exec(
        select(KeypadBackup).where(
            col(KeypadBackup.state) == "retiring", col(KeypadBackup.person_id).is_not(None)
        )
    ).all()
    stuck += [
        (b.id, b.device_id, b.person_id or "", f"backup code: {b.last_error or ''}")
        for b in retiring
    ]
    for subject, device, person, error in stuck:
        at = locks.get(device)
        if at is None or at.facility_id is None:
            continue
        if person not in names:
            found = s.get(Person, person)
            names[person] = found.name if found is not None else person
        payload = {**where(at), "person_name": names[person], "detail": error}
        out.append(
            _Condition(at.facility_id, device, CODE_NOT_REMOVED, subject, error[:300], payload)
        )
    return out


_KINDS = {
    LOCK_FULL: MessageKind.KEYPAD_LOCK_FULL,
    CODE_NOT_REMOVED: MessageKind.KEYPAD_CODE_NOT_REMOVED,
}


def raise_alarms(db: Database, now: datetime) -> list[KeypadAlarm]:
    """Open an incident (and email the operators) for each alarm condition not already
    open, close those whose condition ended; the incidents opened now."""
    opened: list[KeypadAlarm] = []
    with db.transaction() as s:
        current = {(c.device_id, c.kind, c.subject): c for c in _conditions(s)}
        open_rows = s.exec(select(KeypadAlarm).where(col(KeypadAlarm.closed_at).is_(None))).all()
        known = {(a.device_id, a.kind, a.subject) for a in open_rows}
        for a in open_rows:
            if (a.device_id, a.kind, a.subject) not in current:
                a.closed_at = now
                s.add(a)
        for key, c in sorted(current.items()):
            if key in known:
                continue
            alarm = KeypadAlarm(
                facility_id=c.facility_id,
                device_id=c.device_id,
                kind=c.kind,
                subject=c.subject,
                detail=c.detail,
                opened_at=now,
            )
            s.add(alarm)
            s.flush()
            payload = {**c.payload, "since": f"{now:%Y-%m-%d %H:%M} UTC"}
            notify_operators(
                s, c.facility_id, _KINDS[c.kind], f"keypad_alarm/{alarm.id}", payload, now
            )
            opened.append(alarm)
    return opened
