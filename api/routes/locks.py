"""Portal: the facility's Bluetooth locks and gateways, their status and health, the
facility's lock key, and remote actions (`GET /v1/actions/{id}`)."""

from __future__ import annotations

from litestar import Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlmodel import Session, col, select

from api.locks import HardwareSigner
from api.problems import problems
from api.routes._deps import employee_facility
from api.schemas import (
    ActionOut,
    FacilityLockKeyOut,
    GatewayIn,
    GatewayOut,
    LockDeviceIn,
    LockDeviceOut,
    LockHealthEventOut,
    LockHealthOut,
)
from engine.access import Caller, company_facility
from engine.domain import Permission
from engine.errors import NotFoundError, PermissionDeniedError
from engine.locks import facility_key
from engine.onboarding import EditContext, ensure_gateway, ensure_lock
from engine.persistence.tables import (
    Door,
    LockAction,
    LockDevice,
    LockGateway,
    LockHealthEvent,
)
from engine.runtime import Runtime

__all__ = ["action_out", "locks_router"]

_RECENT_EVENTS = 10


def _gateway_out(g: LockGateway) -> GatewayOut:
    return GatewayOut(
        id=g.id,
        facility_id=g.facility_id,
        name=g.name,
        url=g.url,
        reachable=g.reachable,
        last_seen_at=g.last_seen_at,
    )


def action_out(a: LockAction) -> ActionOut:
    """A remote action as the API shows it."""
    return ActionOut(
        id=a.id,
        facility_id=a.facility_id,
        door_id=a.door_id,
        lock_id=a.lock_id,
        action=a.action,
        status=a.status,
        error=a.error,
        lock_code=a.lock_code,
        confirmed_by_device=a.confirmed_by_device,
        message=a.message,
        decision_id=a.decision_id,
        command_id=a.command_id,
        requested_by=a.requested_by,
        created_at=a.created_at,
        finished_at=a.finished_at,
    )


def _locks_out(s: Session, facility_id: str, only: str | None = None) -> list[LockDeviceOut]:
    query = select(LockDevice).where(LockDevice.facility_id == facility_id)
    if only is not None:
        query = query.where(LockDevice.id == only)
    locks = s.exec(query.order_by(col(LockDevice.name), col(LockDevice.id))).all()
    if not locks:
        return []
    ids = [lock.id for lock in locks]
    doors = {
        d.lock_ref: d
        for d in s.exec(
            select(Door).where(
                Door.facility_id == facility_id,
                col(Door.lock_ref).in_(ids),
                col(Door.removed_at).is_(None),
            )
        ).all()
    }
    gateways = {
        g.id: g for g in s.exec(select(LockGateway).where(LockGateway.facility_id == facility_id))
    }
    out = []
    for lock in locks:
        events = s.exec(
            select(LockHealthEvent)
            .where(LockHealthEvent.lock_id == lock.id)
            .order_by(col(LockHealthEvent.at).desc(), col(LockHealthEvent.id).desc())
            .limit(_RECENT_EVENTS)
        ).all()
        door = doors.get(lock.id)
        gateway = gateways.get(lock.gateway_id) if lock.gateway_id else None
        status = dict(lock.status) if lock.status else None
        if status is not None:
            status.pop("frame", None)
        health = (
            LockHealthOut.model_validate(
                {k: v for k, v in lock.health.items() if k in LockHealthOut.model_fields}
            )
            if lock.health
            else None
        )
        out.append(
            LockDeviceOut(
                id=lock.id,
                name=lock.name,
                address=lock.address,
                public_key=lock.public_key,
                door_id=door.id if door else None,
                door_name=door.name if door else None,
                gateway_id=lock.gateway_id,
                gateway_name=gateway.name if gateway else None,
                status=status,
                status_at=lock.status_at,
                health=health,
                last_contact_at=lock.last_contact_at,
                revocation_version=lock.revocation_version,
                log_counter=lock.log_counter,
                events=[
                    LockHealthEventOut(at=e.at, kind=e.kind, detail=e.detail, advice=e.advice)
                    for e in events
                ],
            )
        )
    return out


