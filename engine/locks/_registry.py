"""Locks and gateways of a facility: registering them and finding a door's lock."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlmodel import Session, select

from engine.errors import InvalidInputError, RefusedError
from engine.persistence.tables import Door, LockDevice, LockGateway

__all__ = ["door_lock", "register_gateway", "register_lock", "registered_lock"]


def register_gateway(
    session: Session, facility_id: str, name: str, url: str, now: datetime
) -> LockGateway:
    """Add the gateway `name`, or point it at `url` (idempotent)."""
    row = session.exec(
        select(LockGateway).where(LockGateway.facility_id == facility_id, LockGateway.name == name)
    ).first()
    if row is None:
        row = LockGateway(facility_id=facility_id, name=name, url=url, created_at=now)
    else:
        row.url = url
    session.add(row)
    session.flush()
    return row


def register_lock(
    session: Session,
    facility_id: str,
    *,
    lock_id: str,
    name: str,
    public_key: str,
    address: str | None,
    gateway_id: str | None,
    now: datetime,
) -> LockDevice:
    """Add the lock `lock_id` with its device key, or update it (idempotent).

    A lock belongs to one facility; a changed device key is refused (a replaced lock is a
    new lock with a new id).
    """
    try:
        lock_id = str(UUID(lock_id))
        key = bytes.fromhex(public_key)
    except ValueError:
        raise InvalidInputError(
            f"lock `{lock_id}` needs a UUID id and a 32-byte hex public key"
        ) from None
    if len(key) != 32:
        raise InvalidInputError(f"the public key of lock `{lock_id}` is not 32 bytes")
    row = session.get(LockDevice, lock_id)
    if row is not None and row.facility_id != facility_id:
        raise RefusedError(f"lock `{lock_id}` belongs to another facility")
    if row is not None and row.public_key != key.hex():
        raise RefusedError(
            f"lock `{lock_id}` is registered with another device key",
            help="a replaced lock is registered under its own id",
        )
    if row is None:
        row = LockDevice(
            id=lock_id, facility_id=facility_id, name=name, public_key=key.hex(), created_at=now
        )
    row.name, row.address, row.gateway_id = name, address, gateway_id
    session.add(row)
    session.flush()
    return row


def door_lock(session: Session, door: Door) -> LockDevice:
    """The registered Bluetooth lock on `door` (`RefusedError` when it has none)."""
    if door.lock_ref is None:
        raise RefusedError(f"door `{door.name}` has no lock", help="assign a lock to the door")
    lock = registered_lock(session, door.facility_id, door.lock_ref)
    if lock is None:
        raise RefusedError(
            f"the lock `{door.lock_ref}` of door `{door.name}` is not a registered Bluetooth lock",
            help="register it under the facility's locks",
        )
    return lock


def registered_lock(session: Session, facility_id: str, lock_ref: str | None) -> LockDevice | None:
    """The facility's registered Bluetooth lock `lock_ref` (None: no such lock there)."""
    lock = session.get(LockDevice, lock_ref) if lock_ref is not None else None
    return lock if lock is not None and lock.facility_id == facility_id else None
