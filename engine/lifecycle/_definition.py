"""The unit lifecycle declared as data: states, transitions, guards by name, conflicts.

This module is the single source for the machine, the Mermaid diagram and the reviewer
table in `specs/`. Guards are names of methods on the machine's model (`_subject.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.domain import EventSource, LifecycleEvent, UnitState

__all__ = [
    "CONFLICTS",
    "EVENT_SOURCE",
    "GUARD_DESCRIPTIONS",
    "INITIAL_STATE",
    "PMS_STATUS_AFTER",
    "TRANSITIONS",
    "TransitionSpec",
]

S = UnitState
E = LifecycleEvent

INITIAL_STATE = S.AVAILABLE


@dataclass(frozen=True)
class TransitionSpec:
    """One declared transition: `event` in any of `sources` moves to `dest`.

    `dest=None` is an internal transition: the event is accepted and recorded but the
    lifecycle state stays (e.g. the PMS reports delinquency for a unit sold at auction).
    """

    event: LifecycleEvent
    sources: tuple[UnitState, ...]
    dest: UnitState | None
    guards: tuple[str, ...] = ()
    why: str = ""


EVENT_SOURCE: dict[LifecycleEvent, EventSource] = {
    E.MOVE_IN: EventSource.PMS,
    E.DELINQUENT_GATE: EventSource.PMS,
    E.DELINQUENT_OVER: EventSource.PMS,
    E.CURRENT: EventSource.PMS,
    E.VACATE: EventSource.PMS,
    E.MARK_PENDING_AUCTION: EventSource.PORTAL,
    E.RECORD_AUCTION_SALE: EventSource.PORTAL,
    E.ASSIGN_CLEANOUT_ACCESS: EventSource.PORTAL,
    E.RESTORE: EventSource.PORTAL,
    E.ACCESS_EXPIRED: EventSource.SYSTEM,
    E.EMERGENCY_EXPIRED: EventSource.SYSTEM,
}
"""Each event has exactly one source; an event from any other source is refused."""

PMS_STATUS_AFTER: dict[LifecycleEvent, UnitState] = {
    E.MOVE_IN: S.OCCUPIED,
    E.DELINQUENT_GATE: S.GATELOCK,
    E.DELINQUENT_OVER: S.OVERLOCK,
    E.CURRENT: S.OCCUPIED,
    E.VACATE: S.AVAILABLE,
}
"""The PMS status a PMS event states; recorded on the unit even when the lien overlay stays."""

_RENTED = (S.OCCUPIED, S.GATELOCK, S.OVERLOCK, S.PENDING_AUCTION, S.AUCTION)

TRANSITIONS: tuple[TransitionSpec, ...] = (
    # --- PMS: the source of truth for tenant, unit and delinquency (seed 002) ---
    TransitionSpec(E.MOVE_IN, (S.AVAILABLE,), S.OCCUPIED, why="the PMS rented the unit"),
    TransitionSpec(
        E.DELINQUENT_GATE,
        (S.OCCUPIED, S.OVERLOCK, S.PENDING_AUCTION),
        S.GATELOCK,
        why="the PMS restricts the tenant at the entry points; a pending auction "
        "returns to the PMS status on the next sync",
    ),
    TransitionSpec(
        E.DELINQUENT_GATE,
        (S.GATELOCK, S.AUCTION),
        None,
        why="already gatelocked, or sold at auction: the lien overlay stays until the PMS "
        "vacates the unit or the access window ends",
    ),
    TransitionSpec(
        E.DELINQUENT_OVER,
        (S.OCCUPIED, S.GATELOCK, S.PENDING_AUCTION),
        S.OVERLOCK,
        why="the PMS restricts the tenant at the unit and the entry points",
    ),
    TransitionSpec(
        E.DELINQUENT_OVER,
        (S.OVERLOCK, S.AUCTION),
        None,
        why="already overlocked, or sold at auction: the overlay stays",
    ),
    TransitionSpec(
        E.CURRENT,
        (S.GATELOCK, S.OVERLOCK, S.PENDING_AUCTION),
        S.OCCUPIED,
        why="the tenant paid; a pending auction returns to the PMS status",
    ),
    TransitionSpec(E.CURRENT, (S.OCCUPIED,), None, why="already current"),
    TransitionSpec(
        E.VACATE,
        _RENTED,
        S.AVAILABLE,
        why="the PMS vacated the unit: every user, share and grant is removed and "
        "employee access is restored",
    ),
    TransitionSpec(E.VACATE, (S.AVAILABLE,), None, why="already available"),
    # --- Portal: lien statuses, permission-gated, never from the PMS ---
    TransitionSpec(
        E.MARK_PENDING_AUCTION,
        (S.GATELOCK, S.OVERLOCK),
        S.PENDING_AUCTION,
        guards=("actor_may_mark_pending_auction",),
        why="a delinquent unit heads for auction",
    ),
    TransitionSpec(
        E.MARK_PENDING_AUCTION,
        (S.OCCUPIED,),
        S.PENDING_AUCTION,
        guards=("emergency_is_valid",),
        why="emergency only (seed 001: a phone locked in the unit): logged, with a reason, "
        "and it ends by itself at its expiry",
    ),
    TransitionSpec(
        E.RECORD_AUCTION_SALE,
        (S.PENDING_AUCTION,),
        S.AUCTION,
        guards=("actor_may_record_sale", "is_not_emergency", "grant_is_valid"),
        why="sold at auction: the winner may clear the unit inside the window",
    ),
    TransitionSpec(
        E.ASSIGN_CLEANOUT_ACCESS,
        (S.PENDING_AUCTION,),
        S.AUCTION,
        guards=("actor_may_assign_cleanout", "is_not_emergency", "grant_is_valid"),
        why="an employee clears the unit inside the window",
    ),
    TransitionSpec(
        E.RESTORE,
        (S.PENDING_AUCTION,),
        S.OCCUPIED,
        guards=("actor_may_restore", "pms_status_is_occupied"),
        why="back to the PMS status",
    ),
    TransitionSpec(
        E.RESTORE,
        (S.PENDING_AUCTION,),
        S.GATELOCK,
        guards=("actor_may_restore", "pms_status_is_gatelock"),
        why="back to the PMS status",
    ),
    TransitionSpec(
        E.RESTORE,
        (S.PENDING_AUCTION,),
        S.OVERLOCK,
        guards=("actor_may_restore", "pms_status_is_overlock"),
        why="back to the PMS status",
    ),
    # --- System: the clock ends what was granted for a stated time ---
    TransitionSpec(
        E.ACCESS_EXPIRED,
        (S.AUCTION,),
        S.PENDING_AUCTION,
        guards=("window_has_ended",),
        why="the winner's or employee's access window ended (seed 002)",
    ),
    TransitionSpec(
        E.EMERGENCY_EXPIRED,
        (S.PENDING_AUCTION,),
        S.OCCUPIED,
        guards=("emergency_has_ended", "pms_status_is_occupied"),
        why="an emergency pending auction ends by itself at its expiry (invariant 13)",
    ),
)

CONFLICTS: dict[tuple[UnitState, LifecycleEvent], str] = {
    (S.AUCTION, E.CURRENT): (
        "the PMS reports the tenant current but the unit was sold at auction; "
        "a person must resolve this in the portal"
    ),
}
"""PMS events that are recorded as sync conflicts instead of being applied."""

GUARD_DESCRIPTIONS: dict[str, str] = {
    "actor_may_mark_pending_auction": "actor holds `lien.mark_pending_auction`",
    "emergency_is_valid": "actor holds `lien.emergency`; a reason; an expiry within the bound",
    "actor_may_record_sale": "actor holds `auction.record_sale`",
    "actor_may_assign_cleanout": "actor holds `auction.assign_cleanout`",
    "is_not_emergency": "the pending auction is not an emergency one",
    "grant_is_valid": "a grantee and an access window that ends in the future",
    "actor_may_restore": "actor holds `lien.restore`",
    "pms_status_is_occupied": "the last PMS status is occupied",
    "pms_status_is_gatelock": "the last PMS status is gatelock",
    "pms_status_is_overlock": "the last PMS status is overlock",
    "window_has_ended": "the access window has ended",
    "emergency_has_ended": "the emergency expiry has passed",
}
"""What each guard checks, for the diagram and the reviewer table."""
