"""`POST /v1/pms/webhooks/{facility_id}`: PMS pushes, signed with the shared secret."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from litestar import Request, Router, post
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath
from pydantic import BaseModel
from sqlmodel import Session

from adapters.pms import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    RecordPage,
    Rejected,
    SignatureError,
    WebhookError,
    parse_webhook,
)
from adapters.sync import SyncMetrics, drain, receive
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

    Signed with HMAC-SHA256 over `<timestamp>.<body>` in `X-PMS-Signature: sha256=<hex>`,
    the Unix time in `X-PMS-Timestamp`. A bad signature is refused (401) and recorded.
    """
    refuse_nul_in(request.scope)
    refuse_foreign_charset(request)
    if not settings.pms_webhook_secret:
        raise PermissionDeniedError(
            "pms webhooks are not enabled", help="set UNITGATE_PMS_WEBHOOK_SECRET"
        )
    body = await request.body()
    secret = settings.pms_webhook_secret.encode()
    signature = request.headers.get(SIGNATURE_HEADER)
    stamp = request.headers.get(TIMESTAMP_HEADER)
    args = (runtime, telemetry.sync, facility_id, secret, signature, stamp, body)
    return await asyncio.to_thread(_ingest, *args)


def _ingest(
    rt: Runtime,
    metrics: SyncMetrics,
    facility_id: str,
    secret: bytes,
    signature: str | None,
    stamp: str | None,
    body: bytes,
) -> WebhookResult:
    failure: SignatureError | WebhookError | None = None
    with rt.db.transaction() as s:
        _facility(s, facility_id)
        try:
            page = parse_webhook(secret, signature, stamp, body, time.time())
        except (SignatureError, WebhookError) as exc:
            kind = "signature" if isinstance(exc, SignatureError) else "body"
            bad = Rejected(f"webhook {kind}", str(exc), body[:10_000].decode(errors="replace"))
            receive(s, facility_id, RecordPage([], [bad]), "webhook", rt.clock.now())
            failure = exc
        else:
            got = receive(s, facility_id, page, "webhook", rt.clock.now())
    if isinstance(failure, SignatureError):
        raise NotAuthorizedException(detail=f"webhook refused: {failure}")
    if failure is not None:
        raise InvalidInputError(f"webhook body refused: {failure}")
    metrics.received(facility_id, "webhook", got.new, got.duplicates, got.rejected)
    outcomes = drain(rt, facility_id, metrics=metrics).outcomes
    return WebhookResult(
        received=got.new, duplicates=got.duplicates, rejected=got.rejected, outcomes=dict(outcomes)
    )


def _facility(s: Session, facility_id: str) -> Facility:
    facility = s.get(Facility, facility_id)
    if facility is None or facility.pms_ref is None:
        raise NotFoundError(f"no PMS-linked facility `{facility_id}`")
    return facility


pms_webhook_router = Router("/v1", route_handlers=[pms_webhook], tags=["pms"])
