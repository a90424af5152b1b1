"""Delivery reports from the SMS provider: verified, applied in order of rank (a late `sent`
never overwrites `delivered`), and every one recorded in `delivery_report`, refused or not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, insert, select, update

from adapters.notify._signing import CallbackSignatureError, verify_report
from adapters.pms import WebhookError, decode_body
from engine.errors import InvalidInputError, NotFoundError, PermissionDeniedError, RefusedError
from engine.notify import STATUS_RANK, MessageStatus
from engine.persistence import Database, connection_of, table_of
from engine.persistence.tables import DeliveryReport, OutboxMessage

__all__ = ["REPORTED_STATUSES", "Report", "receive_report"]

_outbox = table_of(OutboxMessage)
_report = table_of(DeliveryReport)
REPORTED_STATUSES = frozenset(
    {
        MessageStatus.QUEUED,
        MessageStatus.SENT,
        MessageStatus.DELIVERED,
        MessageStatus.UNDELIVERED,
        MessageStatus.FAILED,
    }
)
"""What a provider may report."""


@dataclass(frozen=True)
class Report:
    """A delivery report as applied: the message, its status now, and whether it changed."""

    message_id: str
    status: str
    changed: bool
    reason: str | None


@dataclass(frozen=True)
class _Parsed:
    provider_id: str
    reference: str | None
    status: MessageStatus
    error: str | None


def receive_report(
    db: Database,
    provider: str,
    secret: str | None,
    signature: str | None,
    stamp: str | None,
    body: bytes,
    *,
    unix_now: float,
    now: datetime,
) -> Report:
    """Verify and apply one report. A refused one is recorded (`accepted` false) and raises:
    `CallbackSignatureError`, `InvalidInputError` (malformed), `NotFoundError` (unknown
    message), `RefusedError` (the report names another provider message)."""
    text = _text(body[:4000].decode(errors="replace"))
    record: dict[str, Any] = {"provider": provider, "body": text, "received_at": now}

    def refuse(exc: Exception, **known: Any) -> Exception:
        with db.transaction() as s:
            values = {**record, **known, "accepted": False, "reason": _text(str(exc))[:500]}
            connection_of(s).execute(insert(_report).values(**values))
        return exc

    if not secret:
        raise refuse(PermissionDeniedError("sms delivery reports are not enabled"))
    try:
        verify_report(secret.encode(), signature, stamp, body, unix_now)
    except CallbackSignatureError as exc:
        raise refuse(exc) from None
    try:
        parsed = _parse(body)
    except InvalidInputError as exc:
        raise refuse(exc) from None
    known = {"provider_message_id": parsed.provider_id, "status": parsed.status.value}
    with db.transaction() as s:
        conn = connection_of(s)
        row = _find(conn, parsed)
        if row is not None and row.provider_message_id not in (None, parsed.provider_id):
            mismatch = RefusedError(
                f"report for provider message `{parsed.provider_id}` names message "
                f"`{row.id}`, sent as `{row.provider_message_id}`"
            )
        else:
            mismatch = None
        if row is not None and mismatch is None:
            report = _apply(conn, row, parsed, now)
            reason = None if report.changed else report.reason
            conn.execute(
                insert(_report).values(
                    **record, **known, message_id=row.id, accepted=True, reason=reason
                )
            )
            return report
    if mismatch is not None:
        raise refuse(mismatch, **known, message_id=row.id if row else None)
    what = parsed.reference or parsed.provider_id
    raise refuse(NotFoundError(f"no message `{what}`"), **known)


def _text(value: str) -> str:
    """`value` storable in any text column (PostgreSQL refuses NUL)."""
    return value.replace("\x00", "\ufffd")


def _parse(body: bytes) -> _Parsed:
    try:
        data = decode_body(body)
    except WebhookError as exc:
        raise InvalidInputError(f"report {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInputError("report body is not a JSON object")
    provider_id, reference = data.get("id"), data.get("reference")
    status, error = data.get("status"), data.get("error")
    if not isinstance(provider_id, str) or not 0 < len(provider_id) <= 100 or "\x00" in provider_id:
        raise InvalidInputError("report field `id`: a provider message id is required")
    if reference is not None and (
        not isinstance(reference, str) or len(reference) > 36 or "\x00" in reference
    ):
        raise InvalidInputError("report field `reference`: not a message id")
    if status not in {s.value for s in REPORTED_STATUSES}:
        raise InvalidInputError(f"report field `status`: `{str(status)[:40]}` is not a status")
    if error is not None and not isinstance(error, str):
        raise InvalidInputError("report field `error`: a string is required")
    said = _text(error)[:400] if error else None
    return _Parsed(provider_id, reference, MessageStatus(status), said)


def _find(conn: Any, parsed: _Parsed) -> Any:
    o = _outbox.c
    columns = select(o.id, o.status, o.status_rank, o.provider_message_id)
    if parsed.reference is not None:
        return conn.execute(columns.where(o.id == parsed.reference).with_for_update()).first()
    return conn.execute(
        columns.where(o.provider_message_id == parsed.provider_id).with_for_update()
    ).first()


def _apply(conn: Any, row: Any, parsed: _Parsed, now: datetime) -> Report:
    """Move the message to the report's status if that ranks higher; a message the provider
    took loses its secret (its sender may have died before marking it)."""
    o = _outbox.c
    rank = STATUS_RANK[parsed.status]
    if rank <= row.status_rank:
        why = f"changes nothing: message is `{row.status}`, report `{parsed.status}`"
        return Report(row.id, row.status, False, why)
    reason = None
    if parsed.status in (MessageStatus.UNDELIVERED, MessageStatus.FAILED):
        reason = f"provider: {parsed.error or parsed.status.value}"
    conn.execute(
        update(_outbox)
        .where(o.id == row.id, o.status_rank < rank)
        .values(
            status=parsed.status.value,
            status_rank=rank,
            status_reason=reason,
            provider_message_id=parsed.provider_id,
            secret=None,
            sent_at=case((o.sent_at.is_(None), now), else_=o.sent_at),
            updated_at=now,
        )
    )
    return Report(row.id, parsed.status.value, True, reason)
