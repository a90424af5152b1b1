"""Portal: a facility's alerts (acknowledge, resolve: each in the audit log), its signed
alert webhook, and who is on site now."""

from __future__ import annotations

import hashlib
import secrets
from typing import Annotated, Literal

from litestar import Router, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from sqlmodel import col, select

from api.problems import problems
from api.routes._deps import employee_facility
from api.schemas import AlertActionIn, AlertOut, AlertWebhookIn, AlertWebhookOut, OnSiteOut
from api.settings import Settings
from engine.access import Caller, require_permission
from engine.alerts import acknowledge_alert, on_site, resolve_alert
from engine.domain import Permission
from engine.errors import NotFoundError
from engine.persistence.tables import AlertRecord, AlertWebhook, Facility
from engine.runtime import Runtime

__all__ = ["alerts_router"]

_MANAGE = Permission.ALERTS_MANAGE
_MAX_ALERT_ID = 2**31 - 1
_AlertId = Annotated[int, PathParameter(ge=1, le=_MAX_ALERT_ID, description="the alert")]


def _out(alert: AlertRecord) -> AlertOut:
    return AlertOut.model_validate(alert, from_attributes=True)


@get("/facilities/{facility_id:str}/alerts", responses=problems(403, 404), sync_to_thread=True)
def list_alerts(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
    status: Annotated[
        Literal["open", "acknowledged", "resolved"] | None,
        QueryParameter(description="only alerts with this status"),
    ] = None,
    limit: Annotated[
        int, QueryParameter(ge=1, le=1000, description="at most this many, newest first")
    ] = 100,
) -> list[AlertOut]:
    """The facility's alerts, newest first; `alerts.manage` there."""
    with runtime.db.read() as s:
        employee_facility(s, caller, facility_id, _MANAGE)
        query = select(AlertRecord).where(AlertRecord.facility_id == facility_id)
        if status is not None:
            query = query.where(AlertRecord.status == status)
        rows = s.exec(query.order_by(col(AlertRecord.id).desc()).limit(limit)).all()
        return [_out(a) for a in rows]


def _act(
    runtime: Runtime, caller: Caller, alert_id: int, note: str | None, resolve: bool
) -> AlertOut:
    now = runtime.clock.now()
    with runtime.db.transaction() as s:
        alert = s.get(AlertRecord, alert_id)
        facility = s.get(Facility, alert.facility_id) if alert is not None else None
        if facility is None or facility.company_id != caller.company_id:
            raise NotFoundError(f"no alert `{alert_id}`")
        require_permission(s, caller, facility, _MANAGE)
        act = resolve_alert if resolve else acknowledge_alert
        return _out(act(s, runtime.audit, alert_id, caller.actor, note, now))


@post(
    "/alerts/{alert_id:int}/acknowledge",
    status_code=200,
    responses=problems(403, 404, 409),
    sync_to_thread=True,
)
def acknowledge(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    alert_id: _AlertId,
    data: JSONBody[AlertActionIn],
) -> AlertOut:
    """Acknowledge an open alert (someone is on it), in the facility's audit log; repeats
    still count into it. Not open: 409."""
    return _act(runtime, caller, alert_id, data.note, resolve=False)


@post(
    "/alerts/{alert_id:int}/resolve",
    status_code=200,
    responses=problems(403, 404, 409),
    sync_to_thread=True,
)
def resolve(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    alert_id: _AlertId,
    data: JSONBody[AlertActionIn],
) -> AlertOut:
    """Resolve an alert, in the facility's audit log: the next detection of its rule and
    subject is a new incident. Resolved already: 409."""
    return _act(runtime, caller, alert_id, data.note, resolve=True)


def _hook_out(hook: AlertWebhook, secret: str | None = None) -> AlertWebhookOut:
    fingerprint = hashlib.sha256(hook.secret.encode()).hexdigest()[:12]
    return AlertWebhookOut(
        facility_id=hook.facility_id,
        url=hook.url,
        fingerprint=fingerprint,
        updated_at=hook.updated_at,
        updated_by=hook.updated_by,
        secret=secret,
    )


