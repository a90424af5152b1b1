"""One incident is one alert: a detection either opens an alert (and queues its messages in
the same transaction) or counts into the open one of its rule and subject."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, or_, select

from engine.alerts._detect import Detection
from engine.notify import Channel, MessageKind, Outgoing, enqueue
from engine.persistence.tables import (
    AlertRecord,
    AlertWebhook,
    Facility,
    Person,
    Role,
    RoleAssignment,
)

__all__ = ["OPEN_STATUSES", "alert_json", "raise_alert"]

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


def raise_alert(s: Session, facility: Facility, d: Detection, now: datetime) -> AlertRecord | None:
    """Open an alert for `d`, or count it into the one already open; the new alert (None
    when absorbed)."""
    a = AlertRecord
    if d.incident is not None:
        known = s.exec(
            select(a).where(
                a.facility_id == facility.id, a.rule == d.rule.name, a.incident == d.incident
            )
        ).first()
        if known is not None:
            return None
    current = s.exec(
        select(a).where(
            a.facility_id == facility.id,
            a.rule == d.rule.name,
            a.subject == d.subject,
            col(a.status).in_(OPEN_STATUSES),
        )
    ).first()
    if current is not None:
        current.count += 1
        current.last_seen = max(current.last_seen, d.at)
        s.add(current)
        return None
    alert = AlertRecord(
        facility_id=facility.id,
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
    s.add(alert)
    s.flush()
    _queue_messages(s, facility, d, alert, now)
    return alert


def _queue_messages(
    s: Session, facility: Facility, d: Detection, alert: AlertRecord, now: datetime
) -> None:
    body = alert_json(alert)
    payload = {"alert": body, "facility_name": facility.name}
    channels = set(d.rule.channels)
    for person in _recipients(s, facility, d.rule.recipients):
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
    hook = s.get(AlertWebhook, facility.id) if "webhook" in channels else None
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
