"""What a transition changes besides the unit's state: users, shares, grants, lien fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from engine.domain import LifecycleEvent, UnitState
from engine.lifecycle import EventRequest, Outcome
from engine.persistence.tables import AuctionGrant, KeyShare, Rental

__all__ = ["WINDOW_ENDED", "lien_fields", "release_everyone", "revoke_grants"]

WINDOW_ENDED = "access window ended"
"""Why an ended window's grants were revoked."""

_GRANT_KIND = {
    LifecycleEvent.RECORD_AUCTION_SALE: "winner",
    LifecycleEvent.ASSIGN_CLEANOUT_ACCESS: "cleanout",
}


def lien_fields(outcome: Outcome, request: EventRequest, current: dict[str, Any]) -> dict[str, Any]:
    """The unit's lien columns after `outcome` (reason, emergency end, access window end)."""
    to = outcome.to_state
    if not to.is_lien:
        return {"lien_reason": None, "emergency_until": None, "access_until": None}
    if outcome.event is LifecycleEvent.MARK_PENDING_AUCTION:
        emergency = outcome.from_state is UnitState.OCCUPIED
        return {
            "lien_reason": request.reason,
            "emergency_until": request.expires_at if emergency else None,
            "access_until": None,
        }
    if outcome.event in _GRANT_KIND:
        return {**current, "access_until": request.window_end}
    if to is UnitState.PENDING_AUCTION:
        return {**current, "access_until": None}
    return current


def grant_for(outcome: Outcome, request: EventRequest, unit_id: str) -> AuctionGrant | None:
    """The auction grant a sale or clean-out assignment creates."""
    kind = _GRANT_KIND.get(outcome.event)
    if kind is None or request.grantee is None:
        return None
    # INVARIANT: the machine's grant_is_valid guard accepted a complete window.
    assert request.window_start is not None
    assert request.window_end is not None
    return AuctionGrant(
        unit_id=unit_id,
        kind=kind,
        person_id=request.grantee,
        window_start=request.window_start,
        window_end=request.window_end,
        created_by=request.actor,
        created_at=request.now,
    )


def revoke_grants(session: Session, unit_id: str, now: datetime, reason: str) -> int:
    """Revoke every live auction grant on the unit; return how many."""
    result = session.execute(
        update(AuctionGrant)
        .where(col(AuctionGrant.unit_id) == unit_id, col(AuctionGrant.revoked_at).is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def release_everyone(session: Session, unit_id: str, now: datetime) -> dict[str, int]:
    """Vacate: end the rentals, revoke every share and grant. Returns the counts."""
    rentals = session.execute(
        update(Rental)
        .where(col(Rental.unit_id) == unit_id, col(Rental.ended_at).is_(None))
        .values(ended_at=now, pms_status=UnitState.AVAILABLE.value)
    )
    shares = session.execute(
        update(KeyShare)
        .where(col(KeyShare.unit_id) == unit_id, col(KeyShare.revoked_at).is_(None))
        .values(revoked_at=now, revoked_reason="unit vacated")
    )
    grants = revoke_grants(session, unit_id, now, "unit vacated")
    return {
        "rentals_ended": int(rentals.rowcount or 0),  # type: ignore[attr-defined]
        "shares_revoked": int(shares.rowcount or 0),  # type: ignore[attr-defined]
        "grants_revoked": grants,
    }