@get(
    "/facilities/{facility_id:str}/alert-webhook", responses=problems(403, 404), sync_to_thread=True
)
def get_alert_webhook(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], facility_id: FromPath[str]
) -> AlertWebhookOut:
    """The facility's alert webhook (404: none set); `alerts.manage` there."""
    with runtime.db.read() as s:
        employee_facility(s, caller, facility_id, _MANAGE)
        hook = s.get(AlertWebhook, facility_id)
        if hook is None:
            raise NotFoundError("no alert webhook at this facility")
        return _hook_out(hook)


@put(
    "/facilities/{facility_id:str}/alert-webhook", responses=problems(403, 404), sync_to_thread=True
)
def set_alert_webhook(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
    data: JSONBody[AlertWebhookIn],
) -> AlertWebhookOut:
    """Set where the facility's alerts are POSTed and the secret that signs them
    (`X-Unitgate-Signature: v1=<hex>` over `<timestamp>.<body>`); without a secret one is
    made and shown in this answer only. In the audit log (without the secret)."""
    now = runtime.clock.now()
    made = None if data.secret else secrets.token_hex(32)
    secret = data.secret or made
    assert secret is not None  # INVARIANT: given, or made just above.
    with runtime.db.transaction() as s:
        employee_facility(s, caller, facility_id, _MANAGE)
        hook = s.get(AlertWebhook, facility_id) or AlertWebhook(
            facility_id=facility_id, url=data.url, secret=secret, updated_at=now, updated_by=""
        )
        hook.url, hook.secret, hook.updated_at, hook.updated_by = (
            data.url,
            secret,
            now,
            caller.actor,
        )
        s.add(hook)
        out = _hook_out(hook, made)
        runtime.audit.append(
            s,
            facility_id=facility_id,
            at=now,
            kind="alert_webhook_set",
            actor=caller.actor,
            subject=f"facility:{facility_id}",
            payload={"url": data.url, "fingerprint": out.fingerprint},
        )
        return out


@delete(
    "/facilities/{facility_id:str}/alert-webhook", responses=problems(403, 404), sync_to_thread=True
)
def remove_alert_webhook(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], facility_id: FromPath[str]
) -> None:
    """Stop posting the facility's alerts (messages still queued for it fail); audited."""
    now = runtime.clock.now()
    with runtime.db.transaction() as s:
        employee_facility(s, caller, facility_id, _MANAGE)
        hook = s.get(AlertWebhook, facility_id)
        if hook is None:
            raise NotFoundError("no alert webhook at this facility")
        s.delete(hook)
        runtime.audit.append(
            s,
            facility_id=facility_id,
            at=now,
            kind="alert_webhook_removed",
            actor=caller.actor,
            subject=f"facility:{facility_id}",
            payload={"url": hook.url},
        )


@get("/facilities/{facility_id:str}/on-site", responses=problems(403, 404), sync_to_thread=True)
def people_on_site(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    settings: NamedDependency[Settings],
    facility_id: FromPath[str],
) -> list[OnSiteOut]:
    """The people inside now (an evacuation list): their last pass through a gate with a
    direction was an entry, less than `UNITGATE_ON_SITE_HOURS` ago; `facility.view`."""
    with runtime.db.read() as s:
        employee_facility(s, caller, facility_id, Permission.FACILITY_VIEW)
        found = on_site(s, facility_id, runtime.clock.now(), settings.on_site_hours)
    return [OnSiteOut.model_validate(o, from_attributes=True) for o in found]


alerts_router = Router(
    "/v1",
    route_handlers=[
        list_alerts,
        acknowledge,
        resolve,
        get_alert_webhook,
        set_alert_webhook,
        remove_alert_webhook,
        people_on_site,
    ],
    tags=["portal: alerts"],
)