@post(
    "/facilities/{facility_id:str}/gateways",
    responses=problems(403, 404),
    sync_to_thread=True,
)
def add_gateway(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
    data: JSONBody[GatewayIn],
) -> GatewayOut:
    """Register a gateway (hub) the server reaches its locks through, or move it to a new
    URL (`sites.manage`; audited)."""
    with runtime.db.transaction() as s:
        facility = employee_facility(s, caller, facility_id, Permission.SITES_MANAGE)
        ctx = EditContext(s, runtime.audit, runtime.clock.now(), caller.actor)
        return _gateway_out(ensure_gateway(ctx, facility, data.name, data.url))


@post(
    "/facilities/{facility_id:str}/locks",
    responses=problems(400, 403, 404, 409),
    sync_to_thread=True,
)
def add_lock(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
    data: JSONBody[LockDeviceIn],
) -> LockDeviceOut:
    """Register a Bluetooth lock with its device key and gateway (`sites.manage`; audited);
    put it on a door with `PUT /v1/doors/{id}/lock` and its id as `lock_ref`."""
    with runtime.db.transaction() as s:
        facility = employee_facility(s, caller, facility_id, Permission.SITES_MANAGE)
        ctx = EditContext(s, runtime.audit, runtime.clock.now(), caller.actor)
        lock = ensure_lock(
            ctx,
            facility,
            lock_id=data.lock_id,
            name=data.name,
            public_key=data.public_key,
            address=data.address,
            gateway=data.gateway,
        )
        return _locks_out(s, facility.id, lock.id)[0]


@get("/facilities/{facility_id:str}/locks", responses=problems(403, 404), sync_to_thread=True)
def list_locks(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], facility_id: FromPath[str]
) -> list[LockDeviceOut]:
    """The facility's locks: door, gateway, last status, health with advice, last contact
    and recent health events (`facility.view`). The lock duty keeps them current."""
    with runtime.db.read() as s:
        facility = employee_facility(s, caller, facility_id, Permission.FACILITY_VIEW)
        return _locks_out(s, facility.id)


@get("/facilities/{facility_id:str}/lock-key", responses=problems(403, 404), sync_to_thread=True)
def lock_key(
    runtime: NamedDependency[Runtime],
    lock_signer: NamedDependency[HardwareSigner],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
) -> FacilityLockKeyOut:
    """The facility's public signing key, which its locks are provisioned to trust (made on
    first need; `sites.manage`). The secret half never leaves the server."""
    with runtime.db.transaction() as s:
        facility = employee_facility(s, caller, facility_id, Permission.SITES_MANAGE)
        key = facility_key(s, facility.id, lock_signer.public_of, runtime.clock.now())
        return FacilityLockKeyOut(
            facility_id=facility.id,
            key_id=key.key_id,
            public_key=key.public,
            trust=f"{key.key_id}:{key.public}",
        )


@get("/actions/{action_id:str}", responses=problems(403, 404), sync_to_thread=True)
def get_action(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], action_id: FromPath[str]
) -> ActionOut:
    """A remote action: pending, then success (`confirmed_by_device`) or error with why."""
    if not caller.is_employee:
        raise PermissionDeniedError("remote actions are the portal's", help="use a portal token")
    with runtime.db.read() as s:
        action = s.get(LockAction, action_id)
        if action is None:
            raise NotFoundError(f"no action `{action_id}`")
        try:
            company_facility(s, caller, action.facility_id)
        except NotFoundError:
            raise NotFoundError(f"no action `{action_id}`") from None
        return action_out(action)


locks_router = Router(
    "/v1",
    route_handlers=[add_gateway, add_lock, list_locks, lock_key, get_action],
    tags=["portal: locks"],
)
