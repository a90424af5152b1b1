"""Registering a facility's gateways and Bluetooth locks, audited like every site edit: a
lock's device key is what the server trusts its signed status and event log by."""

from __future__ import annotations

from sqlmodel import select

from engine.errors import NotFoundError
from engine.locks import register_gateway, register_lock
from engine.onboarding._context import EditContext
from engine.onboarding._facility_edits import facility_label
from engine.persistence.tables import Facility, LockDevice, LockGateway

__all__ = ["ensure_gateway", "ensure_lock", "find_gateway"]


def ensure_gateway(ctx: EditContext, facility: Facility, name: str, url: str) -> LockGateway:
    """Add the gateway `name` or point it at `url`; a change is audited, none is silent."""
    before = ctx.session.exec(
        select(LockGateway.url).where(
            LockGateway.facility_id == facility.id, LockGateway.name == name
        )
    ).first()
    gateway = register_gateway(ctx.session, facility.id, name, url, ctx.now)
    label = facility_label(facility)
    if before is None:
        text = f"+ gateway {name} ({label}): {url}"
    elif before != url:
        text = f"~ gateway {name} ({label}): url {before} -> {url}"
    else:
        return gateway
    ctx.record([facility.id], "gateway_registered", gateway.id, text, {"name": name, "url": url})
    return gateway


def find_gateway(ctx: EditContext, facility: Facility, ref: str) -> LockGateway:
    """The facility's gateway named (or with the id) `ref`."""
    gateway = ctx.session.exec(
        select(LockGateway).where(
            LockGateway.facility_id == facility.id,
            (LockGateway.name == ref) | (LockGateway.id == ref),
        )
    ).first()
    if gateway is None:
        raise NotFoundError(
            f"no gateway `{ref}` at this facility",
            help="register it first: POST /v1/facilities/{id}/gateways, or under `gateways:` "
            "in the site file",
        )
    return gateway


def ensure_lock(
    ctx: EditContext,
    facility: Facility,
    *,
    lock_id: str,
    name: str,
    public_key: str,
    address: str | None,
    gateway: str | None,
) -> LockDevice:
    """Register the Bluetooth lock `lock_id` with its device key (or update its name,
    address and gateway); a change is audited. A changed device key is refused."""
    gateway_id = find_gateway(ctx, facility, gateway).id if gateway is not None else None
    existing = ctx.session.get(LockDevice, lock_id)
    before = (
        (existing.name, existing.address, existing.gateway_id) if existing is not None else None
    )
    lock = register_lock(
        ctx.session,
        facility.id,
        lock_id=lock_id,
        name=name,
        public_key=public_key,
        address=address,
        gateway_id=gateway_id,
        now=ctx.now,
    )
    label = facility_label(facility)
    if before is None:
        text = f"+ lock {name} ({label}): {lock.id}, device key {lock.public_key[:16]}…"
    elif before != (lock.name, lock.address, lock.gateway_id):
        text = f"~ lock {name} ({label}): name, address or gateway changed"
    else:
        return lock
    payload = {
        "lock_id": lock.id,
        "public_key": lock.public_key,
        "address": lock.address,
        "gateway_id": lock.gateway_id,
    }
    ctx.record([facility.id], "lock_registered", lock.id, text, payload)
    return lock
