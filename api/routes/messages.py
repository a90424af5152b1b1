"""Portal: a facility's messages to people and where each stands, sending a failed one
again; and the SMS provider's delivery reports (signed, no bearer token)."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Annotated, Any

from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath, QueryParameter
from pydantic import BaseModel
from sqlmodel import col, select

from adapters.notify import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    CallbackSignatureError,
    receive_report,
    requeue_message,
)
from api.input_guard import refuse_nul_in
from api.json_body import refuse_foreign_charset
from api.outbox_duty import CALLBACK_PATH
from api.problems import problems
from api.routes._deps import employee_facility
from api.settings import Settings
from engine.access import Caller
from engine.domain import Permission
from engine.errors import NotFoundError
from engine.notify import Channel, MessageKind, MessageStatus
from engine.persistence.tables import OutboxMessage
from engine.runtime import Runtime

__all__ = ["messages_router", "notify_callbacks_router"]

_VIEW = Permission.FACILITY_VIEW


class MessageOut(BaseModel):
    """One message and where it stands (its template variables and secret are not shown)."""

    id: str
    facility_id: str
    person_id: str | None
    kind: MessageKind
    channel: Channel
    recipient: str | None
    status: MessageStatus
    status_reason: str | None
    """Why it failed, was given up or is undeliverable; the last error while it is retried."""
    attempts: int
    next_attempt_at: datetime
    provider_message_id: str | None
    created_at: datetime
    sent_at: datetime | None
    updated_at: datetime


def message_out(m: OutboxMessage) -> MessageOut:
    """A stored message as its API body."""
    return MessageOut.model_validate(m, from_attributes=True)


@get("/facilities/{facility_id:str}/messages", responses=problems(403, 404), sync_to_thread=True)
def list_messages(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
    person_id: Annotated[
        str | None, QueryParameter(max_length=36, description="only messages to this person")
    ] = None,
    status: Annotated[
        MessageStatus | None, QueryParameter(description="only messages with this status")
    ] = None,
    kind: Annotated[
        MessageKind | None, QueryParameter(description="only messages of this kind")
    ] = None,
    limit: Annotated[
        int, QueryParameter(ge=1, le=1000, description="at most this many, newest first")
    ] = 100,
    offset: Annotated[
        int, QueryParameter(ge=0, le=1_000_000, description="skip this many messages")
    ] = 0,
) -> list[MessageOut]:
    """The facility's messages, newest first, with their delivery status."""
    with runtime.db.read() as s:
        employee_facility(s, caller, facility_id, _VIEW)
        query = select(OutboxMessage).where(OutboxMessage.facility_id == facility_id)
        if person_id is not None:
            query = query.where(OutboxMessage.person_id == person_id)
        if status is not None:
            query = query.where(OutboxMessage.status == status.value)
        if kind is not None:
            query = query.where(OutboxMessage.kind == kind.value)
        order = (col(OutboxMessage.created_at).desc(), col(OutboxMessage.id).desc())
        rows = s.exec(query.order_by(*order).offset(offset).limit(limit)).all()
        return [message_out(m) for m in rows]


@post(
    "/facilities/{facility_id:str}/messages/{message_id:str}/retry",
    status_code=200,
    responses=problems(403, 404, 409),
    sync_to_thread=True,
)
def retry_message(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
    message_id: FromPath[str],
) -> MessageOut:
    """Send a failed or given-up message again (after its cause was fixed), in the facility's
    audit log; any other status is refused (409)."""
    now = runtime.clock.now()
    with runtime.db.transaction() as s:
        employee_facility(s, caller, facility_id, _VIEW)
        found = s.get(OutboxMessage, message_id)
        if found is None or found.facility_id != facility_id:
            raise NotFoundError(f"no message `{message_id}` at this facility")
        before, reason = found.status, found.status_reason
        message = requeue_message(s, message_id, now)
        runtime.audit.append(
            s,
            facility_id=facility_id,
            at=now,
            kind="message_retried",
            actor=caller.actor,
            subject=message_id,
            payload={"message_id": message_id, "was": before, "reason": reason},
        )
        return message_out(message)


class ReportAnswer(BaseModel):
    """What a delivery report did."""

    message_id: str
    status: MessageStatus
    changed: bool
    """False when the message already had a status of equal or higher rank."""


@post(CALLBACK_PATH, status_code=200, responses=problems(403, 404, 409), exclude_from_auth=True)
async def sms_status(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Runtime],
    settings: NamedDependency[Settings],
) -> ReportAnswer:
    """A delivery report from the SMS provider: `{id, reference, status, error}`, signed with
    HMAC-SHA256 over `<timestamp>.<body>` in `X-SMS-Signature: v1=<hex>`, the Unix time in
    `X-SMS-Timestamp`. Every report is recorded; a bad signature is refused (401), a
    malformed body (400), an unknown message (404)."""
    refuse_nul_in(request.scope)
    refuse_foreign_charset(request)
    body = await request.body()
    headers = (request.headers.get(SIGNATURE_HEADER), request.headers.get(TIMESTAMP_HEADER))
    try:
        report = await asyncio.to_thread(
            receive_report,
            runtime.db,
            settings.sms_provider,
            settings.sms_secret,
            *headers,
            body,
            unix_now=time.time(),
            now=runtime.clock.now(),
        )
    except CallbackSignatureError as exc:
        raise NotAuthorizedException(detail=f"delivery report refused: {exc}") from None
    return ReportAnswer(
        message_id=report.message_id, status=MessageStatus(report.status), changed=report.changed
    )


messages_router = Router(
    "/v1", route_handlers=[list_messages, retry_message], tags=["portal: messages"]
)
notify_callbacks_router = Router("", route_handlers=[sms_status], tags=["providers"])
