"""The demo's simulated Bluetooth locks: every door's lock (gates, entry doors, elevator,
units) is a simulated lock of a seed of its facility's, behind one gateway
(`unitgate locks gateway --facility REF`).

The site files name each door's lock by the id `sim_lock_specs(count, seed)` gives the
n-th lock of the facility's seed; loading registers those locks with their device keys and
the gateway at `UNITGATE_LOCK_GATEWAY_URL`. Ids and device keys depend on the seed only, so
the gateway process rebuilds the same locks from the database (and trusts the facility's key).
"""

from __future__ import annotations

import importlib.util
from datetime import datetime

from sqlmodel import Session, col, func, select

from engine.locks import KeyDeriver, facility_key, register_gateway, register_lock
from engine.persistence.tables import Door, Facility, LockDevice

__all__ = ["DEMO_GATEWAY", "DEMO_LOCK_SEEDS", "demo_locks", "register_demo_locks"]

DEMO_GATEWAY = "demo-hub"
"""The name of the demo facilities' gateway."""
DEMO_LOCK_SEEDS = {"riverside": 101, "hilltop": 102, "downtown": 103}
"""Each demo facility's seed (by facility key) of `sim_lock_specs`."""


def _facility_seed(facility: Facility) -> int | None:
    return DEMO_LOCK_SEEDS.get(facility.key or "")


def register_demo_locks(
    session: Session, facility: Facility, gateway_url: str, public_of: KeyDeriver, now: datetime
) -> int:
    """Register the demo facility's simulated locks and their gateway (idempotent); how
    many locks. Needs bumble (a dev dependency): without it, none."""
    seed = _facility_seed(facility)
    if seed is None or importlib.util.find_spec("bumble") is None:
        return 0
    from hardware.gateway.simulated import sim_lock_specs

    doors = session.exec(
        select(Door).where(
            Door.facility_id == facility.id,
            col(Door.lock_ref).is_not(None),
            col(Door.removed_at).is_(None),
        )
    ).all()
    specs = {str(s.lock_id): s for s in sim_lock_specs(len(doors) + 1, seed, ())}
    ours = [d for d in doors if d.lock_ref in specs]
    if not ours:
        return 0
    facility_key(session, facility.id, public_of, now)
    gateway = register_gateway(session, facility.id, DEMO_GATEWAY, gateway_url, now)
    for door in ours:
        spec = specs[door.lock_ref or ""]
        existing = session.get(LockDevice, str(spec.lock_id))
        if existing is not None and existing.gateway_id == gateway.id:
            continue
        register_lock(
            session,
            facility.id,
            lock_id=str(spec.lock_id),
            name=door.name,
            public_key=spec.device_key.public.raw.hex(),
            address=None,
            gateway_id=gateway.id,
            now=now,
        )
    return len(ours)


def demo_locks(session: Session, facility: Facility) -> tuple[int, int] | None:
    """The seed and count of the simulated locks `unitgate locks gateway --facility`
    serves for `facility` (None: not a demo facility, or none of its locks registered)."""
    seed = _facility_seed(facility)
    if seed is None:
        return None
    from hardware.gateway.simulated import sim_lock_specs

    registered = set(
        session.exec(select(LockDevice.id).where(LockDevice.facility_id == facility.id)).all()
    )
    total = session.exec(
        select(func.count()).select_from(Door).where(Door.facility_id == facility.id)
    ).one()
    ids = [str(s.lock_id) for s in sim_lock_specs(total, seed, ())]
    count = max((n for n, lock in enumerate(ids, start=1) if lock in registered), default=0)
    return (seed, count) if count else None
