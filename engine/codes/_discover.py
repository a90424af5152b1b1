"""Matching the lock service's devices to doors: a door whose `lock_ref` is a device's id
has that keypad lock; a lock no door names any longer is unmatched (our codes leave it)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from engine.codes._port import DeviceInfo
from engine.persistence.tables import Door, KeypadLock

__all__ = ["match_devices"]


def match_devices(session: Session, devices: list[DeviceInfo], now: datetime) -> list[str]:
    """Make `keypad_lock` rows follow the devices and the doors naming them; the ids of
    locks that changed door (matched, moved or unmatched)."""
    ids = [d.device_id for d in devices]
    doors: dict[str, Door] = {}
    for named in session.exec(
        select(Door).where(col(Door.lock_ref).in_(ids), col(Door.removed_at).is_(None))
    ):
        assert named.lock_ref is not None  # INVARIANT: selected by lock_ref.
        doors.setdefault(named.lock_ref, named)
    known = {k.device_id: k for k in session.exec(select(KeypadLock))}
    changed: list[str] = []
    for device in devices:
        door = doors.get(device.device_id)
        row = known.get(device.device_id)
        if row is None:
            row = KeypadLock(device_id=device.device_id, model=device.model, created_at=now)
        door_id = door.id if door is not None else None
        if row.door_id != door_id:
            changed.append(device.device_id)
        row.door_id = door_id
        if door is not None:
            row.facility_id = door.facility_id
        row.model, row.online = device.model, device.online
        session.add(row)
    for device_id, row in known.items():
        if device_id not in doors and row.door_id is not None and device_id not in ids:
            row.door_id = None  # the service no longer lists it
            changed.append(device_id)
            session.add(row)
    return changed
