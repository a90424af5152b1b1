"""Recording a lock's round: each managed code's state, status and retry schedule, the
numbers that collided, the lock's capacity and health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from engine.codes._apply import Applied
from engine.codes._desired import Entitled
from engine.codes._plan import Create, Delete, LockPlan
from engine.codes._port import AccessCode
from engine.codes._report import LockReport
from engine.codes._retry import after_refusal
from engine.persistence.tables import KeypadCode, KeypadLock, KeypadPin

__all__ = ["record_outcomes"]

_NEW_NUMBER = {"duplicate_code_on_device", "code_constraints_violated"}
_REFERENCE_NAME = {"duplicate_name_on_device", "failed_to_set"}


@dataclass
class _Round:
    s: Session
    lock: KeypadLock
    now: datetime
    timezone: str
    gap: timedelta
    report: LockReport
    again: bool = False

    def avoid(self, person_id: str, code: str) -> None:
        """`code` collided for the person: the next round gives them another number."""
        self.again = True
        if self.lock.facility_id is None:
            return
        pin = self.s.get(KeypadPin, (self.lock.facility_id, person_id))
        if pin is not None and code not in pin.avoid:
            pin.avoid = sorted({*pin.avoid, code})
            self.s.add(pin)


def _wanted(r: _Round, row: KeypadCode, plan: LockPlan, code: str) -> None:
    person = row.person_id
    if person in plan.seen:
        seen = plan.seen[person]
        row.status = seen.status
        if seen.status == "set":
            row.failures, row.failure_day, row.next_attempt_at = 0, None, None
    if person in plan.flags:
        row.flag = plan.flags[person]
    if person in plan.no_space:
        row.last_error = "no space on the lock"
    if person in plan.collisions:
        row.last_error = f"number taken: {plan.collisions[person]}"
        r.avoid(person, code)


def _refused(r: _Round, row: KeypadCode, applied: Applied) -> None:
    reason = applied.refused
    r.report.refused += 1
    row.last_error = f"refused: {reason}"
    if reason == "access_code_not_found":
        row.access_code_id = None
    if reason in _NEW_NUMBER and not isinstance(applied.op, Delete):
        r.avoid(row.person_id, applied.op.code)
    if reason in _REFERENCE_NAME:
        row.name = row.reference
    if reason == "failed_to_set":
        retry = after_refusal(r.now, r.timezone, row.failures, row.failure_day, r.gap)
        row.failures, row.failure_day = retry.failures, retry.failure_day
        row.next_attempt_at = retry.next_attempt_at
    if reason == "no_space_on_device":
        r.lock.full = True


def _outcome(r: _Round, row: KeypadCode, applied: Applied) -> None:
    op = applied.op
    row.updated_at = r.now
    if applied.down is not None:
        row.last_error = f"not done: {applied.down}"
        if isinstance(op, Delete):
            row.last_error = f"failed to remove ({applied.down}): still on the lock"
            r.report.failed_removals += 1
        return
    if applied.refused is not None:
        _refused(r, row, applied)
        return
    if isinstance(op, Delete):
        r.report.deleted += 1
        row.access_code_id, row.status, row.last_error = None, "unset", None
        return
    assert applied.code is not None  # INVARIANT: a create or update returns the code.
    if isinstance(op, Create):
        r.report.created += 1
    else:
        r.report.updated += 1
    row.access_code_id, row.status = applied.code.access_code_id, applied.code.status
    row.code, row.name, row.last_error, row.flag = op.code, op.name, None, None
    row.failures, row.failure_day, row.next_attempt_at = 0, None, None


def record_outcomes(
    s: Session,
    lock: KeypadLock,
    entitled: list[Entitled],
    pins: dict[str, str],
    actual: list[AccessCode],
    plan: LockPlan,
    results: list[Applied],
    clock: tuple[datetime, str, timedelta],
    report: LockReport,
) -> bool:
    """Write what the round found and did on `lock` (`clock`: now, the facility's time zone,
    the retry gap); True when a person needs another number (the next round should follow
    at once); counts go to `report`."""
    now, timezone, gap = clock
    r = _Round(s, lock, now, timezone, gap, report)
    query = select(KeypadCode).where(col(KeypadCode.device_id) == lock.device_id)
    rows = {row.person_id: row for row in s.exec(query)}
    of = {e.person_id: e for e in entitled}
    permitted = {p for p, e in of.items() if e.permitted and p in pins}
    on_lock = {a.access_code_id for a in actual}
    for person, row in rows.items():  # no longer wanted: off the lock, suspended or removed
        if person not in permitted:
            row.state = "suspended" if person in of else "removed"
            if row.access_code_id not in on_lock:
                row.access_code_id, row.status = None, "unset"
    for person in sorted(permitted):
        e = of[person]
        if person not in rows:
            rows[person] = KeypadCode(
                device_id=lock.device_id,
                person_id=person,
                via=e.via,
                reference=e.reference,
                code=pins[person],
                name=e.name,
                created_at=now,
                updated_at=now,
            )
        row = rows[person]
        row.state, row.via = "active", e.via
        _wanted(r, row, plan, pins[person])
    for applied in results:
        found = rows.get(applied.op.person_id or "")
        if found is not None:
            _outcome(r, found, applied)
    for row in rows.values():
        s.add(row)
    report.pending = sum(
        1 for p in permitted if rows[p].status != "set" or rows[p].access_code_id is None
    )
    report.no_space, report.unmanaged = len(plan.no_space), len(plan.unmanaged)
    refused_space = any(a.refused == "no_space_on_device" for a in results)
    lock.full = bool(plan.no_space) or refused_space
    lock.unmanaged_codes = len(plan.unmanaged)
    lock.reconciled_at, lock.online = now, True
    lock.last_error = next((row.last_error for row in rows.values() if row.last_error), None)
    s.add(lock)
    return r.again
