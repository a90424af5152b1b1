"""The facility's revocation list.

PLACEHOLDER (branch `gateway`): the `relay` branch owns offline keys and revocation and
exports `engine.locks.revocation_list` with this signature; the lead keeps theirs when
merging and drops this file. The lock duty only calls it.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from engine.persistence.tables import FacilityLockKey, OfflineKeyRecord

__all__ = ["revocation_list"]


def revocation_list(session: Session, facility_id: str, now: datetime) -> tuple[int, list[int]]:
    """The current list's version and the revoked key ids still within their validity."""
    key = session.get(FacilityLockKey, facility_id)
    if key is None or key.revocation_version == 0:
        return 0, []
    ids = session.exec(
        select(OfflineKeyRecord.id).where(
            OfflineKeyRecord.facility_id == facility_id,
            col(OfflineKeyRecord.revoked_at).is_not(None),
            col(OfflineKeyRecord.not_after) > now,
        )
    ).all()
    return key.revocation_version, sorted(i for i in ids if i is not None)
