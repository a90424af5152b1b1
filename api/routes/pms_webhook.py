"""`POST /v1/pms/webhooks/{facility_id}`: PMS pushes, signed for the facility with one of its
company's webhook secrets."""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import dataclass
from typing import Any

from litestar import Request, Router, post
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath
from pydantic import BaseModel
from sqlmodel import Session, col, select

from adapters.pms import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    RecordPage,
    Rejected,
    SignatureError,
    WebhookError,
    parse_webhook,
    signed_facility,
)
from adapters.sync import SyncMetrics, drain, receive, refuse_unsigned, verifying_keys
from api.input_guard import refuse_nul_in
from api.json_body import refuse_foreign_charset
from api.problems import problems
from api.settings import Settings
from api.telemetry import Telemetry
from engine.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from engine.persistence.tables import Facility
from engine.runtime import Runtime

__all__ = ["pms_webhook_router"]


class WebhookResult(BaseModel):
    """What a push came to: stored, repeated, rejected, and the outcome of applying it."""

    received: int
    duplicates: int
    rejected: int
    outcomes: dict[str, int]
    """Pending events of the facility applied now, by outcome (`applied`, `stale`, ...)."""


@post(
    "/pms/webhooks/{facility_id:str}",
    status_code=202,
    responses=problems(403, 404),
    exclude_from_auth=True,
)
async def pms_webhook(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Runtime],
    settings: NamedDependency[Settings],
    telemetry: NamedDependency[Telemetry],
    facility_id: FromPath[str],
) -> WebhookResult:
    """Take PMS changes pushed for a facility (`{"records": [...]}`) and apply them at once.

    Signed with HMAC-SHA256 over `<timestamp>.<company id>.<facility id>.<body>` under one
    of the company's webhook secrets, in `X-PMS-Signature: v2=<hex>`, the Unix time in
    `X-PMS-Timestamp` (specs/pms-api.md). A bad signature is refused (401) and recorded,
    within limits per address (the rest are counted in the sync status).
    """
    refuse_nul_in(request.scope)
    refuse_foreign_charset(request)
    body = await request.body()
    push = _Push(
        facility_id,
        request.headers.get(SIGNATURE_HEADER),
        request.headers.get(TIMESTAMP_HEADER),
        body,
        request.client.host if request.client else "unknown",
    )
    args = (runtime, telemetry.sync, settings.pms_webhook_secret, push)
    return await asyncio.to_thread(_ingest, *args)


@dataclass(frozen=True)
class _Push:
    facility_id: str
    signature: str | None
    stamp: str | None
    body: bytes
    address: str


def _ingest(rt: Runtime, metrics: SyncMetrics, fallback: str | None, push: _Push) -> WebhookResult:
    now = rt.clock.now()
    with rt.db.read() as s:
        facility = _facility(s, push.facility_id)
        keys = verifying_keys(s, facility.company_id, now, fallback)
    if not keys:
        raise PermissionDeniedError(
            "pms webhooks are not enabled for this company",
            help="create a secret (`unitgate pms secret rotate`, or POST /v1/pms/webhook-secrets)"
            " or set UNITGATE_PMS_WEBHOOK_SECRET",
        )
    args = (push.signature, push.stamp, facility.company_id, facility.id, push.body)
    try:
        page = parse_webhook(keys, *args, time.time())
    except SignatureError as exc:
        with rt.db.transaction() as s:
            why = functools.partial(_why_refused, s, exc, keys, facility, push)
            refuse_unsigned(s, facility.id, push.address, why, push.body, now)
        raise NotAuthorizedException(detail=f"webhook refused: {exc}") from None
    except WebhookError as exc:
        # Signed by the PMS: kept as it keeps rejected records (not an anonymous caller's).
        bad = Rejected("webhook body", str(exc), push.body[:10_000].decode(errors="replace"))
        with rt.db.transaction() as s:
            receive(s, facility.id, RecordPage([], [bad]), "webhook", now)
        raise InvalidInputError(f"webhook body refused: {exc}") from None
    with rt.db.transaction() as s:
        got = receive(s, facility.id, page, "webhook", now)
    metrics.received(facility.id, "webhook", got.new, got.duplicates, got.rejected)
    outcomes = drain(rt, facility.id, metrics=metrics).outcomes
    rt.codes_alarm.ring()  # committed: the keypad codes follow the applied events now
    return WebhookResult(
        received=got.new, duplicates=got.duplicates, rejected=got.rejected, outcomes=dict(outcomes)
    )


_DIAGNOSED_FACILITIES = 100
"""A refused push is checked against at most this many other facilities of the company."""


def _why_refused(
    s: Session, exc: SignatureError, keys: list[bytes], facility: Facility, push: _Push
) -> str:
    """The refusal's reason; for a signature that matches nothing, whether it was made for
    another facility of the company (a captured push replayed here)."""
    others = s.exec(
        select(Facility.id)
        .where(Facility.company_id == facility.company_id, Facility.id != facility.id)
        .order_by(col(Facility.id))
        .limit(_DIAGNOSED_FACILITIES)
    ).all()
    args = (push.signature, push.stamp, facility.company_id, others, push.body)
    signed_for = signed_facility(keys, *args)
    if signed_for is not None:
        return f"signed for facility `{signed_for}`, not this one: a push replayed to another URL"
    return str(exc)


def _facility(s: Session, facility_id: str) -> Facility:
    facility = s.get(Facility, facility_id)
    if facility is None or facility.pms_ref is None:
        raise NotFoundError(f"no PMS-linked facility `{facility_id}`")
    return facility


pms_webhook_router = Router("/v1", route_handlers=[pms_webhook], tags=["pms"])
