"""An employee acknowledging or resolving an alert, each in the facility's audit chain."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from engine.audit import AuditLog
from engine.errors import RefusedError
from engine.persistence.tables import AlertRecord

__all__ = ["ALERT_ACKNOWLEDGED", "ALERT_RESOLVED", "acknowledge_alert", "resolve_alert"]

ALERT_ACKNOWLEDGED = "alert_acknowledged"
ALERT_RESOLVED = "alert_resolved"


def _locked(s: Session, alert_id: int) -> AlertRecord:
    return s.exec(select(AlertRecord).where(AlertRecord.id == alert_id).with_for_update()).one()


def _audit(
    s: Session,
    audit: AuditLog,
    alert: AlertRecord,
    kind: str,
    actor: str,
    note: str | None,
    now: datetime,
) -> None:
    audit.append(
        s,
        facility_id=alert.facility_id,
        at=now,
        kind=kind,
        actor=actor,
        subject=f"alert:{alert.id}",
        payload={
            "alert_id": alert.id,
            "rule": alert.rule,
            "subject": alert.subject,
            "count": alert.count,
            "note": note,
        },
    )


def _move(
    s: Session,
    audit: AuditLog,
    alert_id: int,
    actor: str,
    note: str | None,
    now: datetime,
    *,
    resolve: bool,
) -> AlertRecord:
    alert = _locked(s, alert_id)
    if alert.status == "resolved" or (not resolve and alert.status != "open"):
        help = (
            "a new incident opens a new alert" if resolve else "only an open alert is acknowledged"
        )
        raise RefusedError(f"alert `{alert_id}` is {alert.status}", help=help)
    if resolve:
        alert.status, alert.resolved_by, alert.resolved_at = "resolved", actor, now
    else:
        alert.status, alert.acknowledged_by, alert.acknowledged_at = "acknowledged", actor, now
    if note:
        alert.note = note
    s.add(alert)
    _audit(s, audit, alert, ALERT_RESOLVED if resolve else ALERT_ACKNOWLEDGED, actor, note, now)
    return alert


def acknowledge_alert(
    s: Session, audit: AuditLog, alert_id: int, actor: str, note: str | None, now: datetime
) -> AlertRecord:
    """Mark an open alert acknowledged (`RefusedError` unless it is open); repeats still
    count into it."""
    return _move(s, audit, alert_id, actor, note, now, resolve=False)


def resolve_alert(
    s: Session, audit: AuditLog, alert_id: int, actor: str, note: str | None, now: datetime
) -> AlertRecord:
    """Close an alert (`RefusedError` when it is resolved already); the next detection of
    its rule and subject opens a new one."""
    return _move(s, audit, alert_id, actor, note, now, resolve=True)
