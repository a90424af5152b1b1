"""What each rule sees in one decision or lock event: detections, before deduplication.

A detection is evaluated in the transaction that holds the facility's cursor, so the
windows it counts over (earlier denials, an unlock before a door opened) are read as they
stand at that event's place in the audit chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from engine.alerts._model import (
    AlertRule,
    DelinquentAttempt,
    DoorForced,
    DoorHeldOpen,
    RepeatedDenials,
)
from engine.alerts._rules import AlertRules
from engine.persistence.tables import AccessDecisionRecord, LockEventRecord

__all__ = ["DOOR_KINDS", "Detection", "held_open", "in_decision", "in_lock_event"]

DOOR_KINDS = ("door_opened", "door_closed")
_UNLOCKS = ("unlocked", "offline_unlocked")
_LOCK_RULES = {"tamper": "lock_tampered", "jammed": "lock_jammed", "battery_low": "battery_low"}
_LOCK_TEXT = {
    "tamper": "the tamper switch of lock `{}` tripped",
    "jammed": "the motor of lock `{}` is blocked",
    "battery_low": "the battery of lock `{}` is low",
}


@dataclass(frozen=True)
class Detection:
    """One rule matched: what it is about and when."""

    rule: AlertRule
    subject: str
    """`person:<id>`, `door:<id>` or `lock:<id>`: repeats of one subject are one incident."""
    at: datetime
    summary: str
    person_id: str | None = None
    door_id: str | None = None
    lock_id: str | None = None
    incident: str | None = None
    """The event that is the incident (a door's opening): detected twice, it is one alert."""
    detail: dict[str, object] = field(default_factory=dict)


def in_decision(
    s: Session,
    rules: AlertRules,
    d: AccessDecisionRecord,
    is_open: Callable[[str, str], bool],
) -> list[Detection]:
    """What the rules see in decision `d`; a denial of a subject with an unresolved
    repeated-denials alert is a repeat of it (no window counted)."""
    if d.allowed:
        return []
    out: list[Detection] = []
    base: dict[str, object] = {"decision_id": d.id, "unit_id": d.unit_id, "reason": d.reason}
    for rule in rules.of("repeated_denials"):
        assert isinstance(rule, RepeatedDenials)
        if rule.per == "person" and d.person_id is None:
            continue
        if rule.per == "person":
            subject, what = f"person:{d.person_id}", "person"
        else:
            subject, what = f"door:{d.door_id}", "door"
        if is_open(rule.name, subject) or _denials(s, rule, d) >= rule.count:
            summary = f"{rule.count} or more denials of one {what} within {rule.minutes} min"
            detail = {**base, "reason_code": d.reason_code}
            out.append(
                Detection(rule, subject, d.at, summary, d.person_id, d.door_id, None, None, detail)
            )
    for rule in rules.of("delinquent_attempt"):
        assert isinstance(rule, DelinquentAttempt)
        if d.reason_code in rule.reasons:
            subject = f"person:{d.person_id}" if d.person_id else f"door:{d.door_id}"
            summary = f"a delinquent tenant tried a door ({d.reason_code})"
            detail = {**base, "reason_code": d.reason_code}
            out.append(
                Detection(rule, subject, d.at, summary, d.person_id, d.door_id, None, None, detail)
            )
    return out


def _denials(s: Session, rule: RepeatedDenials, d: AccessDecisionRecord) -> int:
    """Denials of the rule's subject in the window ending at `d` (itself included)."""
    a = AccessDecisionRecord
    same = a.person_id == d.person_id if rule.per == "person" else a.door_id == d.door_id
    query = select(func.count()).where(
        a.facility_id == d.facility_id,
        same,
        col(a.allowed).is_(False),
        a.at >= d.at - timedelta(minutes=rule.minutes),
        a.at <= d.at,
        col(a.audit_seq) <= (d.audit_seq or 0),
    )
    return int(s.exec(query).one())


def in_lock_event(s: Session, rules: AlertRules, e: LockEventRecord) -> list[Detection]:
    """What the rules see in lock event `e`."""
    door_id = e.detail.get("door_id")
    door = door_id if isinstance(door_id, str) else None
    base: dict[str, object] = {"lock_event_id": e.id, "counter": e.counter, "event": e.kind}
    out: list[Detection] = []
    subject = f"lock:{e.lock_id}"
    if e.kind in _LOCK_RULES:
        for rule in rules.of(_LOCK_RULES[e.kind]):
            summary = _LOCK_TEXT[e.kind].format(e.lock_id)
            out.append(Detection(rule, subject, e.at, summary, None, door, e.lock_id, None, base))
    elif e.kind == "door_opened":
        for rule in rules.of("door_forced"):
            assert isinstance(rule, DoorForced)
            if not _unlocked_before(s, e, door, rule.unlock_seconds):
                summary = f"door of lock `{e.lock_id}` opened without an unlock"
                out.append(
                    Detection(rule, subject, e.at, summary, None, door, e.lock_id, None, base)
                )
    elif e.kind == "door_closed":
        opened = _last_door_event(s, e)
        if opened is not None and opened.kind == "door_opened":
            for rule in rules.of("door_held_open"):
                assert isinstance(rule, DoorHeldOpen)
                if (e.at - opened.at).total_seconds() > rule.seconds:
                    out.append(_held(rule, opened, door, e.at))
    return out


def _unlocked_before(s: Session, e: LockEventRecord, door_id: str | None, seconds: int) -> bool:
    """Whether the lock unlocked (or a decision at its door allowed) shortly before `e`."""
    since = e.at - timedelta(seconds=seconds)
    ev = LockEventRecord
    unlock = s.exec(
        select(ev.id).where(
            ev.lock_id == e.lock_id,
            col(ev.kind).in_(_UNLOCKS),
            ev.counter < e.counter,
            ev.at >= since,
        )
    ).first()
    if unlock is not None or door_id is None:
        return unlock is not None
    a = AccessDecisionRecord
    allowed = s.exec(
        select(a.id).where(
            a.door_id == door_id, col(a.allowed).is_(True), a.at >= since, a.at <= e.at
        )
    ).first()
    return allowed is not None


def _last_door_event(s: Session, e: LockEventRecord) -> LockEventRecord | None:
    ev = LockEventRecord
    return s.exec(
        select(ev)
        .where(ev.lock_id == e.lock_id, col(ev.kind).in_(DOOR_KINDS), ev.counter < e.counter)
        .order_by(col(ev.counter).desc())
        .limit(1)
    ).first()


def _held(rule: DoorHeldOpen, opened: LockEventRecord, door: str | None, at: datetime) -> Detection:
    summary = f"door of lock `{opened.lock_id}` held open over {rule.seconds} s"
    detail: dict[str, object] = {"lock_event_id": opened.id, "opened_at": opened.at.isoformat()}
    return Detection(
        rule, f"lock:{opened.lock_id}", at, summary, None, door, opened.lock_id,
        f"lock_event:{opened.id}", detail,
    )  # fmt: skip


def held_open(s: Session, rules: AlertRules, facility_id: str, now: datetime) -> list[Detection]:
    """Doors of the facility whose last sensor event is an opening older than a rule's
    bound (a timed check: no event says the door is still open)."""
    held = rules.of("door_held_open")
    if not held:
        return []
    ev = LockEventRecord
    last = (
        select(ev.lock_id, func.max(ev.counter).label("counter"))
        .where(ev.facility_id == facility_id, col(ev.kind).in_(DOOR_KINDS))
        .group_by(col(ev.lock_id))
        .subquery()
    )
    rows = s.exec(
        select(ev).join(
            last, and_(col(ev.lock_id) == last.c.lock_id, col(ev.counter) == last.c.counter)
        )
    ).all()
    out: list[Detection] = []
    for opened in rows:
        if opened.kind != "door_opened":
            continue
        door = opened.detail.get("door_id")
        for rule in held:
            assert isinstance(rule, DoorHeldOpen)
            if (now - opened.at).total_seconds() > rule.seconds:
                out.append(_held(rule, opened, door if isinstance(door, str) else None, now))
    return out
