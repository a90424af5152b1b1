"""One incident is one alert: a detection either opens an alert (and queues its messages in
the same transaction) or counts into the unresolved one of its rule and subject."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, update
from sqlmodel import Session, col, or_, select

from engine.alerts._detect import Detection
from engine.notify import Channel, MessageKind, Outgoing, enqueue
from engine.persistence import table_of
from engine.persistence.tables import (
    AlertRecord,
    AlertWebhook,
    Facility,
    Person,
    Role,
    RoleAssignment,
)

__all__ = ["OPEN_STATUSES", "Incidents", "alert_json"]

_alerts = table_of(AlertRecord)

OPEN_STATUSES = ("open", "acknowledged")
"""An alert in these absorbs repeats; once resolved, the next detection is a new incident."""


def alert_json(alert: AlertRecord) -> dict[str, Any]:
    """The alert as its messages and webhook carry it."""
    return {
        "id": alert.id,
        "facility_id": alert.facility_id,
        "rule": alert.rule,
        "kind": alert.kind,
        "severity": alert.severity,
        "subject": alert.subject,
        "person_id": alert.person_id,
        "door_id": alert.door_id,
        "lock_id": alert.lock_id,
        "summary": alert.summary,
        "first_seen": alert.first_seen.isoformat(),
        "count": alert.count,
        "status": alert.status,
    }


class Incidents:
    """The facility's unresolved alerts while one transaction (holding its cursor) raises
    more: read once, so a detection that repeats an open incident costs one update."""

    def __init__(self, s: Session, facility: Facility) -> None:
        self.s, self.facility = s, facility
        a = AlertRecord
        rows = s.exec(
            select(a.id, a.rule, a.subject).where(
                a.facility_id == facility.id, col(a.status).in_(OPEN_STATUSES)
            )
        ).all()
        self._open: dict[tuple[str, str], int] = {(r, sub): i for i, r, sub in rows if i}
        self._recipients: dict[tuple[str, ...], list[Person]] = {}
        self._hook: AlertWebhook | None = None
        self._hook_read = False

    def is_open(self, rule: str, subject: str) -> bool:
        """Whether an unresolved alert of `rule` is about `subject`."""
        return (rule, subject) in self._open

    def raise_(self, d: Detection, now: datetime) -> AlertRecord | None:
        """Open an alert for `d`, or count it into the one unresolved; the new alert (None
        when absorbed)."""
        a = AlertRecord
        if d.incident is not None:
            known = self.s.exec(
                select(a.id).where(
                    a.facility_id == self.facility.id,
                    a.rule == d.rule.name,
                    a.incident == d.incident,
                )
            ).first()
            if known is not None:
                return None
        current = self._open.get((d.rule.name, d.subject))
        if current is not None and self._absorb(current, d.at):
            return None
        alert = AlertRecord(
            facility_id=self.facility.id,
            rule=d.rule.name,
            kind=d.rule.when,
            severity=d.rule.severity,
            subject=d.subject,
            person_id=d.person_id,
            door_id=d.door_id,
            lock_id=d.lock_id,
            incident=d.incident,
            summary=d.summary[:300],
            first_seen=d.at,
            last_seen=d.at,
            detail=d.detail,
        )
        self.s.add(alert)
        self.s.flush()
        assert alert.id is not None  # INVARIANT: flushed.
        self._open[(d.rule.name, d.subject)] = alert.id
        self._queue_messages(d, alert, now)
        return alert

    def _absorb(self, alert_id: int, at: datetime) -> bool:
        """Count a repeat into alert `alert_id` unless someone resolved it meanwhile."""
        t = _alerts.c
        done = self.s.execute(
            update(_alerts)
            .where(t.id == alert_id, t.status.in_(OPEN_STATUSES))
            .values(
                count=t.count + 1,
                last_seen=case((t.last_seen < at, at), else_=t.last_seen),
            )
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    def _queue_messages(self, d: Detection, alert: AlertRecord, now: datetime) -> None:
        _queue_messages(self.s, self.facility, d, alert, now, self)

    def recipients(self, roles: list[str]) -> list[Person]:
        """The employees holding one of `roles` at the facility (read once per batch)."""
        key = tuple(sorted(r.lower() for r in roles))
        if key not in self._recipients:
            self._recipients[key] = _recipients(self.s, self.facility, list(key))
        return self._recipients[key]

    def hook(self) -> AlertWebhook | None:
        """The facility's alert webhook (read once per batch)."""
        if not self._hook_read:
            self._hook, self._hook_read = self.s.get(AlertWebhook, self.facility.id), True
        return self._hook


def _queue_messages(
    s: Session,
    facility: Facility,
    d: Detection,
    alert: AlertRecord,
    now: datetime,
    batch: Incidents,
) -> None:
    body = alert_json(alert)
    payload = {"alert": body, "facility_name": facility.name}
    channels = set(d.rule.channels)
    for person in batch.recipients(d.rule.recipients):
        for channel in (Channel.EMAIL, Channel.SMS):
            if channel.value not in channels:
                continue
            to = person.email if channel is Channel.EMAIL else person.mobile
            enqueue(
                s,
                Outgoing(
                    facility.id,
                    MessageKind.ALERT,
                    channel,
                    to,
                    f"alert/{alert.id}/{person.id}/{channel.value}",
                    person_id=person.id,
                    payload={**payload, "recipient_name": person.name},
                    problem=None
                    if to
                    else f"no {'email' if channel is Channel.EMAIL else 'mobile'} on file",
                ),
                now,
            )
    hook = batch.hook() if "webhook" in channels else None
    if hook is not None:
        event = {"type": "alert.raised", "alert": body}
        enqueue(
            s,
            Outgoing(
                facility.id, MessageKind.ALERT, Channel.WEBHOOK, hook.url,
                f"alert/{alert.id}/webhook", payload={**payload, "event": event},
            ),
            now,
        )  # fmt: skip


def _recipients(s: Session, facility: Facility, roles: list[str]) -> list[Person]:
    """The employees holding one of `roles` (by name, ignoring case) at the facility."""
    names = [r.lower() for r in roles]
    query = (
        select(Person)
        .join(RoleAssignment, col(RoleAssignment.person_id) == Person.id)
        .join(Role, col(Role.id) == RoleAssignment.role_id)
        .where(
            Role.company_id == facility.company_id,
            func.lower(Role.name).in_(names),
            or_(
                col(RoleAssignment.facility_id).is_(None), RoleAssignment.facility_id == facility.id
            ),
        )
        .distinct()
        .order_by(col(Person.id))
    )
    return list(s.exec(query).all())
