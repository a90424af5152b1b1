"""Telling the tenant that delinquency changed their access (gatelock, overlock, restored),
in the transaction of the PMS transition that changed it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection
from sqlmodel import Session

from engine.domain import UnitState
from engine.lifecycle import Outcome
from engine.notify import MessageKind
from engine.notify._tenant import notify_tenant, rental_context

__all__ = ["access_change", "notify_access_changed"]

_DELINQUENT = frozenset({UnitState.GATELOCK, UnitState.OVERLOCK})
_SUMMARY = {
    UnitState.GATELOCK: "Gate access is suspended until your account is brought current.",
    UnitState.OVERLOCK: (
        "Your unit is overlocked and gate access is suspended until your account is "
        "brought current."
    ),
    UnitState.OCCUPIED: "Your account is current: your access is restored.",
}


def access_change(outcome: Outcome) -> UnitState | None:
    """The state to tell the tenant of when `outcome` changes their access by delinquency
    (into gatelock or overlock, or from them back to occupied); else None."""
    if outcome.conflict is not None or not outcome.changed:
        return None
    if outcome.to_state in _DELINQUENT:
        return outcome.to_state
    if outcome.to_state is UnitState.OCCUPIED and outcome.from_state in _DELINQUENT:
        return UnitState.OCCUPIED
    return None


def notify_access_changed(
    db: Session | Connection, rental_id: str, transition_id: int, state: UnitState, now: datetime
) -> str | None:
    """The `access_changed` message of transition `transition_id` to the rental's tenant
    (None: the facility turned it off, or no such rental)."""
    ctx = rental_context(db, rental_id)
    if ctx is None:
        return None
    extra = {"state": state.value, "summary": _SUMMARY[state]}
    key = f"access_changed/{transition_id}"
    return notify_tenant(db, ctx, MessageKind.ACCESS_CHANGED, key, extra, now)
