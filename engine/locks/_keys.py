"""Each facility's lock signing key: made once, on first need, and kept in the database."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from engine.locks._port import KeyDeriver, KeyMaterial
from engine.persistence.tables import FacilityLockKey

__all__ = ["facility_key", "material"]


def material(row: FacilityLockKey) -> KeyMaterial:
    """The key of a stored row."""
    return KeyMaterial(row.key_id, bytes.fromhex(row.seed), bytes.fromhex(row.public))


def facility_key(
    session: Session, facility_id: str, derive: KeyDeriver, now: datetime
) -> FacilityLockKey:
    """The facility's key row, made now if it has none (two makers race: one row wins)."""
    row = session.get(FacilityLockKey, facility_id)
    if row is not None:
        return row
    seed = secrets.token_bytes(32)
    row = FacilityLockKey(
        facility_id=facility_id, seed=seed.hex(), public=derive(seed).hex(), created_at=now
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        winner = session.get(FacilityLockKey, facility_id, populate_existing=True)
        # INVARIANT: the insert failed only because another transaction made the row.
        assert winner is not None
        return winner
    return row
