"""Portal: the company's PMS webhook secrets (create or rotate, list; a value is shown once)."""

from __future__ import annotations

from datetime import datetime, timedelta

from litestar import Router, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from adapters.sync import company_secrets, fingerprint, rotate_secret
from api.problems import problems
from api.routes._deps import company_permission
from api.schemas import NewWebhookSecret, WebhookSecretIn, WebhookSecretOut
from engine.access import Caller
from engine.domain import Permission
from engine.persistence.tables import PmsWebhookSecret
from engine.runtime import Runtime

__all__ = ["pms_secrets_router", "secret_out"]


def secret_out(row: PmsWebhookSecret, now: datetime) -> WebhookSecretOut:
    """A secret as listed: everything but its value."""
    # INVARIANT: rows read from the database have their id.
    assert row.id is not None
    return WebhookSecretOut(
        id=row.id,
        company_id=row.company_id,
        fingerprint=fingerprint(row.secret),
        created_at=row.created_at,
        created_by=row.created_by,
        retires_at=row.retires_at,
        verifying=row.retires_at is None or row.retires_at > now,
    )


@get("/pms/webhook-secrets", responses=problems(403), sync_to_thread=True)
def list_webhook_secrets(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller]
) -> list[WebhookSecretOut]:
    """The company's webhook secrets, newest first, with when each retires (never a value)."""
    now = runtime.clock.now()
    with runtime.db.read() as s:
        company_permission(s, caller, Permission.SYNC_MANAGE)
        return [secret_out(r, now) for r in company_secrets(s, caller.company_id)]


@post("/pms/webhook-secrets", responses=problems(403), sync_to_thread=True)
def create_webhook_secret(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    data: JSONBody[WebhookSecretIn],
) -> NewWebhookSecret:
    """A new secret for the company's PMS webhooks, shown this once; the older secrets keep
    verifying for `overlap_hours`, then stop (`sync.manage` for the whole company)."""
    now = runtime.clock.now()
    with runtime.db.transaction() as s:
        company_permission(s, caller, Permission.SYNC_MANAGE)
        overlap = timedelta(hours=data.overlap_hours)
        row = rotate_secret(s, caller.company_id, caller.actor, now, overlap)
        return NewWebhookSecret(**secret_out(row, now).model_dump(), secret=row.secret)


pms_secrets_router = Router(
    "/v1", route_handlers=[list_webhook_secrets, create_webhook_secret], tags=["portal: sync"]
)
